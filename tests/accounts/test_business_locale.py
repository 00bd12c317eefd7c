"""A business's language, currency and time zone: asked at sign-up and for a new business,
changed in Settings, checked against ISO 4217 and the IANA time-zone database."""

import re

import pytest

from kaiu.accounts.models import Membership, Tenant, User
from kaiu.currencies import CURRENCIES, REGION_CURRENCY, minor_unit_digits

SWEDISH_TEA_SHOP = {"full_name": "Astrid Lind", "email": "astrid@te.test", "password": "a-long-unusual-pass",
                    "business_name": "Lind Te", "language": "en", "currency": "SEK", "time_zone": "Europe/Stockholm"}


def selected(page, field):
    """The value the rendered <select> has selected."""
    select = re.search(rf'<select name="{field}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return re.search(r'<option value="([^"]*)" selected', select).group(1)


def test_signup_stores_the_language_currency_and_time_zone_chosen(client, db):
    response = client.post("/accounts/signup/", SWEDISH_TEA_SHOP)
    assert response.status_code == 302
    tenant = Membership.objects.get(user__email="astrid@te.test").tenant
    assert (tenant.language, tenant.currency, tenant.time_zone) == ("en", "SEK", "Europe/Stockholm")


def test_signup_stores_a_spanish_business_in_pounds(client, db):
    client.post("/accounts/signup/", {**SWEDISH_TEA_SHOP, "language": "es", "currency": "GBP",
                                      "time_zone": "Europe/London"})
    tenant = Tenant.objects.get(name="Lind Te")
    assert (tenant.language, tenant.currency, tenant.time_zone) == ("es", "GBP", "Europe/London")


def test_signup_offers_every_currency_and_zone_with_english_usd_and_utc_before_the_browser_speaks(client, db):
    page = client.get("/accounts/signup/").content.decode()
    assert (selected(page, "language"), selected(page, "currency"), selected(page, "time_zone")) == (
        "en", "USD", "UTC")
    for code in ("SEK", "GBP", "JPY", "COP", "NOK", "CHF", "XOF"):
        assert f'<option value="{code}"' in page
    assert '<option value="Europe/Stockholm">Europe/Stockholm (UTC+' in page
    assert '<option value="America/Bogota">' in page
    # Only the languages bots speak are offered.
    language = re.search(r'<select name="language".*?</select>', page, re.S).group(0)
    assert re.findall(r'<option value="(\w+)"', language) == ["es", "en"]
    # The fields the browser fills in (static/js/business-defaults.js), with the regions' currencies.
    assert page.count("data-browser-default=") == 3
    assert "js/business-defaults" in page
    assert "&quot;SE&quot;: &quot;SEK&quot;" in page


@pytest.mark.parametrize(("field", "value"), [("currency", "XYZ"), ("currency", "XAU"), ("time_zone", "Mars/Olympus"),
                                          ("time_zone", "localtime"), ("language", "sv")])
def test_signup_refuses_what_is_not_offered_and_creates_nothing(client, db, field, value):
    response = client.post("/accounts/signup/", {**SWEDISH_TEA_SHOP, field: value})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.exists()
    assert not Tenant.objects.exists()


def test_a_refused_signup_keeps_what_was_chosen_instead_of_the_browsers_guess(client, db):
    page = client.post("/accounts/signup/", {**SWEDISH_TEA_SHOP, "password": "123"}).content.decode()
    assert selected(page, "currency") == "SEK"
    assert "data-browser-default" not in page


def test_a_new_business_asks_the_same(client, db):
    lonely = User.objects.create_user(email="lonely@example.com", password="x" * 12)
    client.force_login(lonely)
    assert client.get("/accounts/new-business/").content.decode().count("data-browser-default=") == 3
    client.post("/accounts/new-business/", {"name": "Lonely Ltd", "language": "es", "currency": "MXN",
                                            "time_zone": "America/Mexico_City"})
    tenant = Tenant.objects.get(name="Lonely Ltd")
    assert (tenant.language, tenant.currency, tenant.time_zone) == ("es", "MXN", "America/Mexico_City")


def test_an_invitation_signup_asks_nothing_about_a_business(client, tenant, owner):
    from urllib.parse import urlsplit

    from kaiu.accounts.invitations import invitation_create

    sent = invitation_create(inviter=Membership.objects.get(user=owner), email="new@alpha.test", role="SUPPORT")
    page = client.get(urlsplit(sent.link).path).content.decode()
    assert 'name="full_name"' in page
    assert 'name="business_name"' not in page
    assert 'name="currency"' not in page
    assert 'name="time_zone"' not in page


def test_settings_change_the_language_currency_and_time_zone(owner_client, tenant):
    page = owner_client.get("/app/settings/").content.decode()
    assert (selected(page, "language"), selected(page, "currency"), selected(page, "time_zone")) == (
        tenant.language, tenant.currency, tenant.time_zone)
    assert "data-browser-default" not in page  # the business's own values, not the browser's
    response = owner_client.post("/app/settings/", {"name": "Alpha Shop", "language": "en", "currency": "SEK",
                                                    "time_zone": "Europe/Stockholm"})
    assert response.status_code == 302
    tenant.refresh_from_db()
    assert (tenant.language, tenant.currency, tenant.time_zone) == ("en", "SEK", "Europe/Stockholm")


def test_settings_refuse_an_unknown_zone_and_change_nothing(owner_client, tenant):
    before = (tenant.name, tenant.currency, tenant.time_zone)
    response = owner_client.post("/app/settings/", {"name": "Renamed", "language": "en", "currency": "SEK",
                                                    "time_zone": "Europe/Atlantis"})
    assert response.status_code == 200
    tenant.refresh_from_db()
    assert (tenant.name, tenant.currency, tenant.time_zone) == before


def test_the_currency_list_knows_each_currencys_minor_units_and_each_regions_currency():
    assert (minor_unit_digits("SEK"), minor_unit_digits("JPY"), minor_unit_digits("KWD")) == (2, 0, 3)
    assert len(CURRENCIES) > 150
    assert all(re.fullmatch(r"[A-Z]{3}", code) for code in CURRENCIES)
    assert {REGION_CURRENCY[region] for region in ("SE", "GB", "CO", "DE", "US", "JP")} == {
        "SEK", "GBP", "COP", "EUR", "USD", "JPY"}
    assert set(REGION_CURRENCY.values()) <= set(CURRENCIES)
