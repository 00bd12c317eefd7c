"""A newcomer's first minutes, clicked through in a real browser."""

import re

import pytest
from django.core import mail

from bots.models import Bot
from kaiu.accounts.models import ApiKey, Invitation

# serialized_rollback restores what data migrations created (plans, templates) after each test.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_sign_up_create_a_bot_and_set_up_the_business(page, shot):
    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/app/")
    page.click("text=Create an account")
    page.fill("#id_full_name", "Lucía Martínez")
    page.fill("#id_email", "lucia@tienda.test")
    page.fill("#id_password", "una-clave-bien-larga")
    page.fill("#id_business_name", "Tienda Lucía")
    page.select_option("#id_language", "es")
    page.click("button:has-text('Create account')")
    page.wait_for_url("**/app/")
    assert page.locator("h1").inner_text() == "Tienda Lucía"
    shot("01-overview")

    page.click("nav >> text=Bots")
    assert page.locator("text=No bots yet").is_visible()
    page.click("text=Create your first bot")
    page.check("text=Product expert")
    page.fill("#id_name", "Experta en aceites")
    page.click("button:has-text('Create bot')")
    page.wait_for_selector("text=Bot “Experta en aceites” created.")
    shot("02-bot-created")
    bot = Bot.objects.get(name="Experta en aceites")
    assert bot.rag_config["chunk_size"] == 800

    page.click("nav >> text=Settings")
    page.click("button:has-text('Test connection')")  # htmx swaps the result in place
    page.wait_for_selector("text=built-in offline provider")
    shot("03-settings")

    page.click("text=API keys")
    page.fill("#id_name", "Sitio web")
    page.click("button:has-text('Create key')")
    secret = page.locator("#new-key").inner_text()
    assert secret.startswith("kaiu_")
    assert ApiKey.objects.get().key_hash not in secret
    shot("04-api-key")
    page.reload()  # shows the key no more, and creates no second one
    assert page.locator("#new-key").count() == 0
    assert ApiKey.objects.count() == 1

    page.click("text=Members")
    page.fill("#id_email", "equipo@tienda.test")
    page.select_option("#id_role", "SUPPORT")
    page.click("button:has-text('Send invitation')")
    page.wait_for_selector("text=Invitation sent to equipo@tienda.test.")
    assert Invitation.objects.get().role == "SUPPORT"
    assert re.search(r"/accounts/invite/\S+/", mail.outbox[-1].body)
    shot("05-members")


def test_deleting_a_bot_asks_first(page, shot, django_user_model):
    from bots.services import bot_create
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="o@x.test", password="una-clave-bien-larga")
    tenant = tenant_create(owner=user, name="X")
    bot = bot_create(tenant=tenant, template=None, name="Temporal")
    page.goto("/accounts/login/")
    page.fill("#id_username", "o@x.test")
    page.fill("#id_password", "una-clave-bien-larga")
    page.click("button:has-text('Log in')")
    page.goto(f"/app/bots/{bot.public_id}/")
    page.click("text=Delete")
    assert page.locator("text=This cannot be undone").is_visible()
    shot("06-delete-confirm")
    page.click("text=Cancel")
    assert Bot.objects.filter(pk=bot.pk).exists()
    page.click("text=Delete")
    page.click("button:has-text('Delete bot')")
    page.wait_for_selector("text=No bots yet")
    assert not Bot.objects.filter(pk=bot.pk).exists()
