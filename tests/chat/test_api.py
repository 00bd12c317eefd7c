"""The OpenAI-compatible API, called by the real `openai` client over HTTP."""

import json

import openai
import pytest

from chat.models import Conversation, Feedback
from kaiu.accounts.services import api_key_create, api_key_revoke

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def api_secret(tenant, owner):
    return api_key_create(tenant=tenant, name="Tests", created_by=owner).secret


@pytest.fixture
def client_for(live_server):
    def make(secret):
        return openai.OpenAI(api_key=secret, base_url=f"{live_server.url}/api/v1", max_retries=0, timeout=30)

    return make


def test_the_openai_client_gets_a_cited_answer(shop_bot, api_secret, client_for):
    completion = client_for(api_secret).chat.completions.create(
        model=shop_bot.public_id, messages=[{"role": "user", "content": "¿Cuánto tarda el envío a Cali?"}])
    answer = completion.choices[0].message.content
    assert "3 a 5 días" in answer
    assert "[1]" in answer
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == shop_bot.public_id
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + completion.usage.completion_tokens > 0
    extras = completion.model_extra["kaiu"]
    assert extras["answered"]
    assert extras["sources"][0]["document_name"] == "Políticas de la tienda"
    assert Conversation.objects.get(pk=extras["conversation"]).channel == "API"


def test_the_openai_client_streams_with_usage(shop_bot, api_secret, client_for):
    stream = client_for(api_secret).chat.completions.create(
        model=shop_bot.public_id, stream=True, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": "ignored: the bot's own prompt rules"},
                  {"role": "user", "content": "¿Aceptan pago contra entrega?"}])
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert "contra entrega" in text
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens > 0


def test_a_bad_or_revoked_key_is_401_and_a_revoked_one_says_so(shop_bot, tenant, api_secret, client_for):
    with pytest.raises(openai.AuthenticationError) as invalid:
        client_for("kaiu_nope_nope").chat.completions.create(
            model=shop_bot.public_id, messages=[{"role": "user", "content": "Hola"}])
    assert invalid.value.code == "invalid_api_key"
    api_key_revoke(tenant=tenant, key_id=tenant.api_keys.get().pk)
    with pytest.raises(openai.AuthenticationError) as revoked:
        client_for(api_secret).chat.completions.create(
            model=shop_bot.public_id, messages=[{"role": "user", "content": "Hola"}])
    assert revoked.value.code == "api_key_revoked"
    assert "was revoked" in revoked.value.message
    assert not Conversation.objects.exists()


def test_more_than_one_choice_is_refused_rather_than_silently_dropped(shop_bot, api_secret, client_for):
    client = client_for(api_secret)
    question = [{"role": "user", "content": "¿Aceptan Nequi?"}]
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model=shop_bot.public_id, messages=question, n=2)
    assert refused.value.param == "n"
    assert "one answer per question" in refused.value.message
    assert not Conversation.objects.exists()
    assert len(client.chat.completions.create(model=shop_bot.public_id, messages=question, n=1).choices) == 1


def test_a_page_past_the_last_is_empty_and_a_bad_page_is_a_400(shop_bot, api_secret, live_server):
    import httpx2

    from chat.api import PAGE_SIZE
    from chat.services import conversation_start

    for _ in range(PAGE_SIZE + 1):
        conversation_start(bot=shop_bot, channel="API")
    headers = {"Authorization": f"Bearer {api_secret}"}

    def page(number):
        return httpx2.get(f"{live_server.url}/api/v1/conversations", params={"page": number}, headers=headers)

    assert [len(page(n).json()["data"]) for n in (1, 2)] == [PAGE_SIZE, 1]
    assert page(1).json()["has_more"] is True
    assert page(99).json() == {"object": "list", "page": 99, "pages": 2, "has_more": False, "data": []}
    for bad in ("0", "-1", "two", "²", "1.5"):
        refused = page(bad)
        assert refused.status_code == 400, bad
        assert refused.json()["error"]["param"] == "page"


def test_an_unknown_bot_and_another_tenants_bot_are_404(shop_bot, other_bot, api_secret, client_for):
    for model in ("no-such-bot", other_bot.public_id):
        with pytest.raises(openai.NotFoundError) as missing:
            client_for(api_secret).chat.completions.create(model=model, messages=[{"role": "user", "content": "Hola"}])
        assert missing.value.code == "model_not_found"
    assert not Conversation.objects.filter(bot=other_bot).exists()


def test_the_openai_client_lists_the_tenants_bots_as_models(shop_bot, other_bot, api_secret, client_for):
    client = client_for(api_secret)
    assert [model.id for model in client.models.list()] == [shop_bot.public_id]
    assert client.models.retrieve(shop_bot.public_id).model_extra["name"] == shop_bot.name
    for model in ("no-such-bot", other_bot.public_id):
        with pytest.raises(openai.NotFoundError):
            client.models.retrieve(model)


def test_bad_requests_and_the_quota_use_openais_error_shape(shop_bot, api_secret, client_for, live_server):
    from kaiu.accounts.models import Plan

    with pytest.raises(openai.BadRequestError):
        client_for(api_secret).chat.completions.create(
            model=shop_bot.public_id, messages=[{"role": "assistant", "content": "Hola"}])
    Plan.objects.filter(pk=shop_bot.tenant.plan_id).update(max_queries_per_month=0)
    with pytest.raises(openai.RateLimitError) as refused:
        client_for(api_secret).chat.completions.create(
            model=shop_bot.public_id, messages=[{"role": "user", "content": "Hola"}])
    assert refused.value.code == "insufficient_quota"


def test_conversations_are_listed_and_answers_rated_through_the_api(shop_bot, other_bot, api_secret, client_for,
                                                                   live_server):
    import httpx2

    completion = client_for(api_secret).chat.completions.create(
        model=shop_bot.public_id, messages=[{"role": "user", "content": "¿Aceptan Nequi?"}])
    headers = {"Authorization": f"Bearer {api_secret}"}
    listed = httpx2.get(f"{live_server.url}/api/v1/conversations", headers=headers).json()
    assert [c["id"] for c in listed["data"]] == [completion.model_extra["kaiu"]["conversation"]]
    detail = httpx2.get(f"{live_server.url}/api/v1/conversations/{listed['data'][0]['id']}", headers=headers).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]
    rated = httpx2.post(f"{live_server.url}/api/v1/feedback", headers=headers,
                        content=json.dumps({"message": completion.model_extra["kaiu"]["message"], "rating": 1}))
    assert rated.status_code == 200
    assert Feedback.objects.get().rating == 1

    # Another tenant's conversation and message are 404.
    from chat.services import conversation_start

    foreign = conversation_start(bot=other_bot, channel="PAGE")
    assert httpx2.get(f"{live_server.url}/api/v1/conversations/{foreign.pk}", headers=headers).status_code == 404
    assert httpx2.post(f"{live_server.url}/api/v1/feedback", headers=headers,
                       content=json.dumps({"message": str(foreign.pk), "rating": 1})).status_code == 404


def test_malformed_api_input_is_a_400_and_costs_nothing(shop_bot, api_secret, live_server):
    import httpx2

    from chat.models import Message

    headers = {"Authorization": f"Bearer {api_secret}"}
    url = f"{live_server.url}/api/v1/chat/completions"
    bodies = [
        {"model": shop_bot.public_id, "messages": [{"role": "user", "content": "Hola"}], "stream": True,
         "stream_options": "yes"},
        {"model": shop_bot.public_id, "messages": [{"role": "user", "content": [{"type": "text", "text": 5}]}]},
        {"model": shop_bot.public_id, "messages": "Hola"},
    ]
    for body in bodies:
        response = httpx2.post(url, headers=headers, content=json.dumps(body))
        assert response.status_code == 400, body
        assert "error" in response.json(), body
    missing_model = httpx2.post(url, headers=headers,
                                content=json.dumps({"messages": [{"role": "user", "content": "Hola"}]}))
    assert missing_model.status_code == 400
    assert missing_model.json()["error"]["param"] == "model"
    # The API speaks English whatever the bot's language (visitors get the bot's)
    too_long = httpx2.post(url, headers=headers, content=json.dumps(
        {"model": shop_bot.public_id, "messages": [{"role": "user", "content": "x" * 5000}]}))
    assert too_long.status_code == 400
    assert too_long.json()["error"]["message"].startswith("Your message is too long")
    wrong_method = httpx2.get(url, headers=headers)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "POST"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"
    assert not Message.objects.exists()
    rated = httpx2.post(f"{live_server.url}/api/v1/feedback", headers=headers,
                        content=json.dumps({"message": "nope", "rating": None}))
    assert rated.status_code == 404


def test_a_bot_deleted_while_it_answers_ends_the_answer_cleanly(llm_bot, api_secret, client_for, fake_openai):
    """The tenant deletes the bot while its model is writing: nothing is left to store the
    answer in. The API says the model is gone (404), not a 500."""
    from django.db import connection

    from bots.models import Bot
    from tests.fakes.openai_server import chat_handler

    answer = chat_handler()

    def delete_the_bot_then_answer(request):  # runs in the fake server's thread, its own connection
        Bot.objects.filter(pk=llm_bot.pk).delete()
        connection.close()
        return answer(request)

    fake_openai.routes[("POST", "/v1/chat/completions")] = delete_the_bot_then_answer
    with pytest.raises(openai.NotFoundError):
        client_for(api_secret).chat.completions.create(
            model=llm_bot.public_id, messages=[{"role": "user", "content": "¿Cuánto tarda el envío a Cali?"}])
    assert not Conversation.objects.exists()
