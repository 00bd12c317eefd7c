"""The tenant's own LLM key: encrypted at rest, never shown, and the provider URL is
checked against SSRF; "test connection" talks to a real HTTP server speaking OpenAI."""

import io
import logging

import pytest
from django.db import connection

from kaiu.accounts.models import TenantSettings
from tests.fakes.openai_server import error_response

SECRET = "sk-test-THIS-IS-SECRET-1234567890abcd"


def save_provider(client, **fields):
    data = {"provider": "OPENAI", "base_url": "", "chat_model": "gpt-4o-mini",
            "embedding_model": "text-embedding-3-small", "api_key": SECRET, **fields}
    return client.post("/app/settings/provider/", data)


def raw_api_key_column(tenant):
    with connection.cursor() as cursor:
        cursor.execute("SELECT api_key FROM accounts_tenantsettings WHERE tenant_id = %s", [tenant.pk])
        return cursor.fetchone()[0]


def test_key_is_encrypted_at_rest_and_decrypts_back(owner_client, tenant):
    save_provider(owner_client)
    raw = raw_api_key_column(tenant)
    assert raw
    assert SECRET not in raw
    assert raw.startswith("gAAAA")
    assert TenantSettings.objects.get(tenant=tenant).api_key == SECRET


def test_key_never_appears_in_pages_or_logs(owner_client, tenant, caplog):
    caplog.set_level(logging.DEBUG)
    save_provider(owner_client)
    pages = [owner_client.get(path).content.decode() for path in ("/app/", "/app/settings/",
                                                                   "/app/settings/members/")]
    assert all(SECRET not in page for page in pages)
    assert "sk-…abcd" in pages[1]  # masked form
    assert SECRET not in caplog.text


def test_a_blank_key_field_keeps_the_stored_key(owner_client, tenant):
    save_provider(owner_client)
    save_provider(owner_client, api_key="", chat_model="gpt-4.1")
    stored = TenantSettings.objects.get(tenant=tenant)
    assert stored.api_key == SECRET
    assert stored.chat_model == "gpt-4.1"


def test_deleting_the_key_falls_back_to_builtin(owner_client, tenant):
    save_provider(owner_client)
    owner_client.post("/app/settings/provider/delete-key/")
    stored = TenantSettings.objects.get(tenant=tenant)
    assert stored.api_key == ""
    assert stored.llm_provider == "BUILTIN"


def test_a_new_first_key_still_reads_tokens_of_the_old_one(owner_client, tenant, settings):
    from cryptography.fernet import Fernet

    save_provider(owner_client)
    old_key = settings.FIELD_ENCRYPTION_KEY
    settings.FIELD_ENCRYPTION_KEY = f"{Fernet.generate_key().decode()},{old_key}"
    assert TenantSettings.objects.get(tenant=tenant).api_key == SECRET


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:11434/v1", "http://localhost/v1", "http://169.254.169.254/latest",
    "http://[::1]/v1", "http://10.0.0.5/v1", "ftp://example.com/v1", "http://0.0.0.0/v1",
    "http://[::ffff:127.0.0.1]/v1", "http://[::ffff:10.0.0.1]:8080/v1", "http://2130706433/v1",
])
def test_private_or_odd_base_urls_are_refused(owner_client, tenant, url):
    response = save_provider(owner_client, provider="OPENAI_COMPATIBLE", base_url=url)
    assert response.status_code == 400
    assert TenantSettings.objects.get(tenant=tenant).base_url == ""


def test_private_base_urls_are_allowed_when_the_operator_says_so(owner_client, tenant, settings):
    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = True
    response = save_provider(owner_client, provider="OPENAI_COMPATIBLE", base_url="http://127.0.0.1:11434/v1")
    assert response.status_code == 302
    assert TenantSettings.objects.get(tenant=tenant).base_url == "http://127.0.0.1:11434/v1"


def run_connection_test(owner_client, fake_openai, **fields):
    data = {"provider": "OPENAI_COMPATIBLE", "base_url": fake_openai.base_url, "chat_model": "gpt-4o-mini",
            "embedding_model": "text-embedding-3-small", "api_key": SECRET, **fields}
    return owner_client.post("/app/settings/provider/test/", data).content.decode()


def test_test_connection_succeeds_against_an_openai_compatible_server(owner_client, tenant, fake_openai):
    result = run_connection_test(owner_client, fake_openai)
    assert "Connected. The provider offers 2 models." in result
    request = fake_openai.requests[-1]
    assert request["path"] == "/v1/models"
    assert request["headers"]["authorization"] == f"Bearer {SECRET}"


def test_test_connection_names_a_missing_model(owner_client, tenant, fake_openai):
    assert "Not among them: llama3" in run_connection_test(owner_client, fake_openai, chat_model="llama3")


def test_test_connection_explains_a_rejected_key(owner_client, tenant, fake_openai):
    fake_openai.routes[("GET", "/v1/models")] = lambda r: error_response(401, "Incorrect API key provided")
    assert "rejected the API key (401)" in run_connection_test(owner_client, fake_openai)


def test_test_connection_explains_a_wrong_base_url(owner_client, tenant, fake_openai):
    result = run_connection_test(owner_client, fake_openai, base_url=fake_openai.base_url.replace("/v1", "/nope"))
    assert "404" in result
    assert "base URL" in result


def test_test_connection_does_not_follow_redirects(owner_client, tenant, fake_openai):
    fake_openai.routes[("GET", "/v1/models")] = lambda r: (302, {"Location": "/v1/elsewhere"}, b"")
    fake_openai.routes[("GET", "/v1/elsewhere")] = lambda r: (200, {}, b"{}")
    result = run_connection_test(owner_client, fake_openai)
    assert "redirect" in result
    assert [r["path"] for r in fake_openai.requests] == ["/v1/models"]  # /v1/elsewhere never asked


def test_test_connection_refuses_private_hosts_by_default(owner_client, tenant, fake_openai, settings):
    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = False
    result = run_connection_test(owner_client, fake_openai)
    assert "private or local address" in result
    assert fake_openai.requests == []


def test_test_connection_with_an_unreachable_server_says_so(owner_client, tenant, fake_openai):
    result = run_connection_test(owner_client, fake_openai, base_url="http://127.0.0.1:9/v1")
    assert "refused the connection" in result


def test_builtin_provider_needs_no_connection(owner_client, tenant, fake_openai):
    assert "built-in offline provider" in run_connection_test(owner_client, fake_openai, provider="BUILTIN")


def test_rotate_command_moves_secrets_to_the_new_key(owner_client, tenant, settings):
    from cryptography.fernet import Fernet
    from django.core.management import call_command

    save_provider(owner_client)
    old_key, new_key = settings.FIELD_ENCRYPTION_KEY, Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEY = f"{new_key},{old_key}"
    call_command("rotate_encryption_keys", stdout=io.StringIO())
    settings.FIELD_ENCRYPTION_KEY = new_key  # the old key is gone
    assert TenantSettings.objects.get(tenant=tenant).api_key == SECRET


def test_the_stored_key_is_never_sent_to_a_new_destination(owner_client, tenant, fake_openai):
    """Someone allowed into Settings must not read the key by pointing it at their own server."""
    save_provider(owner_client)  # OpenAI with SECRET
    run_connection_test(owner_client, fake_openai, api_key="")  # key field left empty, new URL
    assert fake_openai.requests[-1]["headers"].get("authorization") != f"Bearer {SECRET}"
    response = save_provider(owner_client, provider="OPENAI_COMPATIBLE", base_url=fake_openai.base_url,
                             api_key="")
    assert response.status_code == 302
    assert TenantSettings.objects.get(tenant=tenant).api_key == ""


def test_the_connect_time_guard_refuses_private_addresses(settings):
    """DNS may answer differently at connect time (rebinding): the socket-level guard vets
    the address it actually connects to."""
    import httpcore2

    from kaiu.ai.netguard import GuardedBackend, UnsafeURL

    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = False
    with pytest.raises(UnsafeURL):
        GuardedBackend().connect_tcp("localhost", 9)
    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = True
    with pytest.raises(httpcore2.ConnectError):  # allowed now: it really tries, and nothing listens
        GuardedBackend().connect_tcp("127.0.0.1", 9)


def test_tenant_clients_connect_through_the_guard(settings):
    from kaiu.ai.netguard import GuardedBackend
    from kaiu.ai.openai_client import ProviderConfig, client_for

    config = ProviderConfig(api_key="k", base_url="https://llm.example.com/v1", chat_model="m",
                            embedding_model="e", tenant_supplied=True)
    pool = client_for(config)._client._transport._pool
    assert isinstance(pool._network_backend, GuardedBackend)


def test_an_overlong_base_url_is_a_form_error_not_a_crash(owner_client, tenant):
    response = save_provider(owner_client, provider="OPENAI_COMPATIBLE",
                             base_url="https://example.com/" + "a" * 300)
    assert response.status_code == 400
