"""A failing provider: the reason is shown where the tenant looks (playground, transcript,
settings), and after repeated failures the provider is left alone for a while and the
built-in model answers at once."""

import pytest

from chat.models import Message
from kaiu.accounts.models import TenantSettings
from kaiu.ai import breaker
from kaiu.ai.openai_client import ProviderConfig, describe_provider_error
from tests.chat.test_web import read_events
from tests.fakes.openai_server import error_response


@pytest.fixture(autouse=True)
def fresh_breakers():
    breaker._states.clear()
    yield
    breaker._states.clear()


def _chat_requests(fake_openai):
    return [r for r in fake_openai.requests if r["path"] == "/v1/chat/completions"]


def test_the_playground_and_transcript_show_why_the_provider_failed(llm_bot, fake_openai, owner_client):
    fake_openai.routes[("POST", "/v1/chat/completions")] = lambda request: error_response(401, "bad key")
    events = read_events(owner_client.post(f"/app/playground/{llm_bot.public_id}/messages/",
                                           {"message": "¿Hacen envíos a Cali?"}, content_type="application/json"))
    done = events[-1][1]
    assert done["origin"] == "error"
    assert "rejected the API key (401)" in done["note"]
    message = Message.objects.get(role="assistant")
    transcript = owner_client.get(f"/app/conversations/{message.conversation_id}/").content.decode()
    assert "rejected the API key (401)" in transcript


def test_after_repeated_failures_the_built_in_model_answers_without_calling_the_provider(
        llm_bot, fake_openai, ask, settings):
    settings.PROVIDER_BREAKER_FAILURES = 2
    fake_openai.routes[("POST", "/v1/chat/completions")] = lambda request: error_response(500, "down", "server_error")
    for _ in range(2):
        _, message = ask(llm_bot, "¿Hacen envíos a Cali?")
        assert message.origin == "error"
    calls = len(_chat_requests(fake_openai))

    text, message = ask(llm_bot, "¿Hacen envíos a Cali?")

    assert len(_chat_requests(fake_openai)) == calls  # the provider was left alone
    assert message.origin == "fallback"
    assert message.answered
    assert "Cali" in text  # the built-in model answered from the passages
    assert "built-in model" in message.note
    assert "paused" in message.note


def test_a_success_closes_the_breaker(llm_bot, fake_openai, ask, settings):
    settings.PROVIDER_BREAKER_FAILURES = 2
    fake_openai.routes[("POST", "/v1/chat/completions")] = lambda request: error_response(500, "down", "server_error")
    ask(llm_bot, "¿Hacen envíos a Cali?")
    from tests.fakes.openai_server import chat_handler

    fake_openai.routes[("POST", "/v1/chat/completions")] = chat_handler()
    _, message = ask(llm_bot, "¿Hacen envíos a Cali?")
    assert message.origin == "model"
    assert not breaker._states


def test_a_paused_embedding_provider_leaves_search_to_keywords_at_once(llm_bot, fake_openai, ask, settings):
    def embedding_calls():
        return len([r for r in fake_openai.requests if r["path"] == "/v1/embeddings"])

    settings.PROVIDER_BREAKER_FAILURES = 1
    fake_openai.routes[("POST", "/v1/embeddings")] = lambda request: error_response(503, "down", "server_error")
    before = embedding_calls()
    ask(llm_bot, "¿Hacen envíos a Cali?")
    assert embedding_calls() == before + 2  # a question waits for one retry, not five with back-off

    _, message = ask(llm_bot, "¿Aceptan pago contra entrega?")

    assert embedding_calls() == before + 2
    assert "Keyword search only" in message.note
    assert "paused" in message.note


def test_the_settings_page_shows_the_last_failure_until_the_settings_are_saved(llm_bot, fake_openai, ask,
                                                                               owner_client):
    fake_openai.routes[("POST", "/v1/chat/completions")] = lambda request: error_response(401, "bad key")
    ask(llm_bot, "¿Hacen envíos a Cali?")
    page = owner_client.get("/app/settings/").content.decode()
    assert "Last problem" in page
    assert "rejected the API key (401)" in page

    stored = TenantSettings.objects.get(tenant=llm_bot.tenant)
    owner_client.post("/app/settings/provider/", {
        "provider": stored.llm_provider, "base_url": stored.base_url, "chat_model": stored.chat_model,
        "embedding_model": stored.embedding_model, "api_key": ""})
    assert "Last problem" not in owner_client.get("/app/settings/").content.decode()


def test_connection_problems_name_their_cause(fake_openai):
    import openai

    from kaiu.ai.openai_client import client_for

    unknown_host = ProviderConfig(api_key="k", base_url="http://kaiu-nowhere.invalid/v1", chat_model="m",
                                  embedding_model="e", tenant_supplied=False)
    refused = ProviderConfig(api_key="k", base_url="http://127.0.0.1:9/v1", chat_model="m",
                             embedding_model="e", tenant_supplied=False)
    reasons = []
    for config in (unknown_host, refused):
        with pytest.raises(openai.APIConnectionError) as caught:
            client_for(config, max_retries=0).models.list()
        reasons.append(describe_provider_error(caught.value))
    assert "could not be found (DNS)" in reasons[0]
    assert "refused the connection" in reasons[1]
