"""Platform staff in the Django admin: groups with the right permissions, secrets masked."""

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group

from kaiu.accounts.models import TenantSettings, User
from kaiu.accounts.staff import sync_staff_groups


def staff(group):
    user = User.objects.create_user(email=f"{group.lower()}@staff.test", password="x" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_every_model_of_ours_is_registered_in_the_admin():
    ours = {"accounts", "bots", "documents", "commerce", "chat"}
    missing = [m._meta.label for m in apps.get_models() if m._meta.app_label in ours and m not in admin.site._registry]
    assert missing == []


@pytest.mark.parametrize(("group", "allowed", "denied"), [
    ("ADMIN", ["/admin/accounts/tenant/", "/admin/bots/bot/"], []),
    ("SUPPORT", ["/admin/bots/bot/"], ["/admin/accounts/tenant/", "/admin/accounts/tenantsettings/"]),
    ("WAREHOUSE", ["/admin/commerce/product/", "/admin/commerce/order/"],
     ["/admin/bots/bot/", "/admin/accounts/user/"]),
])
def test_staff_groups_open_only_their_models(client, db, group, allowed, denied):
    sync_staff_groups()
    client.force_login(staff(group))
    for path in allowed:
        assert client.get(path).status_code == 200, path
    for path in denied:
        assert client.get(path).status_code == 403, path


def test_admin_shows_the_llm_key_masked(client, tenant):
    settings_row = TenantSettings.objects.get(tenant=tenant)
    settings_row.api_key = "sk-admin-should-never-see-this-9876"
    settings_row.save()
    admin_user = User.objects.create_superuser(email="root@staff.test", password="x" * 12)
    client.force_login(admin_user)
    for path in ("/admin/accounts/tenantsettings/", f"/admin/accounts/tenantsettings/{settings_row.pk}/change/"):
        page = client.get(path).content.decode()
        assert "sk-admin-should-never-see-this-9876" not in page
        assert "sk-…9876" in page


def test_admin_shows_whatsapp_secrets_masked(client, bot):
    from chat.whatsapp.services import whatsapp_account_save

    account = whatsapp_account_save(bot=bot, phone_number_id="1065403522", access_token="EAAG-admin-never-sees-1234",
                                    app_secret="secret-admin-never-sees-5678", verify_token="verify-admin-never")
    client.force_login(User.objects.create_superuser(email="root@staff.test", password="x" * 12))
    for path in ("/admin/chat/whatsappaccount/", f"/admin/chat/whatsappaccount/{account.pk}/change/"):
        page = client.get(path).content.decode()
        for secret in ("EAAG-admin-never-sees-1234", "secret-admin-never-sees-5678", "verify-admin-never"):
            assert secret not in page


def test_admin_pages_cannot_be_framed(client, db):
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"


# --- The front page for a staff role with nothing to show yet --------------------------------


def test_warehouse_staff_see_the_shop_on_the_front_page(client, db):
    sync_staff_groups()
    client.force_login(staff("WAREHOUSE"))
    page = client.get("/admin/").content.decode()
    assert "/admin/commerce/order/" in page
    assert "arrives in a later version" not in page


def test_staff_without_a_role_are_told_how_to_get_one(client, db):
    client.force_login(User.objects.create_user(email="new@staff.test", password="x" * 12, is_staff=True))
    assert "no staff role yet" in client.get("/admin/").content.decode()


# --- Rows KAIU writes itself: looked at, never added or edited by hand --------------------------

# Every registered model of ours, with what staff may do to its rows by hand. A model added to
# the admin fails test_every_admin_model_declares_what_staff_may_do until it is listed here.
SYSTEM_ROWS = {  # model → may staff delete a row?
    "documents.EmbeddingCache": True,
    "documents.IngestJob": False,
    "chat.Message": False,
    "chat.Feedback": True,
    "chat.Note": True,  # an internal note written on the wrong conversation
    "chat.QueryLog": False,
    "chat.ResponseCache": True,
    "accounts.QuotaUsage": False,
    "platform.RateCounter": True,
    "commerce.OrderItem": False,
    "commerce.StockMovement": False,
    "commerce.OrderEvent": False,
    "commerce.OrderCounter": False,
    "chat.WhatsAppInbound": False,
    "chat.WhatsAppOutbound": False,
    "chat.ModelPrice": False,  # a business's own figures, edited on its analytics page
    "chat.GapFix": True,  # the gap shows again
    "documents.RetrievalDay": False,
    "chat.AnalyticsDay": False,
    "chat.AnalyticsLatencyDay": False,
    "chat.AnalyticsRollup": True,  # the business's days are rolled up again on the next run
}
EDITED_BY_STAFF = {
    "accounts.User", "accounts.Plan", "accounts.Tenant", "accounts.Membership", "accounts.Invitation",
    "accounts.TenantSettings", "accounts.ApiKey", "bots.Bot", "bots.BotPrompt", "bots.WidgetConfig",
    "bots.Template", "documents.Document", "documents.Chunk", "chat.Conversation", "chat.CuratedAnswer",
    "chat.WhatsAppAccount",
    "commerce.Product", "commerce.Customer", "commerce.Address", "commerce.ShippingRate", "commerce.Order",
}


def ours():
    return [model for model in admin.site._registry
            if model._meta.app_label in {"accounts", "platform", "bots", "documents", "commerce", "chat"}]


def test_every_admin_model_declares_what_staff_may_do():
    labels = {model._meta.label for model in ours()}
    assert labels == set(SYSTEM_ROWS) | EDITED_BY_STAFF


@pytest.mark.parametrize("label", sorted(SYSTEM_ROWS))
def test_system_rows_are_view_only_even_for_a_superuser(rf, db, label):
    request = rf.get("/admin/")
    request.user = User.objects.create_superuser(email="root@staff.test", password="x" * 12)
    model_admin = admin.site._registry[apps.get_model(label)]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert model_admin.has_delete_permission(request) is SYSTEM_ROWS[label]


def test_support_cannot_add_or_edit_cache_and_job_rows(client, tenant, bot, add_text):
    from documents.models import EmbeddingCache, IngestJob

    sync_staff_groups()
    client.force_login(staff("SUPPORT"))
    add_text(bot, "Hours", "We open at nine.")
    job = IngestJob.objects.get()
    cached = EmbeddingCache.objects.create(model="m", sha256="a" * 64, embedding=[0.1] * settings.EMBEDDING_DIMENSIONS)
    for path in ("/admin/documents/ingestjob/", "/admin/documents/embeddingcache/"):
        page = client.get(path).content.decode()
        assert f'href="{path}add/"' not in page
        assert client.get(f"{path}add/").status_code == 403
    response = client.post(f"/admin/documents/ingestjob/{job.pk}/change/", {"reason": "forged", "outcome": "FAILED"})
    assert response.status_code == 403
    job.refresh_from_db()
    assert (job.reason, job.outcome) != ("forged", "FAILED")
    page = client.get(f"/admin/documents/embeddingcache/{cached.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # shown, not editable
    assert client.post(f"/admin/documents/ingestjob/{job.pk}/delete/", {"post": "yes"}).status_code == 403
    assert IngestJob.objects.filter(pk=job.pk).exists()
    client.post(f"/admin/documents/embeddingcache/{cached.pk}/delete/", {"post": "yes"})
    assert not EmbeddingCache.objects.filter(pk=cached.pk).exists()


def test_a_chunk_disabled_in_the_admin_moves_the_bots_knowledge_on(client, tenant, bot, add_text):
    document = add_text(bot, "Hours", "We open at nine.")
    chunk = document.chunks.get()
    bot.refresh_from_db()
    version = bot.knowledge_version
    client.force_login(User.objects.create_superuser(email="root@staff.test", password="x" * 12))
    response = client.post(f"/admin/documents/chunk/{chunk.pk}/change/", {"text": "Forged text", "is_enabled": ""})
    assert response.status_code == 302
    chunk.refresh_from_db()
    bot.refresh_from_db()
    assert (chunk.is_enabled, chunk.text) == (False, "We open at nine.")
    assert bot.knowledge_version > version  # cached answers quoting it are no longer served
