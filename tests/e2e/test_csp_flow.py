"""Every dashboard page and the admin under the Content-Security-Policy, in a real browser:
nothing refused, and htmx, dashboard.js and the admin's scripts still work."""

import pytest
from django.test import Client

from documents.models import Document
from kaiu.accounts.models import Invitation
from tests.test_url_access import dashboard_urls, objects_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

# Collected in the page itself: the browser fires this event for every refused script, style,
# handler or connection (and also logs it to the console, which we listen to as well).
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def violations(page):
    """Every CSP refusal the browser reports while the test runs (console and event)."""
    found = []
    page.add_init_script(WATCH_VIOLATIONS)
    page.on("console", lambda message: found.append(f"{page.url}: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text else None)
    page.on("pageerror", lambda error: found.append(f"{page.url}: {error}"))

    def check():
        found.extend(f"{page.url}: {v}" for v in page.evaluate("window.__cspViolations || []"))
        return found

    return check


def html_pages(user, urls):
    """(name, path) of the URLs that are pages a person opens (GET gives HTML), not POST-only."""
    client = Client()
    client.force_login(user)
    pages = []
    for name, path, _view, _ in urls:
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append((name, path))
    return pages


def log_in(page, email, password, path="/accounts/login/"):
    page.goto(path)
    page.fill("#id_username", email)
    page.fill("#id_password", password)
    page.click("[type=submit]" if path.startswith("/admin/") else "button:has-text('Log in')")
    page.wait_for_load_state()


def test_every_dashboard_page_works_under_the_policy(page, violations, shot, django_user_model, settings,
                                                     add_text):
    from bots.models import Template
    from bots.services import bot_create
    from kaiu.accounts.services import tenant_create

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # no EMAIL_URL
    owner = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga")
    tenant = tenant_create(owner=owner, name="Tienda Ana")
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Asistente", user=owner)
    values = objects_of(tenant, bot, owner, add_text)
    log_in(page, "ana@tienda.test", "una-clave-bien-larga")

    pages = html_pages(owner, dashboard_urls(values))
    assert len(pages) >= 20
    for name, path in pages:
        response = page.goto(path)
        assert response.status == 200, name
        assert response.headers.get("content-security-policy"), name
        assert violations() == [], name

    # htmx: a swap on click, and a form sent by htmx.
    page.goto("/app/settings/")
    page.click("button:has-text('Test connection')")
    page.wait_for_selector("text=built-in offline provider")
    page.goto(f"/app/knowledge/{bot.public_id}/")
    page.fill("#id_q", "¿a qué hora atienden?")
    page.click("button:has-text('Search')")
    page.wait_for_selector(".hit")
    # htmx polling: the rows refresh themselves while a document is being processed.
    busy = Document.objects.create(tenant=tenant, bot=bot, name="catalogo.csv", source_type="CSV_STRUCTURED",
                                   mime_type="text/csv", sha256="b" * 64, status="PROCESSING")
    page.reload()
    page.wait_for_selector("#document-rows .badge-doc-processing")
    Document.objects.filter(pk=busy.pk).update(status="FAILED", error_message="Polled in by htmx.")
    page.wait_for_selector("text=Polled in by htmx.", timeout=8_000)

    # dashboard.js: a confirmation before a destructive form, and the Copy button of a link.
    page.goto("/app/settings/members/")
    page.fill("#id_email", "equipo@tienda.test")
    page.click("button:has-text('Send invitation')")
    page.wait_for_selector("#invitation-link")
    assert "/accounts/invite/" in page.locator("#invitation-link").inner_text()
    page.click("button.copy-button")
    page.wait_for_selector("button.copy-button:has-text('Copied'), button.copy-button:has-text('Press Ctrl+C')")
    shot("30-invitation-link")
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.click("button:has-text('Revoke')")
    assert dialogs == ["Revoke this invitation?"]
    assert Invitation.objects.filter(email="equipo@tienda.test").exists()  # dismissed: nothing sent
    assert violations() == []


def test_the_admin_works_under_the_policy(page, violations, shot, django_user_model, bot):
    django_user_model.objects.create_superuser(email="root@staff.test", password="una-clave-bien-larga")
    log_in(page, "root@staff.test", "una-clave-bien-larga", path="/admin/login/")
    page.wait_for_selector("text=Site administration")
    user = django_user_model.objects.get(email="root@staff.test")
    for path in ("/admin/", "/admin/bots/bot/", f"/admin/bots/bot/{bot.pk}/change/", "/admin/bots/template/add/",
                 f"/admin/accounts/user/{user.pk}/change/", "/admin/documents/embeddingcache/"):
        response = page.goto(path)
        assert response.status == 200, path
        assert response.headers.get("content-security-policy"), path
        page.wait_for_load_state("load")
    # The admin's scripts run: the groups chooser (SelectFilter2.js) builds its two lists.
    page.goto(f"/admin/accounts/user/{user.pk}/change/")
    page.wait_for_selector("#id_groups_from")
    page.goto("/admin/bots/bot/")
    page.check("#action-toggle")  # actions.js selects every row
    assert page.locator("input.action-select:checked").count() == 1
    shot("31-admin")
    assert violations() == []


def test_warehouse_staff_see_the_shop_in_the_admin(page, violations, shot, django_user_model):
    from django.contrib.auth.models import Group

    from kaiu.accounts.staff import sync_staff_groups

    sync_staff_groups()
    user = django_user_model.objects.create_user(email="almacen@staff.test", password="una-clave-bien-larga",
                                                 is_staff=True)
    user.groups.add(Group.objects.get(name="WAREHOUSE"))
    log_in(page, "almacen@staff.test", "una-clave-bien-larga", path="/admin/login/")
    page.wait_for_selector("#content-main >> text=Shop")
    assert page.locator("#content-main a", has_text="Products").count() >= 1
    assert page.locator("#content-main a", has_text="Orders").count() >= 1
    assert page.locator("text=permission to view or edit anything").count() == 0
    shot("32-admin-warehouse")
    assert violations() == []
