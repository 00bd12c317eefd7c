import math
import re
import time

from django.core import mail

from kaiu.accounts.models import Membership, Role, Tenant, TenantSettings, User

# What the sign-up and new-business forms ask about the business besides its name.
BUSINESS = {"language": "en", "currency": "USD", "time_zone": "UTC"}


def test_signup_creates_user_and_tenant_as_owner(client, db):
    response = client.post("/accounts/signup/", {
        "full_name": "Ana Pérez", "email": "Ana@Example.com", "password": "a-long-unusual-pass",
        "business_name": "Tienda Ana", **BUSINESS,
    })
    assert response.status_code == 302
    assert response["Location"] == "/app/"
    user = User.objects.get(email="ana@example.com")
    membership = Membership.objects.get(user=user)
    assert membership.role == Role.OWNER
    assert membership.tenant.name == "Tienda Ana"
    assert membership.tenant.plan.code == "free"
    assert TenantSettings.objects.filter(tenant=membership.tenant).exists()
    assert client.get("/app/").status_code == 200  # signed in


def test_signup_refuses_an_existing_email_and_changes_nothing(client, owner):
    tenants = Tenant.objects.count()
    response = client.post("/accounts/signup/", {
        "full_name": "X", "email": "OWNER@alpha.test", "password": "a-long-unusual-pass", "business_name": "Dup",
        **BUSINESS,
    })
    assert response.status_code == 200
    assert "already exists" in response.content.decode()
    assert Tenant.objects.count() == tenants


def test_signup_rejects_a_weak_password(client, db):
    response = client.post("/accounts/signup/", {
        "full_name": "X", "email": "x@example.com", "password": "12345678", "business_name": "Weak",
        **BUSINESS,
    })
    assert response.status_code == 200
    assert not User.objects.filter(email="x@example.com").exists()


def test_login_with_email_then_logout(client, owner, tenant):
    response = client.post("/accounts/login/", {"username": "Owner@Alpha.test",
                                                "password": "correct horse battery staple"})
    assert response.status_code == 302
    assert client.get("/app/").status_code == 200
    client.post("/accounts/logout/")
    assert client.get("/app/").status_code == 302


def test_login_with_a_wrong_password_fails(client, owner, tenant):
    response = client.post("/accounts/login/", {"username": "owner@alpha.test", "password": "nope"})
    assert response.status_code == 200
    assert client.get("/app/").status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(client, owner, tenant):
    client.post("/accounts/password-reset/", {"email": "owner@alpha.test"})
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link, follow=True).redirect_chain[-1][0]
    response = client.post(form_url, {"new_password1": "brand-new-secret-9", "new_password2": "brand-new-secret-9"})
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.check_password("brand-new-secret-9")


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(client, db):
    response = client.post("/accounts/password-reset/", {"email": "ghost@example.com"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_user_without_tenant_is_asked_to_create_one(client, db):
    lonely = User.objects.create_user(email="lonely@example.com", password="x" * 12)
    client.force_login(lonely)
    response = client.get("/app/")
    assert response["Location"] == "/accounts/new-business/"
    client.post("/accounts/new-business/", {"name": "Lonely Ltd", **BUSINESS})
    assert Membership.objects.get(user=lonely).role == Role.OWNER


def test_tenant_switcher_changes_the_active_tenant(client, owner, tenant, outsider, other_tenant):
    Membership.objects.create(user=owner, tenant=other_tenant, role=Role.SUPPORT)
    client.force_login(owner)
    assert "Alpha Shop" in client.get("/app/").content.decode()
    client.post("/app/switch/", {"tenant": other_tenant.pk})
    page = client.get("/app/").content.decode()
    assert "<h1>Beta Store</h1>" in page


def test_tenant_switcher_refuses_a_tenant_the_user_is_not_in(client, owner, tenant, other_tenant):
    client.force_login(owner)
    client.post("/app/switch/", {"tenant": other_tenant.pk})
    assert "<h1>Alpha Shop</h1>" in client.get("/app/").content.decode()


def test_a_malformed_tenant_switch_is_refused_politely(client, owner, tenant):
    client.force_login(owner)
    for value in ("not-a-uuid", "", "1; DROP TABLE"):
        response = client.post("/app/switch/", {"tenant": value})
        assert response.status_code == 302
    assert "<h1>Alpha Shop</h1>" in client.get("/app/").content.decode()


# --- Guessing and flooding ------------------------------------------------------------------


def test_password_guessing_is_refused_past_the_limit_without_checking_the_password(client, owner, tenant, settings,
                                                                                    rate_window):
    settings.RATE_LIMIT_SIGN_IN_PER_MINUTE = 3
    for _ in range(3):
        assert client.post("/accounts/login/", {"username": "owner@alpha.test", "password": "guess"}).status_code == 200
    refused = client.post(
        "/accounts/login/", {"username": "owner@alpha.test", "password": "correct horse battery staple"}
    )
    assert refused.status_code == 429
    # The rest of the fixed one-minute window, rounded up (kaiu.platform.limits).
    assert abs(int(refused["Retry-After"]) - math.ceil(60 - time.time() % 60)) <= 1
    page = refused.content.decode()
    assert "Too many attempts from your network" in page
    assert 'value="owner@alpha.test"' in page
    assert client.get("/app/").status_code == 302  # even the right password did not sign in
    # Another address has its own allowance.
    response = client.post("/accounts/login/", {"username": "owner@alpha.test",
                                                "password": "correct horse battery staple"}, REMOTE_ADDR="10.0.0.8")
    assert response.status_code == 302


def test_addresses_of_one_ipv6_network_share_one_allowance(client, owner, tenant, settings, rate_window):
    settings.RATE_LIMIT_SIGN_IN_PER_MINUTE = 2
    guess = {"username": "owner@alpha.test", "password": "guess"}
    for address in ("2001:db8:5:7::1", "2001:db8:5:7::2"):
        assert client.post("/accounts/login/", guess, REMOTE_ADDR=address).status_code == 200
    # Rotating through the /64 a client is given does not buy more guesses...
    assert client.post("/accounts/login/", guess, REMOTE_ADDR="2001:db8:5:7:ffff::9").status_code == 429
    # ...while a neighbouring network, and IPv4 written as IPv6, count on their own.
    assert client.post("/accounts/login/", guess, REMOTE_ADDR="2001:db8:5:8::1").status_code == 200
    assert client.post("/accounts/login/", guess, REMOTE_ADDR="::ffff:10.0.0.9").status_code == 200
    assert client.post("/accounts/login/", guess, REMOTE_ADDR="10.0.0.9").status_code == 200
    assert client.post("/accounts/login/", guess, REMOTE_ADDR="10.0.0.9").status_code == 429


def test_sign_ups_from_one_address_are_limited_and_create_nothing_past_it(client, db, settings, rate_window):
    settings.RATE_LIMIT_SIGN_IN_PER_MINUTE = 1
    form = {"email": "new@shop.test", "full_name": "New", "business_name": "New Shop",
            "password": "correct horse battery staple", **BUSINESS}
    client.post("/accounts/signup/", {**form, "email": "weak@shop.test", "password": "x"})  # refused as weak
    refused = client.post("/accounts/signup/", form)
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert not User.objects.filter(email="new@shop.test").exists()
    assert 'value="New Shop"' in refused.content.decode()  # what was typed is kept, the password is not
    assert "correct horse" not in refused.content.decode()


def test_reset_emails_to_one_address_are_limited_whoever_asks(client, owner, tenant, settings):
    settings.RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 2
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        response = client.post("/accounts/password-reset/", {"email": "Owner@Alpha.test"}, REMOTE_ADDR=address)
        assert response.status_code == 302  # the same answer each time: it tells nothing
    assert len(mail.outbox) == 2


def test_the_reset_email_cap_counts_an_address_however_it_is_spelled(client, owner, tenant, settings):
    settings.RATE_LIMIT_PASSWORD_RESETS_PER_EMAIL_PER_HOUR = 1
    for spelling in ("owner@alpha.test", "OWNER@alpha.test", "owner@alpha.te\u017ft"):  # ſ: Django finds the owner
        assert client.post("/accounts/password-reset/", {"email": spelling}).status_code == 302
    assert len(mail.outbox) == 1


def test_reset_requests_from_one_address_are_limited(client, db, settings, rate_window):
    settings.RATE_LIMIT_SIGN_IN_PER_MINUTE = 2
    for n in range(2):
        assert client.post("/accounts/password-reset/", {"email": f"ghost{n}@example.com"}).status_code == 302
    refused = client.post("/accounts/password-reset/", {"email": "ghost9@example.com"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()


def test_the_admin_sign_in_has_the_same_limit(client, db, settings, rate_window):
    settings.RATE_LIMIT_SIGN_IN_PER_MINUTE = 2
    User.objects.create_superuser(email="root@kaiu.test", password="correct horse battery staple")
    for _ in range(2):
        response = client.post("/admin/login/", {"username": "root@kaiu.test", "password": "guess"})
        assert response.status_code == 200
        assert "Please enter the correct" in response.content.decode()
    refused = client.post("/admin/login/?next=/admin/", {"username": "root@kaiu.test",
                                                         "password": "correct horse battery staple"})
    assert refused.status_code == 429
    assert "Too many attempts" in refused.content.decode()
    assert client.get("/admin/").status_code == 302  # not signed in
