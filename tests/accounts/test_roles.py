"""Each role sees and opens only what it may use."""

import pytest

from kaiu.accounts.models import Role

# page → roles allowed (from kaiu.tenancy.CAPABILITIES, written out so a change is a decision)
PAGES = {
    "/app/": {"OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"},
    "/app/bots/": {"OWNER", "ADMIN"},
    "/app/bots/new/": {"OWNER", "ADMIN"},
    "/app/settings/": {"OWNER", "ADMIN"},
    "/app/settings/members/": {"OWNER", "ADMIN"},
    "/app/settings/api-keys/": {"OWNER", "ADMIN"},
    "/app/shop/": {"OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"},  # support reads products and orders
    "/app/shop/orders/": {"OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"},
    "/app/shop/products/new/": {"OWNER", "ADMIN", "WAREHOUSE"},
    "/app/shop/products/import/": {"OWNER", "ADMIN", "WAREHOUSE"},
    "/app/shop/customers/": {"OWNER", "ADMIN", "WAREHOUSE"},
    # Support fixes what the bot cannot answer: it sees the figures and the gaps, not the costs.
    "/app/analytics/": {"OWNER", "ADMIN", "SUPPORT"},
    "/app/analytics/gaps/": {"OWNER", "ADMIN", "SUPPORT"},
    "/app/analytics/prices/": {"OWNER", "ADMIN"},
}


@pytest.mark.parametrize("role", Role.values)
def test_each_role_opens_only_its_pages(client, tenant, member_with_role, role):
    client.force_login(member_with_role(role))
    for path, allowed in PAGES.items():
        status = client.get(path).status_code
        assert status == (200 if role in allowed else 403), f"{role} {path} → {status}"


@pytest.mark.parametrize(("role", "visible", "hidden"), [
    ("WAREHOUSE", ["Shop"], ["Bots", "Settings", "Knowledge", "Inbox", "Analytics"]),
    ("SUPPORT", ["Knowledge", "Conversations", "Inbox", "Shop", "Analytics"], ["Bots", "Settings"]),
    ("ADMIN", ["Bots", "Knowledge", "Shop", "Analytics", "Settings"], []),
])
def test_navigation_shows_only_what_the_role_may_use(client, tenant, member_with_role, role, visible, hidden):
    client.force_login(member_with_role(role))
    page = client.get("/app/").content.decode()
    nav = page[page.index('<nav class="sidebar"'):page.index("</nav>")]
    for label in visible:
        assert f">{label}" in nav, label
    for label in hidden:
        assert f">{label}" not in nav, label


def test_a_role_without_access_cannot_post_either(client, tenant, member_with_role):
    client.force_login(member_with_role(Role.SUPPORT))
    response = client.post("/app/settings/", {"name": "Hijacked", "currency": "USD", "language": "en"})
    assert response.status_code == 403
    tenant.refresh_from_db()
    assert tenant.name == "Alpha Shop"
