"""Writes for accounts and tenancy: sign-up, members, invitations, settings, API keys."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from kaiu.accounts.models import (
    ApiKey,
    Invitation,
    LLMProvider,
    Membership,
    Plan,
    Role,
    Tenant,
    TenantSettings,
    User,
)
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
    """Create a business with `owner` as its OWNER and empty provider settings."""
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
def user_signup(*, email: str, password: str, full_name: str = "", business_name: str) -> User:
    """A new person and their new business, owned by them."""
    user = user_create(email=email, password=password, full_name=full_name)
    tenant_create(owner=user, name=business_name)
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


# --- Members and invitations --------------------------------------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def roles_inviter_may_grant(inviter: Membership) -> set[str]:
    if inviter.role == Role.OWNER:
        return set(Role.values)
    if inviter.role == Role.ADMIN:
        return {Role.ADMIN, Role.WAREHOUSE, Role.SUPPORT}
    return set()


def invitation_create(*, inviter: Membership, email: str, role: str) -> tuple[Invitation, str]:
    """Invite `email` to the inviter's tenant and mail the link. Returns the raw token."""
    email = email.strip().lower()
    if role not in roles_inviter_may_grant(inviter):
        raise AccountError(f"Your role cannot invite someone as {Role(role).label}.")
    tenant = inviter.tenant
    if tenant.memberships.filter(user__email__iexact=email).exists():
        raise AccountError(f"{email} is already a member of {tenant.name}.")
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        # A new invitation replaces any pending one for the same address.
        tenant.invitations.filter(email__iexact=email, accepted_at__isnull=True).delete()
        invitation = Invitation.objects.create(
            tenant=tenant,
            email=email,
            role=role,
            token_hash=_hash_token(token),
            invited_by=inviter.user,
            expires_at=timezone.now() + timedelta(days=settings.INVITATION_TTL_DAYS),
        )
    link = settings.SITE_URL + reverse("accounts:invitation-accept", args=[token])
    try:
        _send_invitation(invitation, inviter, link)
    except Exception as exc:  # SMTP down or misconfigured: nothing half-done is left behind
        invitation.delete()
        raise AccountError("The invitation e-mail could not be sent. Check the e-mail settings and try again.") \
            from exc
    return invitation, token


def _send_invitation(invitation: Invitation, inviter: Membership, link: str) -> None:
    tenant = invitation.tenant
    send_mail(
        subject=f"You are invited to {tenant.name} on KAIU",
        message=(
            f"{inviter.user.get_full_name()} invited you to join {tenant.name} on KAIU "
            f"as {invitation.get_role_display()}.\n\nAccept the invitation: {link}\n\n"
            f"The link expires in {settings.INVITATION_TTL_DAYS} days."
        ),
        from_email=None,
        recipient_list=[invitation.email],
    )


def invitation_for_token(token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("tenant").filter(token_hash=_hash_token(token)).first()
    return invitation if invitation and invitation.is_pending else None


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_pending:
        raise AccountError("This invitation has expired or was already used.")
    if user.email.lower() != invitation.email.lower():
        raise AccountError(
            f"This invitation is for {invitation.email}. Log in with that address to accept it."
        )
    membership, _ = Membership.objects.get_or_create(
        user=user, tenant=invitation.tenant, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    return membership


@transaction.atomic
def user_signup_by_invitation(*, invitation: Invitation, password: str, full_name: str) -> Membership:
    """A new person joining through an invitation: the account and the membership together."""
    user = user_create(email=invitation.email, password=password, full_name=full_name)
    return invitation_accept(invitation=invitation, user=user)


def invitation_revoke(*, tenant: Tenant, invitation_id) -> None:
    tenant.invitations.filter(pk=invitation_id, accepted_at__isnull=True).delete()


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


def tenant_update(*, tenant: Tenant, name: str, currency: str, language: str) -> Tenant:
    tenant.name, tenant.currency, tenant.language = name.strip(), currency, language
    tenant.full_clean()
    tenant.save()
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
    try:
        tenant_settings.full_clean()
    except ValidationError as error:
        raise AccountError(" ".join(error.messages)) from error
    tenant_settings.save()
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
        tenant=tenant, name=name[:80], prefix=prefix, key_hash=_hash_token(secret), created_by=created_by
    )
    return IssuedApiKey(api_key=api_key, secret=secret)


def api_key_revoke(*, tenant: Tenant, key_id) -> None:
    tenant.api_keys.filter(pk=key_id, revoked_at__isnull=True).update(revoked_at=timezone.now())


def api_key_authenticate(secret: str) -> ApiKey | None:
    """The active key matching `secret`, or None. Records when it was last used."""
    if not secret.startswith(API_KEY_PREFIX):
        return None
    api_key = (
        ApiKey.objects.select_related("tenant", "tenant__plan")
        .filter(key_hash=_hash_token(secret), revoked_at__isnull=True)
        .first()
    )
    now = timezone.now()
    # To the minute: a write on every API call would cost each answer one more statement.
    if api_key and (api_key.last_used_at is None or now - api_key.last_used_at >= API_KEY_LAST_USED_PRECISION):
        ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=now)
        api_key.last_used_at = now
    return api_key
