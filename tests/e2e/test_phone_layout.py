"""Every dashboard page with a table, at a desktop's width and at a phone's (390 px): nothing
wider than the screen, no word broken mid-word, each row's actions in view, and a menu that
fits a phone."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.e2e.helpers import VIEWPORTS, log_in
from tests.fakes.pdf import make_pdf

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# What the page's own script measures: a page wider than the screen, words split over two
# lines ("activ e"), and row actions the visitor cannot see without scrolling sideways.
MEASURE = """() => {
  const width = window.innerWidth;
  const broken = [];
  document.querySelectorAll("main table td, main table th").forEach((cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.textContent.matchAll(/[^\\s\\/-]+/g)) {  // a break after - or / is no split
        if (match[0].length > 15) continue;  // an e-mail or a long name may have to wrap
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  });
  return {scrollWidth: document.documentElement.scrollWidth, width, broken};
}"""

# Whether an element is wholly on screen and not cut by a scroller: what is drawn at its left
# and right ends must be the element itself.
SEEN = """(element) => {
  // Scroll the page down to it, never sideways: a scroller must not bring it into view.
  window.scrollBy(0, element.getBoundingClientRect().top - window.innerHeight / 2);
  const box = element.getBoundingClientRect();
  const drawn = (x) => {
    const hit = document.elementFromPoint(x, box.top + box.height / 2);
    return !!hit && (hit === element || element.contains(hit));
  };
  return box.left >= 0 && box.right <= window.innerWidth && drawn(box.left + 3) && drawn(box.right - 3);
}"""

ROW_ACTIONS = ["Delete", "Retry", "Revoke", "Remove", "Leave", "Open"]


@pytest.fixture
def busy_tenant(django_user_model, django_capture_on_commit_callbacks):
    """A business with something in every table: bots, documents (one failed), conversations,
    curated answers, members, a pending invitation and API keys."""
    from bots.models import Template
    from bots.services import bot_create
    from chat.curated import curated_answer_create
    from chat.models import Channel
    from chat.reply import reply
    from chat.services import conversation_start
    from documents.services import document_add_text, document_upload
    from kaiu.accounts.invitations import invitation_create
    from kaiu.accounts.models import Membership, Role
    from kaiu.accounts.services import api_key_create, api_key_revoke, tenant_create

    owner = django_user_model.objects.create_user(email="sofia.lindqvist@teahouse.test", password="en-lang-te-kanna",
                                                  full_name="Sofia Lindqvist")
    tenant = tenant_create(owner=owner, name="Lindqvist Tea House Stockholm")
    tenant.plan.max_bots = 5
    tenant.plan.save()
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Tea questions", user=owner)
    bot_create(tenant=tenant, template=None, name="Wholesale assistant for restaurants", user=owner)
    document_add_text(bot=bot, title="Shipping", text="We ship to all of Sweden in 2 to 4 working days.")
    document_upload(bot=bot, files=[
        SimpleUploadedFile("price-list-autumn-collection.csv", b"sku;name;price\nT-1;Earl Grey;89\n"),
        SimpleUploadedFile("damaged.pdf", make_pdf(["x" * 200])[:220]),
    ])
    for channel, question in [(Channel.PAGE, "Do you ship to Norway?"), (Channel.API, "Opening hours?")]:
        conversation = conversation_start(bot=bot, channel=channel, visitor_id="visitor")
        list(reply(conversation, question))
    curated_answer_create(bot=bot, question="Do you ship abroad?", answer="Within the EU, in 5 to 8 working days.")
    for role in (Role.ADMIN, Role.SUPPORT):
        user = django_user_model.objects.create_user(email=f"{role.lower()}@teahouse.test", password="x" * 16)
        Membership.objects.create(user=user, tenant=tenant, role=role)
    invitation_create(inviter=owner.memberships.get(), email="newcomer@teahouse.test", role=Role.SUPPORT)
    api_key_create(tenant=tenant, name="Web shop", created_by=owner)
    api_key_revoke(tenant=tenant, key_id=api_key_create(tenant=tenant, name="Old app", created_by=owner).api_key.pk)
    tenant_create(owner=owner, name="Lindqvist Catering")  # a second business: the top bar has a switcher
    return tenant


TABLE_PAGES = [
    ("bots", "/app/bots/"),
    ("knowledge", "/app/knowledge/"),
    ("documents", "/app/knowledge/{bot}/"),
    ("conversations", "/app/conversations/"),
    ("curated-answers", "/app/answers/"),
    ("members", "/app/settings/members/"),
    ("api-keys", "/app/settings/api-keys/"),
    ("prompt-versions", "/app/bots/{bot}/prompts/"),
]
# Pages without a table, which must fit the screen too.
OTHER_PAGES = [
    ("overview", "/app/"),
    ("bot", "/app/bots/{bot}/"),
    ("widget", "/app/bots/{bot}/widget/"),
    ("retrieval", "/app/bots/{bot}/settings/"),
    ("playground", "/app/playground/{bot}/"),
    ("conversation", "/app/conversations/{conversation}/"),
    ("document", "/app/knowledge/documents/{document}/"),
    ("settings", "/app/settings/"),
]


# A tablet too: beside the sidebar its tables are as narrow as a phone's.
SIZES = {**VIEWPORTS, "tablet": {"width": 800, "height": 1000}}


@pytest.mark.parametrize("viewport", SIZES)
def test_every_table_page_fits_the_screen_with_its_actions_in_view(page, shot, busy_tenant, viewport):
    page.set_viewport_size(SIZES[viewport])
    log_in(page, "sofia.lindqvist@teahouse.test", "en-lang-te-kanna")
    bot = busy_tenant.bots.get(name="Tea questions")
    for name, url in TABLE_PAGES:
        page.goto(url.format(bot=bot.public_id))
        shot(f"20-{name}-{viewport}")
        measured = page.evaluate(MEASURE)
        assert measured["scrollWidth"] <= measured["width"], f"{name} is wider than the screen"
        assert measured["broken"] == [], f"{name} breaks words mid-word"
        for text in ROW_ACTIONS:
            for element in page.locator("main tbody").get_by_text(text, exact=True).element_handles():
                assert page.evaluate(SEEN, element), f"“{text}” on {name} is out of view"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_other_dashboard_pages_fit_the_screen(page, shot, busy_tenant, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, "sofia.lindqvist@teahouse.test", "en-lang-te-kanna")
    bot = busy_tenant.bots.get(name="Tea questions")
    ids = {"bot": bot.public_id, "conversation": bot.conversations.first().pk, "document": bot.documents.first().pk}
    for name, url in OTHER_PAGES:
        page.goto(url.format(**ids))
        shot(f"22-{name}-{viewport}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{name} is too wide"


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_navigation_fits_the_screen_and_opens_from_a_menu_on_a_phone(page, shot, busy_tenant, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, "sofia.lindqvist@teahouse.test", "en-lang-te-kanna")
    menu = page.get_by_role("button", name="Menu")
    links = page.locator("nav[aria-label=Main] a")
    if viewport == "phone":
        assert menu.is_visible()
        assert not links.first.is_visible()  # folded away until asked for
        assert menu.get_attribute("aria-expanded") == "false"
        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
    else:
        assert not menu.is_visible()
    shot(f"21-navigation-{viewport}")
    assert page.locator("#tenant-select").is_visible()
    assert links.count() == 8  # Overview, Bots, Knowledge, Conversations, Inbox, Shop, Analytics, Settings
    topbar = page.locator(".topbar a:visible, .topbar button:visible, .topbar select:visible")
    for element in links.element_handles() + topbar.element_handles():
        assert page.evaluate(SEEN, element), f"{element.inner_text()} is out of view"
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    if viewport == "phone":  # signing out stays at hand
        assert page.locator("nav[aria-label=Main]").get_by_role("button", name="Log out").is_visible()
    links.filter(has_text="Conversations").click()
    page.wait_for_url("**/app/conversations/")
