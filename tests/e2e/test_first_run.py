"""A new business's first steps, seen in the browser at a desktop's width and a phone's: one
welcome message, limits said before the form, consistent labels, next steps that follow
progress."""

import pytest

from tests.e2e.helpers import VIEWPORTS, log_in

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

EMAIL, PASSWORD = "sofia@teahouse.test", "en-lang-te-kanna"


@pytest.fixture
def owner(django_user_model):
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email=EMAIL, password=PASSWORD, full_name="Sofia")
    tenant_create(owner=user, name="Tea House")
    return user


@pytest.fixture
def tea_bot(owner):
    from bots.models import Template
    from bots.services import bot_create

    return bot_create(tenant=owner.memberships.get().tenant, template=Template.objects.get(slug="faq"),
                      name="Tea questions", user=owner)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_one_welcome_message_edited_beside_its_preview_and_shown_to_visitors(page, shot, tea_bot, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, EMAIL, PASSWORD)
    page.goto(f"/app/bots/{tea_bot.public_id}/widget/")
    welcome = page.locator("[data-preview=welcome_message]")
    assert welcome.inner_text() == tea_bot.welcome_message

    page.fill("#id_welcome_message", "")
    assert not welcome.is_visible()  # as visitors will see it: no bubble, not "…"
    assert "…" not in page.locator("[data-widget-preview]").inner_text()
    page.fill("#id_welcome_message", "Hej! Ask me about our teas.")
    assert welcome.is_visible()
    assert welcome.inner_text() == "Hej! Ask me about our teas."
    shot(f"30-welcome-preview-{viewport}")
    page.click("button:has-text('Save')")
    page.wait_for_selector("text=Widget saved.")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.goto(f"/c/{tea_bot.public_id}/")
    assert page.locator(".bubble-greeting").inner_text() == "Hej! Ask me about our teas."
    page.goto(f"/app/playground/{tea_bot.public_id}/")
    assert page.locator(".bubble-greeting").inner_text() == "Hej! Ask me about our teas."
    page.goto(f"/app/bots/{tea_bot.public_id}/edit/")
    assert page.locator("#id_welcome_message").count() == 0


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return locator.is_visible() and box["x"] >= 0 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_limits_are_said_before_the_form(page, shot, tea_bot, viewport):
    """At the plan's bot limit "New bot" is disabled with the reason; the only owner is not
    offered Leave, and is told why."""
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, EMAIL, PASSWORD)
    assert page.get_by_role("link", name="Leave").count() == 0
    reason = page.get_by_text("You are the only owner of Tea House, so you cannot leave it.")
    assert _in_view(page, reason)

    page.goto("/app/bots/")
    new_bot = page.get_by_role("button", name="New bot")
    assert new_bot.is_disabled()
    assert _in_view(page, new_bot)
    note = page.locator("#bot-limit")
    assert "Your Free plan allows 1 bot." in note.inner_text()
    assert _in_view(page, note)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(f"31-bot-limit-{viewport}")
    page.goto("/app/bots/new/")  # typed or bookmarked: the page says it too, with no form to fill
    assert page.locator("#id_name").count() == 0
    assert "Your Free plan allows 1 bot." in page.locator("#bot-limit").inner_text()

    page.goto("/app/settings/members/")
    assert page.get_by_role("link", name="Leave").count() == 0
    assert _in_view(page, page.get_by_text("Only owner: cannot leave"))
    shot(f"32-sole-owner-{viewport}")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_next_steps_labels_and_examples_follow_the_business(page, shot, owner, add_text, viewport):
    from bots.services import bot_create

    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, EMAIL, PASSWORD)
    steps = page.locator(".steps li")
    assert page.locator(".step-done").count() == 0
    shot(f"33-next-steps-new-{viewport}")

    bot = bot_create(tenant=owner.memberships.get().tenant, template=None, name="Tea questions", user=owner)
    bot.language = "en"
    bot.save()
    add_text(bot, "Shipping", "We ship to all of Sweden in two to four working days.")
    page.reload()
    assert [step.inner_text().startswith("Done") for step in steps.all()] == [True, True, False, False]
    assert "WhatsApp" not in page.locator("main").inner_text()
    shot(f"34-next-steps-progress-{viewport}")
    steps.filter(has_text="Try it in the playground").get_by_role("link").click()
    page.wait_for_url(f"**/app/playground/{bot.public_id}/")

    page.goto(f"/app/knowledge/{bot.public_id}/")
    assert "Typed text · " in page.locator("#document-rows").inner_text()
    page.goto(f"/app/bots/{bot.public_id}/widget/")
    assert 'KAIU.open("Do you ship to my city?")' in page.locator("main").inner_text()
    page.goto("/app/conversations/")
    options = page.locator("#id_channel option").all_inner_texts()
    assert options == ["All channels", "Widget", "Public page", "WhatsApp", "API", "Playground"]
