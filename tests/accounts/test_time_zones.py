"""Dashboard times: in the business's zone, in one format, saying which zone."""

from datetime import UTC, datetime

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kaiu.accounts.models import ApiKey, Tenant

# 12:00 UTC on 15 January: 13:00 in Stockholm, 07:00 in Bogotá.
NOON_UTC = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_dates_show_in_the_tenants_zone_in_one_format(owner_client, tenant, owner):
    Tenant.objects.filter(pk=tenant.pk).update(time_zone="Europe/Stockholm")
    key = ApiKey.objects.create(tenant=tenant, name="Website", prefix="abcd1234", key_hash="x" * 64,
                                created_by=owner)
    ApiKey.objects.filter(pk=key.pk).update(created_at=NOON_UTC, last_used_at=NOON_UTC)
    page = owner_client.get("/app/settings/api-keys/").content.decode()
    moment = '<time datetime="2026-01-15T13:00:00+01:00" title="Europe/Stockholm (UTC+1)">2026-01-15 13:00</time>'
    assert page.count(moment) == 2  # created and last used, the same way
    assert "Times are in Europe/Stockholm" in page


def test_each_business_sees_its_own_zone(client, tenant, owner, outsider, other_tenant):
    from bots.services import bot_create, prompt_create

    Tenant.objects.filter(pk=other_tenant.pk).update(time_zone="America/Bogota")
    bot = bot_create(tenant=other_tenant, template=None, name="Beta bot")
    prompt = prompt_create(bot=bot, content="You help.")
    type(prompt).objects.filter(pk=prompt.pk).update(created_at=NOON_UTC)
    client.force_login(outsider)
    page = client.get(f"/app/bots/{bot.public_id}/prompts/").content.decode()
    assert "2026-01-15 07:00</time>" in page
    assert 'title="America/Bogota (UTC-5)"' in page


def test_the_zone_is_the_businesss_for_one_request_only(owner_client, tenant, settings):
    from django.utils import timezone

    Tenant.objects.filter(pk=tenant.pk).update(time_zone="Asia/Tokyo")
    assert "Times are in Asia/Tokyo" in owner_client.get("/app/").content.decode()
    # The worker thread serves the next request, maybe another business's, with nothing left active.
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE


def test_businesses_that_existed_keep_the_zone_they_saw(db, settings):
    """Migration accounts 0006: the tenants it finds get the server's zone, not UTC. (Run in
    the test's transaction: PostgreSQL rolls the schema back with it.)"""
    settings.TIME_ZONE = "America/Bogota"
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0007_invitation_sent_at")])
    old_apps = executor.loader.project_state([("accounts", "0007_invitation_sent_at")]).apps
    plan = old_apps.get_model("accounts", "Plan").objects.first()
    old_apps.get_model("accounts", "Tenant").objects.create(name="Old shop", slug="old-shop", plan=plan,
                                                            currency="COP", language="es")
    with connection.cursor() as cursor:  # check the new row's keys now: PostgreSQL alters no table with checks pending
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    executor = MigrationExecutor(connection)
    executor.migrate([("accounts", "0008_tenant_locale")])
    # Read with the model as it was then: later migrations add columns that do not exist yet.
    at_0008 = executor.loader.project_state([("accounts", "0008_tenant_locale")]).apps
    assert at_0008.get_model("accounts", "Tenant").objects.get(slug="old-shop").time_zone == "America/Bogota"


def test_saving_settings_keeps_a_zone_no_longer_offered(owner_client, tenant):
    tenant.time_zone = "US/Eastern"  # an alias an older business may have
    tenant.save()
    page = owner_client.get("/app/settings/").content.decode()
    assert 'value="US/Eastern" selected' in page
