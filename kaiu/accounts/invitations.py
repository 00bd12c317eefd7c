"""Invitations: offer someone a role in a business by a link, send it again, accept, revoke.

Only the SHA-256 of a link's token is stored, so a link can never be shown or mailed twice:
sending again issues a new link and the earlier one stops working.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from kaiu.accounts.models import Invitation, Membership, Role, Tenant, User
from kaiu.accounts.services import AccountError, hash_token, user_create

RESEND_INTERVAL = timedelta(minutes=1)  # per invitation: a double click or a script cannot mail-bomb anyone

# Backends that deliver nothing: the console one is what an unset EMAIL_URL gives.
_UNDELIVERED_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@dataclass(frozen=True)
class SentInvitation:
    invitation: Invitation
    link: str  # the one link that works now
    replaced_role: str | None = None  # the role of a pending invitation to the same address it took over


def email_delivers() -> bool:
    """Whether an invitation e-mail reaches anyone; when not, the inviter is shown the link."""
    return settings.EMAIL_BACKEND not in _UNDELIVERED_BACKENDS


def roles_inviter_may_grant(inviter: Membership) -> set[str]:
    if inviter.role == Role.OWNER:
        return set(Role.values)
    if inviter.role == Role.ADMIN:
        return {Role.ADMIN, Role.WAREHOUSE, Role.SUPPORT}
    return set()


def _check_may_grant(inviter: Membership, role: str) -> None:
    if role not in roles_inviter_may_grant(inviter):
        raise AccountError(f"Your role cannot invite someone as {Role(role).label}.")


def invitation_create(*, inviter: Membership, email: str, role: str) -> SentInvitation:
    """Invite `email` to the inviter's tenant and mail the link. Inviting an address that has a
    pending invitation sends that one again, with the new role, and says so."""
    email = email.strip().lower()
    _check_may_grant(inviter, role)
    tenant = inviter.tenant
    if tenant.memberships.filter(user__email__iexact=email).exists():
        raise AccountError(f"{email} is already a member of {tenant.name}.")
    with transaction.atomic():
        # One invitation per address: two people inviting the same address at once take turns.
        Tenant.objects.select_for_update(no_key=True).get(pk=tenant.pk)  # not blocking the tenant's chats
        unaccepted = tenant.invitations.filter(email__iexact=email, accepted_at__isnull=True)
        unaccepted.filter(expires_at__lte=timezone.now()).delete()
        invitation = unaccepted.first()
        replaced_role = invitation.role if invitation else None
        invitation = invitation or Invitation(tenant=tenant, email=email)
        invitation.role = role
        link = _issue_and_send(invitation, sender=inviter)
    return SentInvitation(invitation, link, replaced_role)


def invitation_resend(*, sender: Membership, invitation: Invitation) -> SentInvitation:
    """Mail a pending (or expired) invitation again with a new link, valid for the full time."""
    _check_may_grant(sender, invitation.role)
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise AccountError(f"{invitation.email} has already accepted this invitation.")
        link = _issue_and_send(invitation, sender=sender)
    return SentInvitation(invitation, link)


def _issue_and_send(invitation: Invitation, *, sender: Membership) -> str:
    """A new token for `invitation`, saved and mailed; call inside a transaction. The mail goes
    out before the commit: if it fails, the rollback keeps the earlier link working."""
    now = timezone.now()
    if not invitation._state.adding and now - invitation.sent_at < RESEND_INTERVAL:
        wait = int((invitation.sent_at + RESEND_INTERVAL - now).total_seconds()) + 1
        raise AccountError(f"An invitation to {invitation.email} was sent moments ago. "
                           f"You can send it again in {wait} seconds.")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(token)
    invitation.invited_by = sender.user
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_TTL_DAYS)
    invitation.save()
    link = settings.SITE_URL + reverse("accounts:invitation-accept", args=[token])
    try:
        _send_invitation(invitation, sender, link)
    except Exception as exc:  # SMTP down or misconfigured
        raise AccountError("The invitation e-mail could not be sent. Check the e-mail settings and try again.") \
            from exc
    return link


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
    invitation = Invitation.objects.select_related("tenant").filter(token_hash=hash_token(token)).first()
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


def invitation_revoke(*, actor: Membership, invitation: Invitation) -> None:
    """Only someone who may invite with the invitation's role may take it back."""
    _check_may_grant(actor, invitation.role)
    Invitation.objects.filter(pk=invitation.pk, tenant_id=actor.tenant_id, accepted_at__isnull=True).delete()
