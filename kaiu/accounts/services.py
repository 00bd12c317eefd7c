"""Writes for accounts and tenancy: sign-up, members, settings, API keys (invitations live in
kaiu.accounts.invitations)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from kaiu.accounts.models import (
    ApiKey,
    LLMProvider,
    Membership,
    Plan,
    Role,
    Tenant,
    TenantSettings,
    User,
)
from kaiu.ai.breaker import breakers_forget
from kaiu.ai.netguard import UnsafeURL, check_provider_url


class AccountError(Exception):
    """A refusal a person can act on; the message is shown as is."""


# --- Tenants and sign-up ------------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "business"
    slug, n = base, 1
    while Tenant.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def default_plan() -> Plan:
    plan = Plan.objects.filter(is_default=True).first() or Plan.objects.order_by("price").first()
    if plan is None:
        raise AccountError("No plan is configured. Run `manage.py migrate` first.")
    return plan


def tenant_create(*, owner: User, name: str, plan: Plan | None = None, **fields) -> Tenant:
    """Create a business with `owner` as its OWNER and empty provider settings. `fields` are
    more of the tenant's (language, currency, time_zone); the model's defaults fill the rest."""
    plan = plan or default_plan()
    for attempt in range(3):
        slug = _unique_slug(name) if attempt == 0 else f"{_unique_slug(name)[:50]}-{secrets.token_hex(3)}"
        try:
            with transaction.atomic():
                tenant = Tenant(name=name.strip(), slug=slug, plan=plan, **fields)
                tenant.full_clean(validate_unique=False)
                tenant.save()
                Membership.objects.create(user=owner, tenant=tenant, role=Role.OWNER)
                TenantSettings.objects.create(tenant=tenant)
                return tenant
        except IntegrityError:  # another sign-up took the same slug a moment ago
            continue
    raise AccountError("Could not create the business right now. Please try again.")


@transaction.atomic
def user_signup(*, email: str, password: str, full_name: str = "", business_name: str, **business) -> User:
    """A new person and their new business, owned by them. `business`: the tenant's
    language, currency and time_zone."""
    user = user_create(email=email, password=password, full_name=full_name)
    tenant_create(owner=user, name=business_name, **business)
    return user


def user_create(*, email: str, password: str, full_name: str = "") -> User:
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise AccountError("An account with this e-mail already exists. Log in instead.")
    try:
        with transaction.atomic():
            return User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    except IntegrityError as exc:  # a concurrent sign-up with the same address
        raise AccountError("An account with this e-mail already exists. Log in instead.") from exc


# --- Members (invitations are in kaiu/accounts/invitations.py) ----------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def membership_leave_refusal(membership: Membership) -> str | None:
    """Why this member cannot leave (the business's only owner), or None: the pages say it
    before offering Leave, and membership_remove still checks under the lock."""
    if membership.role != Role.OWNER:
        return None
    if Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.OWNER).count() > 1:
        return None
    return (f"You are the only owner of {membership.tenant.name}, so you cannot leave it. Make someone else "
            "owner first (Settings → Members).")


@transaction.atomic
def membership_remove(*, actor: Membership, membership: Membership) -> None:
    """Remove a member (or leave, when actor is membership). A tenant keeps one owner."""
    leaving = actor.pk == membership.pk
    if not leaving:
        if actor.role not in (Role.OWNER, Role.ADMIN):
            raise AccountError("Only owners and admins can remove members.")
        if membership.role == Role.OWNER and actor.role != Role.OWNER:
            raise AccountError("Only an owner can remove another owner.")
    if membership.role == Role.OWNER:
        # Lock the tenant row: two owners leaving at once must not both see "another owner left".
        Tenant.objects.select_for_update().get(pk=membership.tenant_id)
        if Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.OWNER).count() <= 1:
            raise AccountError("A business needs at least one owner. Make someone else owner first.")
    membership.delete()


@transaction.atomic
def membership_change_role(*, actor: Membership, membership: Membership, role: str) -> Membership:
    """Give a member another role. Owners decide about owners; a tenant keeps one owner."""
    if role not in Role.values:
        raise AccountError("Unknown role.")
    if actor.role not in (Role.OWNER, Role.ADMIN):
        raise AccountError("Only owners and admins can change roles.")
    if Role.OWNER in (role, membership.role) and actor.role != Role.OWNER:
        raise AccountError("Only an owner can make someone owner, or change an owner's role.")
    if membership.role == Role.OWNER and role != Role.OWNER:
        Tenant.objects.select_for_update().get(pk=membership.tenant_id)
        if Membership.objects.filter(tenant_id=membership.tenant_id, role=Role.OWNER).count() <= 1:
            raise AccountError("A business needs at least one owner. Make someone else owner first.")
    membership.role = role
    membership.save(update_fields=["role"])
    return membership


# --- Tenant settings and the tenant's own LLM key -----------------------------------------


def tenant_update(*, tenant: Tenant, name: str, currency: str, language: str, time_zone: str) -> Tenant:
    tenant.name, tenant.currency, tenant.language, tenant.time_zone = name.strip(), currency, language, time_zone
    tenant.full_clean()
    tenant.save()
    return tenant


def tenant_business_hours_update(*, tenant: Tenant, hours: dict) -> Tenant:
    """When people answer the chat ({"0": [["09:00", "18:00"]], ...}; kaiu.accounts.hours)."""
    tenant.business_hours = hours
    tenant.save(update_fields=["business_hours", "updated_at"])
    return tenant


def llm_settings_update(
    *, tenant: Tenant, provider: str, base_url: str, chat_model: str, embedding_model: str, api_key: str = ""
) -> TenantSettings:
    """Save the tenant's provider. A blank `api_key` keeps the stored one."""
    if provider == LLMProvider.OPENAI_COMPATIBLE:
        if not base_url:
            raise AccountError("An OpenAI-compatible server needs its base URL.")
        try:
            check_provider_url(base_url)
        except UnsafeURL as exc:
            raise AccountError(str(exc)) from exc
    tenant_settings, _ = TenantSettings.objects.get_or_create(tenant=tenant)
    base_url = base_url if provider == LLMProvider.OPENAI_COMPATIBLE else ""
    api_key = api_key.strip() or stored_key_for(tenant_settings, provider=provider, base_url=base_url)
    if provider == LLMProvider.OPENAI and not api_key:
        raise AccountError("OpenAI needs an API key.")
    tenant_settings.llm_provider = provider
    tenant_settings.base_url = base_url
    tenant_settings.chat_model = chat_model.strip()
    tenant_settings.embedding_model = embedding_model.strip()
    tenant_settings.api_key = api_key
    tenant_settings.last_error, tenant_settings.last_error_at = "", None  # of the settings before
    try:
        tenant_settings.full_clean()
    except ValidationError as error:
        raise AccountError(" ".join(error.messages)) from error
    tenant_settings.save()
    breakers_forget(tenant.pk)
    return tenant_settings


def stored_key_for(tenant_settings: TenantSettings, *, provider: str, base_url: str) -> str:
    """The stored key, if it may go where the new settings point. A key is only ever sent to
    the provider it was entered for: anyone who changes the destination types it again, or
    a person allowed into Settings could read the key by pointing it at their own server."""
    if tenant_settings.llm_provider == provider and tenant_settings.base_url == base_url:
        return tenant_settings.api_key
    return ""


def llm_key_delete(*, tenant: Tenant) -> None:
    """Forget the tenant's key; the tenant falls back to the built-in provider."""
    tenant_settings = TenantSettings.objects.filter(tenant=tenant).first()
    if tenant_settings is None:
        return
    tenant_settings.api_key, tenant_settings.llm_provider = "", LLMProvider.BUILTIN
    # Saved, not updated: the save signal makes public channels drop the key at once (kaiu.local_cache).
    tenant_settings.save(update_fields=["api_key", "llm_provider", "updated_at"])


# --- API keys -----------------------------------------------------------------------------

API_KEY_PREFIX = "kaiu_"
API_KEY_LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    secret: str  # the whole key, shown once


def api_key_create(*, tenant: Tenant, name: str, created_by: User) -> IssuedApiKey:
    name = name.strip()
    if not name:
        raise AccountError("Give the key a name, for example the app that will use it.")
    prefix = secrets.token_hex(4)
    secret = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        tenant=tenant, name=name[:80], prefix=prefix, key_hash=hash_token(secret), created_by=created_by
    )
    return IssuedApiKey(api_key=api_key, secret=secret)


def api_key_revoke(*, tenant: Tenant, key_id) -> None:
    tenant.api_keys.filter(pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_revoked(secret: str) -> bool:
    """Whether `secret` is a key that was revoked, so the API can say so rather than "invalid"."""
    return ApiKey.objects.filter(key_hash=hash_token(secret), revoked_at__isnull=False).exists()


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key matching `secret`, or None. Records when it was last used."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    api_key = (
        ApiKey.objects.select_related("tenant", "tenant__plan")
        .filter(key_hash=hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    # To the minute: a write on every API call would cost each answer one more statement.
    if api_key and (api_key.last_used_at is None or now - api_key.last_used_at >= API_KEY_LAST_USED_PRECISION):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
