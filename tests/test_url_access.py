"""Walk every URL pattern the project has, so new pages are covered the day they are added.

- Anonymous visitors get the login page (or 401) everywhere but an explicit allowlist.
- A signed-in member of tenant A asking for any of tenant B's objects gets 404.
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from kaiu.accounts.models import Membership
from kaiu.accounts.services import api_key_create, invitation_create

# URL names anyone may open without signing in (the rest must send them to log in).
PUBLIC_URL_NAMES = {
    "home",  # redirects to the dashboard, which then asks for a login
    "healthz",
    "accounts:login",
    "accounts:logout",
    "accounts:signup",
    "accounts:password-reset",
    "accounts:password-reset-done",
    "accounts:password-reset-confirm",
    "accounts:password-reset-complete",
    "accounts:invitation-accept",
}


def walk(resolver=None, prefix="", namespace=""):
    """Yield (route, name, converters) for every pattern, descending into includes."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}:{entry.namespace}".strip(":") if entry.namespace else namespace
            yield from walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            yield prefix + str(entry.pattern), name, entry.pattern.converters


def project_urls():
    """Our own URL patterns (the Django admin has its own, staff-only, access control)."""
    return [(route, name, conv) for route, name, conv in walk() if not route.startswith("admin/")]


def fill(route, values):
    """Turn a route like 'app/bots/<slug:public_id>/' into a path with `values` filled in."""
    def replace(match):
        key = match.group(2)
        if key not in values:
            raise KeyError(key)
        return str(values[key])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", replace, route)


def test_every_url_pattern_is_found():
    names = {name for _, name, _ in project_urls()}
    assert {"accounts:overview", "bots:bot-detail", "healthz"} <= names


@pytest.mark.django_db
@pytest.mark.parametrize("route,name", [(r, n) for r, n, _ in project_urls()])
def test_anonymous_visitors_must_log_in(client, route, name):
    if name in PUBLIC_URL_NAMES:
        return
    dummy = {"public_id": "abcdefghij", "member_id": uuid.uuid4(), "invitation_id": uuid.uuid4(),
             "key_id": uuid.uuid4(), "token": "x", "uidb64": "x"}
    path = fill(route, dummy)
    for method in (client.get, client.post):
        response = method(path)
        assert response.status_code in (302, 401), f"{name} {path} answered {response.status_code}"
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), f"{name} redirects elsewhere"


# For each URL keyword, how to make an object of tenant B and the value that names it.
def other_tenant_objects(other_tenant, other_bot, outsider):
    second = Membership.objects.create(
        user=type(outsider).objects.create_user(email="second@beta.test", password="x" * 12),
        tenant=other_tenant, role="SUPPORT")
    invitation, _ = invitation_create(
        inviter=other_tenant.memberships.get(user=outsider), email="new@beta.test", role="SUPPORT")
    key = api_key_create(tenant=other_tenant, name="Beta key", created_by=outsider).api_key
    return {
        "public_id": other_bot.public_id,
        "member_id": second.pk,
        "invitation_id": invitation.pk,
        "key_id": key.pk,
    }


@pytest.mark.django_db
def test_another_tenants_objects_are_404_on_every_dashboard_url(
    owner_client, bot, other_tenant, other_bot, outsider
):
    values = other_tenant_objects(other_tenant, other_bot, outsider)
    checked = 0
    for route, name, converters in project_urls():
        if name in PUBLIC_URL_NAMES or not converters:
            continue
        try:
            path = fill(route, values)
        except KeyError as missing:
            pytest.fail(f"{name}: add a tenant-B object for the URL keyword {missing} to this test")
        # A POST-only view may refuse GET with 405 before looking anything up: that says
        # nothing about tenant B. A POST must find nothing.
        response = owner_client.get(path)
        assert response.status_code in (404, 405), f"GET {name} {path} answered {response.status_code}"
        response = owner_client.post(path)
        assert response.status_code == 404, f"POST {name} {path} answered {response.status_code}"
        checked += 1
    assert checked >= 5
    # Nothing of tenant B changed.
    other_bot.refresh_from_db()
    assert other_tenant.memberships.count() == 2
    assert other_tenant.api_keys.get().revoked_at is None
    assert other_tenant.invitations.count() == 1
