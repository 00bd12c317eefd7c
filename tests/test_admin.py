"""Platform staff in the Django admin: groups with the right permissions, secrets masked."""

import pytest
from django.apps import apps
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
    ("WAREHOUSE", [], ["/admin/bots/bot/", "/admin/accounts/user/"]),
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


def test_admin_pages_cannot_be_framed(client, db):
    assert client.get("/admin/login/")["X-Frame-Options"] == "DENY"
