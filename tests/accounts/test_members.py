import re

import pytest
from django.core import mail
from django.db.models import F

from kaiu.accounts.models import Invitation, Membership, Role, User


def invite(client, email="new@alpha.test", role="SUPPORT"):
    client.post("/app/settings/members/", {"email": email, "role": role})
    return re.search(r"(/accounts/invite/[^/\s]+/)", mail.outbox[-1].body).group(1)


def test_owner_invites_and_a_new_person_joins_with_the_role(owner_client, client, tenant, django_user_model):
    link = invite(owner_client)
    assert Invitation.objects.get().token_hash not in link  # only the hash is stored
    owner_client.post("/accounts/logout/")
    response = owner_client.post(link, {"full_name": "New Person", "password": "another-long-secret"})
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="new@alpha.test")
    assert membership.tenant == tenant
    assert membership.role == Role.SUPPORT
    assert owner_client.get("/app/").status_code == 200
    assert owner_client.get(link).status_code == 404  # used once


def test_an_existing_user_accepts_while_signed_in(owner_client, client, tenant, outsider, other_tenant):
    link = invite(owner_client, email="outsider@beta.test", role="WAREHOUSE")
    client.force_login(outsider)
    client.post(link)
    assert Membership.objects.get(user=outsider, tenant=tenant).role == Role.WAREHOUSE


def test_an_invitation_for_someone_else_is_refused(owner_client, client, tenant, outsider, other_tenant):
    link = invite(owner_client, email="someone@else.test")
    client.force_login(outsider)
    client.post(link)
    assert not Membership.objects.filter(user=outsider, tenant=tenant).exists()


def test_admin_cannot_invite_an_owner(client, tenant, member_with_role):
    client.force_login(member_with_role(Role.ADMIN))
    page = client.get("/app/settings/members/").content.decode()
    assert 'value="ADMIN"' in page
    assert 'value="OWNER"' not in page
    response = client.post("/app/settings/members/", {"email": "boss@x.test", "role": "OWNER"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Invitation.objects.exists()


def test_the_service_refuses_an_owner_invitation_from_an_admin(tenant, member_with_role):
    import pytest

    from kaiu.accounts.invitations import invitation_create
    from kaiu.accounts.services import AccountError

    admin = Membership.objects.get(user=member_with_role(Role.ADMIN))
    with pytest.raises(AccountError, match="cannot invite someone as Owner"):
        invitation_create(inviter=admin, email="boss@x.test", role=Role.OWNER)
    assert not Invitation.objects.exists()


def test_warehouse_cannot_invite(client, tenant, member_with_role):
    client.force_login(member_with_role(Role.WAREHOUSE))
    assert client.post("/app/settings/members/", {"email": "a@x.test", "role": "SUPPORT"}).status_code == 403
    assert not Invitation.objects.exists()


def test_remove_member_asks_for_confirmation_then_removes(owner_client, tenant, teammate):
    membership = Membership.objects.get(user=teammate)
    url = f"/app/settings/members/{membership.pk}/remove/"
    assert "Remove teammate@alpha.test?" in owner_client.get(url).content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    owner_client.post(url)
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert User.objects.filter(pk=teammate.pk).exists()  # the account stays


def test_the_last_owner_cannot_leave(owner_client, tenant, owner):
    owner_client.post("/app/leave/")
    assert Membership.objects.filter(user=owner, tenant=tenant, role=Role.OWNER).exists()


def test_a_member_can_leave(client, tenant, teammate):
    client.force_login(teammate)
    client.post("/app/leave/")
    assert not Membership.objects.filter(user=teammate).exists()
    assert client.get("/app/")["Location"] == "/accounts/new-business/"


def test_admin_cannot_remove_an_owner(client, tenant, owner, member_with_role):
    client.force_login(member_with_role(Role.ADMIN))
    owner_membership = Membership.objects.get(user=owner)
    client.post(f"/app/settings/members/{owner_membership.pk}/remove/")
    assert Membership.objects.filter(pk=owner_membership.pk).exists()


def test_revoked_invitation_no_longer_works(owner_client, tenant):
    link = invite(owner_client)
    invitation = Invitation.objects.get()
    owner_client.post(f"/app/settings/invitations/{invitation.pk}/revoke/")
    assert owner_client.get(link).status_code == 404


def test_owner_changes_a_members_role(owner_client, tenant, teammate):
    membership = Membership.objects.get(user=teammate)
    owner_client.post(f"/app/settings/members/{membership.pk}/role/", {"role": "WAREHOUSE"})
    membership.refresh_from_db()
    assert membership.role == Role.WAREHOUSE


def test_the_last_owner_cannot_be_demoted_and_admins_cannot_touch_owners(client, tenant, owner, member_with_role):
    owner_membership = Membership.objects.get(user=owner)
    client.force_login(owner)
    client.post(f"/app/settings/members/{owner_membership.pk}/role/", {"role": "SUPPORT"})
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER
    admin = member_with_role(Role.ADMIN)
    client.force_login(admin)
    client.post(f"/app/settings/members/{owner_membership.pk}/role/", {"role": "SUPPORT"})
    admin_membership = Membership.objects.get(user=admin)
    client.post(f"/app/settings/members/{admin_membership.pk}/role/", {"role": "OWNER"})
    owner_membership.refresh_from_db()
    admin_membership.refresh_from_db()
    assert (owner_membership.role, admin_membership.role) == (Role.OWNER, Role.ADMIN)


def test_a_failed_invitation_email_leaves_nothing_behind(owner_client, tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    response = owner_client.post("/app/settings/members/", {"email": "x@alpha.test", "role": "SUPPORT"})
    assert response.status_code == 200
    assert "could not be sent" in response.content.decode()
    assert not Invitation.objects.exists()


# --- Sending again, and links without e-mail ---------------------------------------------------


def a_minute_passes():
    from datetime import timedelta

    Invitation.objects.update(sent_at=F("sent_at") - timedelta(seconds=61))


def test_inviting_a_pending_address_again_says_so_and_only_the_new_link_works(owner_client, tenant):
    first = invite(owner_client, role="SUPPORT")
    a_minute_passes()
    response = owner_client.post("/app/settings/members/", {"email": "New@alpha.test", "role": "ADMIN"}, follow=True)
    assert ("An invitation to new@alpha.test was already pending: sent again as Admin (it was Support) with a new "
            "link. The earlier link no longer works.") in response.content.decode()
    second = re.search(r"(/accounts/invite/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert Invitation.objects.get().role == Role.ADMIN
    assert owner_client.get(first).status_code == 404
    assert owner_client.get(second).status_code == 200


def test_resend_mails_a_new_link_and_the_old_one_stops_working(owner_client, tenant):
    first = invite(owner_client)
    invitation = Invitation.objects.get()
    a_minute_passes()
    page = owner_client.get("/app/settings/members/").content.decode()
    assert f'action="/app/settings/invitations/{invitation.pk}/resend/"' in page
    response = owner_client.post(f"/app/settings/invitations/{invitation.pk}/resend/", follow=True)
    assert ("Invitation to new@alpha.test sent again with a new link. The earlier link no longer works."
            in response.content.decode())
    assert [message.to for message in mail.outbox] == [["new@alpha.test"]] * 2
    second = re.search(r"(/accounts/invite/[^/\s]+/)", mail.outbox[-1].body).group(1)
    assert second != first
    assert owner_client.get(first).status_code == 404
    assert owner_client.get(second).status_code == 200


def test_resend_waits_a_minute_per_invitation(owner_client, tenant):
    link = invite(owner_client)
    invitation = Invitation.objects.get()
    for path, data in ((f"/app/settings/invitations/{invitation.pk}/resend/", {}),
                       ("/app/settings/members/", {"email": "new@alpha.test", "role": "SUPPORT"})):
        response = owner_client.post(path, data, follow=True)
        assert "was sent moments ago. You can send it again in" in response.content.decode()
    assert len(mail.outbox) == 1
    assert owner_client.get(link).status_code == 200  # the first link still works


def test_a_resend_that_cannot_be_mailed_keeps_the_earlier_link(owner_client, tenant, settings):
    link = invite(owner_client)
    invitation = Invitation.objects.get()
    a_minute_passes()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2  # nothing listens
    response = owner_client.post(f"/app/settings/invitations/{invitation.pk}/resend/", follow=True)
    assert "could not be sent" in response.content.decode()
    assert owner_client.get(link).status_code == 200


def test_an_admin_cannot_resend_an_owner_invitation(client, owner_client, tenant, member_with_role):
    owner_client.post("/app/settings/members/", {"email": "boss@alpha.test", "role": "OWNER"})
    invitation = Invitation.objects.get()
    a_minute_passes()
    client.force_login(member_with_role(Role.ADMIN))
    assert f"/invitations/{invitation.pk}/resend/" not in client.get("/app/settings/members/").content.decode()
    response = client.post(f"/app/settings/invitations/{invitation.pk}/resend/", follow=True)
    assert "cannot invite someone as Owner" in response.content.decode()
    assert len(mail.outbox) == 1


def test_without_email_the_inviter_is_shown_the_link_once(owner_client, client, tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # what an unset EMAIL_URL gives
    response = owner_client.post("/app/settings/members/", {"email": "new@alpha.test", "role": "SUPPORT"})
    session_before = str(dict(owner_client.session.items()))
    page = owner_client.get(response["Location"]).content.decode()
    assert "Invitation for new@alpha.test created." in page
    assert "E-mail is not set up on this server" in page
    link = re.search(r'<code class="secret" id="invitation-link" data-copy>([^<]+)</code>', page).group(1)
    token = re.search(r"/accounts/invite/([^/]+)/$", link).group(1)
    assert token not in session_before  # the session kept the link encrypted
    assert owner_client.get("/app/settings/members/").content.decode().count(link) == 0  # once
    assert client.get(link.removeprefix(settings.SITE_URL)).status_code == 200


def test_without_email_resend_shows_the_new_link(owner_client, tenant, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    owner_client.post("/app/settings/members/", {"email": "new@alpha.test", "role": "SUPPORT"})
    owner_client.get("/app/settings/members/")
    invitation = Invitation.objects.get()
    a_minute_passes()
    page = owner_client.post(f"/app/settings/invitations/{invitation.pk}/resend/", follow=True).content.decode()
    assert "Invitation to new@alpha.test renewed with a new link. The earlier link no longer works." in page
    assert 'id="invitation-link" data-copy>' in page


def test_with_email_the_link_is_never_shown_to_the_inviter(owner_client, tenant):
    link = invite(owner_client)
    assert link not in owner_client.get("/app/settings/members/").content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_parallel_resends_send_one_email(tenant, owner):
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from kaiu.accounts.invitations import invitation_create, invitation_resend
    from kaiu.accounts.services import AccountError

    inviter = Membership.objects.get(user=owner)
    invitation = invitation_create(inviter=inviter, email="new@alpha.test", role=Role.SUPPORT).invitation
    a_minute_passes()

    def resend(_):
        try:
            invitation_resend(sender=inviter, invitation=invitation)
            return "sent"
        except AccountError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(6) as pool:
        outcomes = sorted(pool.map(resend, range(6)))
    assert outcomes == ["refused"] * 5 + ["sent"]
    assert len(mail.outbox) == 2


def test_the_only_owner_is_told_before_leave_that_they_cannot(owner_client, tenant):
    reason = "You are the only owner of Alpha Shop, so you cannot leave it."
    overview = owner_client.get("/app/").content.decode()
    assert 'href="/app/leave/"' not in overview
    assert reason in overview
    members = owner_client.get("/app/settings/members/").content.decode()
    assert 'href="/app/leave/"' not in members
    assert "Only owner: cannot leave" in members
    leave = owner_client.get("/app/leave/").content.decode()
    assert reason in leave
    assert 'method="post"' not in leave.split('<main', 1)[1]  # no Leave button to press


def test_an_owner_beside_another_owner_is_offered_leave(owner_client, tenant, member_with_role):
    member_with_role(Role.OWNER)
    assert 'href="/app/leave/"' in owner_client.get("/app/").content.decode()
    assert 'href="/app/leave/"' in owner_client.get("/app/settings/members/").content.decode()
    assert "button-danger\">Leave</button>" in owner_client.get("/app/leave/").content.decode()


def test_a_member_who_is_not_an_owner_is_offered_leave(client, tenant, teammate):
    client.force_login(teammate)
    assert 'href="/app/leave/"' in client.get("/app/").content.decode()


def test_an_admin_cannot_revoke_an_owner_invitation(client, owner_client, tenant, member_with_role):
    owner_client.post("/app/settings/members/", {"email": "boss@alpha.test", "role": "OWNER"})
    invitation = Invitation.objects.get()
    client.force_login(member_with_role(Role.ADMIN))
    assert f"/invitations/{invitation.pk}/revoke/" not in client.get("/app/settings/members/").content.decode()
    response = client.post(f"/app/settings/invitations/{invitation.pk}/revoke/", follow=True)
    assert "cannot invite someone as Owner" in response.content.decode()
    assert Invitation.objects.filter(pk=invitation.pk).exists()
