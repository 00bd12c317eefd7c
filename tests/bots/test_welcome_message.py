"""One welcome message per bot, edited in one place (the widget page, beside its preview),
and shown by the public page, the widget and the playground alike."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bots.models import Bot, WidgetConfig

WIDGET_FORM = {"header_text": "Tea House", "primary_color": "#2f7d5b", "starter_questions": "", "position": "right",
               "allowed_domains": ""}


def _chat_pages(client, bot) -> dict[str, str]:
    return {name: client.get(url).content.decode() for name, url in [
        ("public page", f"/c/{bot.public_id}/"), ("widget", f"/c/{bot.public_id}/frame/"),
        ("playground", f"/app/playground/{bot.public_id}/"), ("preview", f"/app/bots/{bot.public_id}/widget/")]}


def test_the_welcome_message_edited_on_the_widget_page_is_shown_everywhere(owner_client, bot):
    owner_client.post(f"/app/bots/{bot.public_id}/widget/", {**WIDGET_FORM, "welcome_message": "  Hej! Välkommen.  "})
    bot.refresh_from_db()
    assert bot.welcome_message == "Hej! Välkommen."
    for name, page in _chat_pages(owner_client, bot).items():
        assert "Hej! Välkommen." in page, name


def test_the_template_welcome_is_not_kept_beside_it_in_the_widget(owner_client, bot):
    """A bot from a template used to copy its welcome into a widget greeting that then hid
    every later change of the welcome message."""
    template_welcome = bot.welcome_message
    assert template_welcome
    owner_client.post(f"/app/bots/{bot.public_id}/widget/", {**WIDGET_FORM, "welcome_message": "Hi there."})
    for name, page in _chat_pages(owner_client, bot).items():
        assert template_welcome not in page, name


def test_an_empty_welcome_message_shows_no_bubble_anywhere(owner_client, bot):
    owner_client.post(f"/app/bots/{bot.public_id}/widget/", {**WIDGET_FORM, "welcome_message": ""})
    bot.refresh_from_db()
    assert bot.welcome_message == ""
    pages = _chat_pages(owner_client, bot)
    assert "bubble-greeting" not in pages["public page"]
    assert '<div class="bubble bubble-bot" data-preview="welcome_message" hidden></div>' in pages["preview"]
    assert "…</div>" not in pages["preview"]


def test_the_edit_and_retrieval_pages_no_longer_edit_it(owner_client, bot):
    before = bot.welcome_message
    for url in (f"/app/bots/{bot.public_id}/edit/", f"/app/bots/{bot.public_id}/settings/"):
        assert 'name="welcome_message"' not in owner_client.get(url).content.decode()
    owner_client.post(f"/app/bots/{bot.public_id}/edit/", {"name": "Helper", "description": "", "language": "en",
                                                           "welcome_message": "Ignored"})
    bot.refresh_from_db()
    assert bot.welcome_message == before
    page = owner_client.get(f"/app/bots/{bot.public_id}/").content.decode()
    assert f'href="/app/bots/{bot.public_id}/widget/#id_welcome_message"' in page


def test_a_too_long_welcome_message_changes_nothing(owner_client, bot):
    before = bot.welcome_message
    response = owner_client.post(f"/app/bots/{bot.public_id}/widget/", {**WIDGET_FORM, "welcome_message": "x" * 301,
                                                                         "header_text": "Changed"})
    assert response.status_code == 200
    bot.refresh_from_db()
    assert bot.welcome_message == before
    assert WidgetConfig.objects.get(bot=bot).header_text == "Helper"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_keeps_a_customised_greeting_as_the_welcome_message(tenant):
    executor = MigrationExecutor(connection)
    executor.migrate([("bots", "0003_prompt_activation")])
    old = executor.loader.project_state([("bots", "0003_prompt_activation")]).apps
    OldBot, OldWidget = old.get_model("bots", "Bot"), old.get_model("bots", "WidgetConfig")
    greeted = OldBot.objects.create(tenant_id=tenant.pk, name="Greeted", public_id="greeted001",
                                    welcome_message="Hola, pregúntame lo que necesites saber.")
    OldWidget.objects.create(bot=greeted, greeting="Hej! Ask me about our teas.")
    plain = OldBot.objects.create(tenant_id=tenant.pk, name="Plain", public_id="plain00001", welcome_message="Hello.")
    OldWidget.objects.create(bot=plain, greeting="")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert Bot.objects.get(public_id="greeted001").welcome_message == "Hej! Ask me about our teas."
    assert Bot.objects.get(public_id="plain00001").welcome_message == "Hello."
