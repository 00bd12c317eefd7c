"""Walk every URL pattern the project has, so new pages are covered the day they are added.

- Anonymous visitors get the login page (or 401) everywhere but an explicit allowlist.
- A signed-in member of tenant A asking for any of tenant B's objects gets 404.
"""

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from commerce.models import StockMovement
from kaiu.accounts.invitations import invitation_create
from kaiu.accounts.models import Membership
from kaiu.accounts.services import api_key_create

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
    # The bot's public chat: anyone may talk to it (tests/chat/test_web.py covers its guards).
    "chat:public-page",
    "chat:widget-frame",
    "chat:widget-script",
    "chat:public-messages",
    "chat:public-history",
    "chat:public-feedback",
    # Product images are public by design (the chat's product cards show them to visitors);
    # the URL holds the image's random stored name (tests/commerce/test_views.py).
    "commerce:product-image",
    "chat:public-product-image",  # a product's image in the chat's cards (tests/chat/test_shop_cards.py)
    # Meta calls it: the verify token guards GET, the app secret's signature POST
    # (tests/chat/whatsapp/test_webhook.py).
    "chat:whatsapp-webhook",
}

# URL names that authenticate with an API key instead of a session (401 without one);
# tests/chat/test_api.py proves another tenant's objects are 404 there.
API_URL_NAMES = {
    "chat:api-chat-completions",
    "chat:api-conversation-list",
    "chat:api-conversation-detail",
    "chat:api-feedback",
    "chat:api-model-list",
    "chat:api-model-detail",
    "chat:api-analytics",  # tests/chat/test_analytics_views.py: another tenant's bot is 404
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
@pytest.mark.parametrize(("route", "name"), [(r, n) for r, n, _ in project_urls()])
def test_anonymous_visitors_must_log_in(client, route, name):
    if name in PUBLIC_URL_NAMES:
        return
    dummy = {"public_id": "abcdefghij", "member_id": uuid.uuid4(), "invitation_id": uuid.uuid4(),
             "key_id": uuid.uuid4(), "token": "x", "uidb64": "x", "document_id": uuid.uuid4(), "chunk_id": 1,
             "conversation_id": uuid.uuid4(), "prompt_id": uuid.uuid4(), "message_id": uuid.uuid4(),
             "answer_id": uuid.uuid4(), "model": "abcdefghij", "product_id": uuid.uuid4(),
             "customer_id": uuid.uuid4(), "order_id": uuid.uuid4(), "filename": "x.png"}
    path = fill(route, dummy)
    for method in (client.get, client.post):
        response = method(path)
        expected = (401,) if name in API_URL_NAMES else (302, 401)
        assert response.status_code in expected, f"{name} {path} answered {response.status_code}"
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/"), f"{name} redirects elsewhere"


# For each URL keyword, how to make an object of a tenant and the value that names it.
# A new URL keyword fails the walkers below until it is added here.
def objects_of(tenant, bot, owner, add_text):
    second = Membership.objects.create(
        user=type(owner).objects.create_user(email=f"second@{tenant.slug}.test", password="x" * 12),
        tenant=tenant, role="SUPPORT")
    invitation = invitation_create(
        inviter=tenant.memberships.get(user=owner), email=f"new@{tenant.slug}.test", role="SUPPORT").invitation
    key = api_key_create(tenant=tenant, name="A key", created_by=owner).api_key
    document = add_text(bot, "Horario", "Atendemos de lunes a viernes de 8 a 18 horas.")
    from bots.services import prompt_create
    from chat.curated import curated_answer_create
    from chat.models import Message
    from chat.services import conversation_start

    prompt = prompt_create(bot=bot, content="Un borrador.", user=owner)
    conversation = conversation_start(bot=bot, channel="PAGE", visitor_id="v")
    answer = Message.objects.create(conversation=conversation, role="assistant", content="Hola")
    curated = curated_answer_create(bot=bot, question="¿Horario?", answer="De 8 a 18.")
    product, customer, order = shop_of(tenant)
    return {
        "public_id": bot.public_id,
        "member_id": second.pk,
        "invitation_id": invitation.pk,
        "key_id": key.pk,
        "document_id": document.pk,
        "chunk_id": document.chunks.first().pk,
        "prompt_id": prompt.pk,
        "conversation_id": conversation.pk,
        "message_id": answer.pk,
        "answer_id": curated.pk,
        "product_id": product.pk,
        "customer_id": customer.pk,
        "order_id": order.pk,
        "filename": "none.png",
    }


def shop_of(tenant):
    """A product, a customer and a PENDING order of 2 of its 5 units."""
    from commerce import services

    services.shipping_rate_save(tenant=tenant, cost=1000, days_min=1, days_max=3, cash_on_delivery=True)
    product = services.product_create(tenant=tenant, sku="OIL-1", name="Aceite", price=4590, stock=5)
    customer = services.customer_upsert(tenant=tenant, name="Ana", phone="+573001234567")
    address = services.address_add(customer=customer, line1="Calle 1", city="Bogotá")
    order = services.order_place(tenant=tenant, lines=[services.OrderLine(product.pk, 2)], customer=customer,
                                 address=address, payment_method="COD")
    return product, customer, order


def dashboard_urls(values):
    """(name, path, view, takes_ids) for every dashboard URL, keywords filled from `values`."""
    resolver = get_resolver()
    for route, name, converters in project_urls():
        if name in PUBLIC_URL_NAMES or name in API_URL_NAMES:
            continue
        try:
            path = fill(route, values)
        except KeyError as missing:
            pytest.fail(f"{name}: add an object for the URL keyword {missing} to objects_of()")
        yield name, path, resolver.resolve(path).func, bool(converters)


@pytest.mark.django_db
def test_another_tenants_objects_are_404_on_every_dashboard_url(
    owner_client, bot, other_tenant, other_bot, outsider, add_text
):
    values = objects_of(other_tenant, other_bot, outsider, add_text)
    checked = 0
    for name, path, _view, takes_ids in dashboard_urls(values):
        if not takes_ids:
            continue
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
    document = other_tenant.documents.get()
    assert document.status == "PROCESSED"
    assert document.chunks.filter(is_enabled=True).count() == 1
    assert other_bot.active_prompt_id is None  # the draft was not activated
    from chat.models import CuratedAnswer

    assert CuratedAnswer.objects.filter(bot=other_bot).count() == 1
    product = other_tenant.products.get()
    assert (product.stock, product.stock_reserved, product.is_active) == (5, 2, True)
    assert other_tenant.orders.get().status == "PENDING"
    assert StockMovement.objects.filter(product=product).count() == 2  # the opening stock and the reservation


ROLES = ["OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"]


@pytest.mark.django_db
def test_every_dashboard_view_declares_its_capability(tenant, bot, owner, add_text):
    for name, _path, view, _ in dashboard_urls(objects_of(tenant, bot, owner, add_text)):
        assert getattr(view, "tenant_capability", None) or name in SIGNED_IN_WITHOUT_TENANT, \
            f"{name} is not wrapped in tenant_view(capability)"


# Views for a signed-in person that work before any tenant exists (or switch between them).
SIGNED_IN_WITHOUT_TENANT = {"accounts:tenant-create", "accounts:tenant-switch"}


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_403_on_every_view_outside_its_capabilities(client, tenant, bot, owner, add_text,
                                                                     member_with_role, role):
    from kaiu.tenancy import CAPABILITIES

    values = objects_of(tenant, bot, owner, add_text)
    client.force_login(owner if role == "OWNER" else member_with_role(role))
    denied = 0
    for name, path, view, _ in dashboard_urls(values):
        capability = getattr(view, "tenant_capability", None)
        if capability is None or role in CAPABILITIES[capability]:
            continue
        for method in (client.get, client.post):
            status = method(path).status_code
            assert status == 403, f"{role} {method.__name__.upper()} {name} answered {status}"
        denied += 1
    assert denied > 0 or role in ("OWNER", "ADMIN")  # these two may use every dashboard view
    bot.refresh_from_db()
    assert bot.name == "Helper"


@pytest.mark.django_db
def test_the_llm_key_never_appears_on_any_dashboard_page(owner_client, tenant, bot, owner, add_text):
    from kaiu.accounts.services import llm_settings_update

    values = objects_of(tenant, bot, owner, add_text)
    secret = "sk-live-NEVER-SHOW-THIS-4242424242"
    llm_settings_update(tenant=tenant, provider="OPENAI", base_url="", chat_model="", embedding_model="",
                        api_key=secret)
    pages = 0
    for name, path, _view, _ in dashboard_urls(values):
        response = owner_client.get(path)
        if response.status_code == 200:
            body = (b"".join(response.streaming_content) if response.streaming else response.content).decode()
            assert secret not in body, name
            assert secret[3:-4] not in body, name
            pages += 1
    assert pages >= 10


@pytest.mark.django_db
def test_whatsapp_secrets_never_appear_on_any_dashboard_page(owner_client, tenant, bot, owner, add_text):
    from chat.whatsapp.services import whatsapp_account_save

    values = objects_of(tenant, bot, owner, add_text)
    token, secret = "EAAG-NEVER-SHOW-THIS-TOKEN-4242424242", "app-secret-NEVER-SHOW-4242424242"
    whatsapp_account_save(bot=bot, phone_number_id="1065403522", access_token=token, app_secret=secret)
    pages = 0
    for name, path, _view, _ in dashboard_urls(values):
        response = owner_client.get(path)
        if response.status_code == 200:
            body = b"".join(response.streaming_content) if response.streaming else response.content
            for value in (token, secret):
                assert value[3:-4] not in body.decode(), name
            pages += 1
    assert pages >= 10
