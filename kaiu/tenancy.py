"""Which tenant a request acts for, and what the member's role lets them do.

TenantMiddleware sets `request.tenant` and `request.membership` from the session (the
tenant switcher writes it) or the user's first membership, and activates the tenant's time
zone. Every dashboard view is wrapped in `tenant_view(capability)`, the one place that
turns roles into access.
"""

import uuid
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

SESSION_KEY = "tenant_id"

# Capability → roles that have it. Views ask for a capability, never for a role, so a
# role's reach is read here at a glance.
CAPABILITIES = {
    "overview": {"OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"},
    "bots": {"OWNER", "ADMIN"},
    "knowledge": {"OWNER", "ADMIN", "SUPPORT"},
    "conversations": {"OWNER", "ADMIN", "SUPPORT"},
    "inbox": {"OWNER", "ADMIN", "SUPPORT"},
    "shop": {"OWNER", "ADMIN", "WAREHOUSE"},  # run the shop: products, stock, customers, orders
    "shop_read": {"OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"},  # see products and orders (support answers customers)
    # Support fixes what the bot cannot answer, so it sees the figures, the knowledge gaps and
    # the exports; what the bot costs and the price table stay with those who pay.
    "analytics": {"OWNER", "ADMIN", "SUPPORT"},
    "costs": {"OWNER", "ADMIN"},
    "settings": {"OWNER", "ADMIN"},
    "members": {"OWNER", "ADMIN"},
}

# Navigation in order: (capability, label, URL name, URL namespaces where it is the current
# section). Sections that later issues add have no URL yet and show as "soon".
NAVIGATION = [
    ("overview", "Overview", "accounts:overview", ()),
    ("bots", "Bots", "bots:bot-list", ("bots",)),
    ("knowledge", "Knowledge", "documents:knowledge", ("documents",)),
    ("conversations", "Conversations", "chat:conversation-list", ()),
    ("inbox", "Inbox", "chat:inbox", ()),
    ("shop_read", "Shop", "commerce:shop", ("commerce",)),
    ("analytics", "Analytics", "chat:analytics", ()),
    ("settings", "Settings", "accounts:settings", ()),
]


def can(membership, capability: str) -> bool:
    # `membership` may be a lazy proxy around None: test its truth, not its identity.
    return bool(membership) and membership.role in CAPABILITIES[capability]


def _membership_for(request):
    if not request.user.is_authenticated:
        return None
    memberships = request.user.memberships.select_related("tenant", "tenant__plan")
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        membership = memberships.filter(tenant_id=chosen).first()
        if membership:
            return membership
    return memberships.order_by("created_at").first()


class TenantMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = SimpleLazyObject(lambda: _membership_for(request))
        request.membership = membership
        request.tenant = SimpleLazyObject(lambda: membership.tenant if membership else None)
        # A member sees every time in the business's zone; anyone else in the server's (None).
        # Visitors and API clients are anonymous, so this costs them no query.
        zone = request.tenant.time_zone if request.user.is_authenticated and request.tenant else None
        with timezone.override(zone):
            return self.get_response(request)


def tenant_view(capability: str):
    """Guard a dashboard view: signed in, a member of a tenant, with `capability`.

    Anonymous users go to the login page; a user without a tenant goes to sign-up's
    "create a business" step; a role without the capability gets 403.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request.membership
            if not membership:
                return redirect("accounts:tenant-create")
            if not can(membership, capability):
                raise PermissionDenied("Your role does not give access to this page.")
            return view(request, *args, **kwargs)

        wrapper.tenant_capability = capability
        return wrapper

    return decorator


def switch_tenant(request, tenant_id) -> bool:
    """Make `tenant_id` the active tenant if the user belongs to it."""
    try:
        tenant_id = uuid.UUID(str(tenant_id))
    except ValueError:
        return False
    if not request.user.memberships.filter(tenant_id=tenant_id).exists():
        return False
    request.session[SESSION_KEY] = str(tenant_id)
    return True


def _safe_reverse(name):
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def dashboard_context(request):
    """Navigation and tenant switcher for the dashboard layout."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = request.membership
    if not membership:
        return {"all_memberships": []}
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    navigation = []
    for capability, label, url_name, namespaces in NAVIGATION:
        if not can(membership, capability):
            continue
        url = _safe_reverse(url_name)
        if url is None:
            active = False
        elif capability == "overview":
            active = request.path == url
        else:
            # A section owning URL namespaces is current in them only (a bot's knowledge page
            # lives under /app/bots/ but belongs to Knowledge); the others match by path.
            active = namespace in namespaces if namespaces else request.path.startswith(url)
        navigation.append({"label": label, "url": url, "active": active, "key": capability})
    return {
        "navigation": navigation,
        "all_memberships": user.memberships.select_related("tenant").order_by("tenant__name"),
        "can": {capability: can(membership, capability) for capability in CAPABILITIES},
    }
