"""Shared fixtures: the three people every dashboard test needs (an owner, a teammate and
an outsider from another tenant), and a client signed in as each."""

import time

import pytest

from bots.models import Template
from bots.services import bot_create
from kaiu.accounts.models import Membership, Role, User
from kaiu.accounts.services import tenant_create


def make_user(email, password="correct horse battery staple"):
    return User.objects.create_user(email=email, password=password, full_name=email.split("@")[0].title())


@pytest.fixture
def owner(db):
    return make_user("owner@alpha.test")


@pytest.fixture
def tenant(owner):
    # Spanish, like the documents and questions most tests use (search stems in the bot's language).
    return tenant_create(owner=owner, name="Alpha Shop", language="es")


@pytest.fixture
def teammate(tenant):
    user = make_user("teammate@alpha.test")
    Membership.objects.create(user=user, tenant=tenant, role=Role.SUPPORT)
    return user


@pytest.fixture
def outsider(db):
    return make_user("outsider@beta.test")


@pytest.fixture
def other_tenant(outsider):
    return tenant_create(owner=outsider, name="Beta Store")


@pytest.fixture
def member_with_role(tenant):
    """A factory: a user of `tenant` with the given role."""

    def make(role):
        user = make_user(f"{role.lower()}-member@alpha.test")
        Membership.objects.create(user=user, tenant=tenant, role=role)
        return user

    return make


@pytest.fixture
def owner_client(client, owner, tenant):
    client.force_login(owner)
    return client


@pytest.fixture
def bot(tenant, owner):
    return bot_create(tenant=tenant, template=Template.objects.get(slug="faq"), name="Helper", user=owner)


@pytest.fixture
def other_bot(other_tenant, outsider):
    return bot_create(tenant=other_tenant, template=None, name="Beta bot", user=outsider)


@pytest.fixture
def fake_openai(settings):
    """A local OpenAI-compatible server; private hosts allowed so our client may reach it."""
    from tests.fakes.openai_server import FakeOpenAI

    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = True
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def add_text(django_capture_on_commit_callbacks):
    """Add a typed-text document to a bot and run its ingestion (django-q sync mode) now."""
    from documents.services import document_add_text

    def add(bot, title, text):
        with django_capture_on_commit_callbacks(execute=True):
            document = document_add_text(bot=bot, title=title, text=text)
        document.refresh_from_db()
        return document

    return add


@pytest.fixture
def rate_window():
    """Start a per-minute rate-limit test early in its fixed window, so all its requests fall in
    the same one (on a slow machine two requests can otherwise straddle the minute)."""
    left = 60 - time.time() % 60
    if left < 20:
        time.sleep(left + 0.1)
