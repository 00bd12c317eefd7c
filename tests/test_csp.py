"""A Content-Security-Policy on every HTML page, and templates that keep within it: no inline
script, style or event handler anywhere (the browser test in tests/e2e/test_csp_flow.py proves
the pages then work under it)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.urls import path as route

from kaiu.accounts.models import User
from kaiu.middleware import PAGE_CSP
from tests.test_url_access import dashboard_urls, objects_of


def html(response):
    return response.get("Content-Type", "").startswith("text/html")


@pytest.mark.django_db
def test_every_dashboard_page_sends_the_policy(owner_client, tenant, bot, owner, add_text):
    pages = 0
    for name, path, _view, _ in dashboard_urls(objects_of(tenant, bot, owner, add_text)):
        response = owner_client.get(path)
        if html(response):
            assert response.get("Content-Security-Policy") == PAGE_CSP, f"{name} {path} ({response.status_code})"
            pages += 1
    assert pages >= 20


@pytest.mark.django_db
def test_sign_in_error_and_admin_pages_send_the_policy(client, bot):
    for path in ("/accounts/login/", "/accounts/signup/", "/admin/login/", "/app/no-such-page/"):
        assert client.get(path)["Content-Security-Policy"] == PAGE_CSP, path
    client.force_login(User.objects.create_superuser(email="root@staff.test", password="x" * 12))
    for path in ("/admin/", "/admin/bots/bot/", "/admin/bots/bot/add/", f"/admin/bots/bot/{bot.pk}/change/",
                 "/admin/documents/embeddingcache/"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response["Content-Security-Policy"] == PAGE_CSP, path


def broken_view(request):
    raise RuntimeError("a bug")


urlpatterns = [route("broken/", broken_view)]  # this module is the URLconf of the test below


@pytest.mark.urls("tests.test_csp")
def test_the_server_error_page_sends_the_policy(client, db):
    client.raise_request_exception = False
    response = client.get("/broken/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert response["Content-Security-Policy"] == PAGE_CSP


@pytest.mark.django_db
def test_the_chat_pages_keep_their_own_stricter_policy(bot):
    from chat.web import chat_csp

    response = Client().get(f"/c/{bot.public_id}/")
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == chat_csp(frame_ancestors=[])


def test_non_html_responses_get_no_page_policy(client, db):
    assert "Content-Security-Policy" not in client.get("/healthz")


# What the policy refuses, found in the templates before a browser does: a <script> with code
# in it (only src= or a JSON data block), a <style> element, a style="" attribute, an on*=
# event handler, a javascript: URL.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "inline <script>"),
    (re.compile(r"<style\b", re.I), "<style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "inline event handler"),
    (re.compile(r"javascript:", re.I), "javascript: URL"),
]


def templates():
    return list((Path(settings.BASE_DIR) / "templates").rglob("*.html"))  # not widget.js: a script, not a page


def test_no_template_has_inline_scripts_styles_or_handlers():
    found = []
    for path in templates():
        text = path.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(settings.BASE_DIR)}:{line}: {what}")
    assert found == []
