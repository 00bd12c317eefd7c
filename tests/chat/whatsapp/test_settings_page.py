"""The bot's WhatsApp settings page: owners and admins connect a number, the secrets are
stored encrypted and never shown, and the page says what to paste into Meta's app."""

import pytest
from django.db import connection

from chat.whatsapp.models import WhatsAppAccount
from tests.chat.whatsapp.conftest import connect

pytestmark = pytest.mark.django_db

FORM = {"phone_number_id": "106540352242922", "display_phone": "+57 601 555 0000",
        "access_token": "EAAGsecret-token-0123456789", "app_secret": "app-secret-0123456789abcdef",
        "verify_token": "my-verify-phrase", "is_enabled": "on"}


def url(bot):
    return f"/app/whatsapp/{bot.public_id}/"


def test_the_owner_connects_a_number_and_sees_what_to_paste_into_meta(owner_client, bot):
    page = owner_client.get(url(bot)).content.decode()
    assert f"http://testserver/whatsapp/{bot.public_id}/webhook" in page
    response = owner_client.post(url(bot), FORM)
    assert response.status_code == 302
    account = WhatsAppAccount.objects.get(bot=bot)
    assert (account.phone_number_id, account.access_token, account.app_secret, account.verify_token) == (
        "106540352242922", FORM["access_token"], FORM["app_secret"], "my-verify-phrase")
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, app_secret FROM chat_whatsappaccount")
        stored = cursor.fetchone()
    assert FORM["access_token"] not in stored[0]
    assert FORM["app_secret"] not in stored[1]
    page = owner_client.get(url(bot)).content.decode()
    assert "my-verify-phrase" in page
    assert FORM["access_token"] not in page
    assert FORM["app_secret"] not in page
    assert "EAA…6789" in page  # masked


def test_blank_secrets_keep_the_stored_ones_and_a_blank_verify_token_gets_a_random_one(owner_client, bot):
    connect(bot)
    before = WhatsAppAccount.objects.get(bot=bot)
    owner_client.post(url(bot), {**FORM, "access_token": "", "app_secret": "", "verify_token": ""})
    after = WhatsAppAccount.objects.get(bot=bot)
    assert (after.access_token, after.app_secret, after.verify_token) == (
        before.access_token, before.app_secret, before.verify_token)
    assert after.phone_number_id == FORM["phone_number_id"]


def test_mistakes_are_explained(owner_client, bot, other_bot):
    page = owner_client.post(url(bot), {**FORM, "phone_number_id": "+57 300 123 4567"}).content.decode()
    assert "digits only" in page
    page = owner_client.post(url(bot), {**FORM, "access_token": ""}).content.decode()
    assert "Paste the access token" in page
    connect(other_bot, phone_number_id=FORM["phone_number_id"])
    page = owner_client.post(url(bot), FORM).content.decode()
    assert "already connected to another bot" in page
    assert not WhatsAppAccount.objects.filter(bot=bot).exists()


@pytest.mark.parametrize(("role", "status"), [("ADMIN", 200), ("SUPPORT", 403), ("WAREHOUSE", 403)])
def test_only_owners_and_admins_may_open_it(client, bot, member_with_role, role, status):
    client.force_login(member_with_role(role))
    assert client.get(url(bot)).status_code == status


def test_another_tenants_bot_is_404(owner_client, other_bot):
    connect(other_bot)
    assert owner_client.get(url(other_bot)).status_code == 404
    assert owner_client.post(url(other_bot), FORM).status_code == 404
    assert WhatsAppAccount.objects.get(bot=other_bot).verify_token != FORM["verify_token"]


def test_the_bot_page_links_to_it(owner_client, bot):
    assert url(bot) in owner_client.get(f"/app/bots/{bot.public_id}/").content.decode()
