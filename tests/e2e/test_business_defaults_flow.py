"""Sign-up as a shop owner abroad: the business's language, currency and time zone come
pre-selected from the browser, at desktop and phone width."""

import pytest

from kaiu.accounts.models import Tenant
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

DESKTOP, PHONE = {"width": 1280, "height": 860}, {"width": 390, "height": 844}


@pytest.fixture
def browser_in(browser, live_server):
    """A page in a browser set to a locale and a time zone, at a width."""
    contexts = []

    def open_page(locale, time_zone, viewport):
        context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id=time_zone,
                                      viewport=viewport)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def chosen(page):
    return tuple(page.input_value(f"#id_{name}") for name in ("language", "currency", "time_zone"))


@pytest.mark.parametrize(("viewport", "width"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_swedish_browser_gets_english_crowns_and_stockholm_time(browser_in, viewport, width):
    page = browser_in("sv-SE", "Europe/Stockholm", viewport)
    page.goto("/accounts/signup/")
    # Bots speak no Swedish yet: English, the server's default, stays.
    assert chosen(page) == ("en", "SEK", "Europe/Stockholm")
    page.fill("#id_full_name", "Astrid Lind")
    page.fill("#id_email", f"astrid-{width}@te.test")
    page.fill("#id_password", "ett-riktigt-langt-losenord")
    page.fill("#id_business_name", f"Lind Te {width}")
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"30-signup-sv-SE-{width}.png"), full_page=True)
    page.click("button:has-text('Create account')")
    page.wait_for_url("**/app/")
    tenant = Tenant.objects.get(name=f"Lind Te {width}")
    assert (tenant.language, tenant.currency, tenant.time_zone) == ("en", "SEK", "Europe/Stockholm")
    assert page.locator("text=Times are in Europe/Stockholm").is_visible()


@pytest.mark.parametrize(("viewport", "width"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_colombian_browser_gets_spanish_pesos_and_bogota_time(browser_in, viewport, width):
    page = browser_in("es-CO", "America/Bogota", viewport)
    page.goto("/accounts/signup/")
    assert chosen(page) == ("es", "COP", "America/Bogota")
    page.screenshot(path=str(SHOTS / f"31-signup-es-CO-{width}.png"), full_page=True)


def test_a_browser_with_a_language_and_no_region_still_gets_a_currency(browser_in):
    page = browser_in("en-GB", "Europe/London", DESKTOP)
    page.goto("/accounts/signup/")
    assert chosen(page) == ("en", "GBP", "Europe/London")
    page = browser_in("es", "Europe/Madrid", DESKTOP)
    page.goto("/accounts/signup/")
    assert chosen(page) == ("es", "EUR", "Europe/Madrid")  # "es" is taken as Spain's Spanish
