"""The edge of the chat and the API (kaiu/http.py): bodies and characters PostgreSQL or the
JSON parser cannot take are a clear 400 before any view reads them, and everything under
/api/ answers in OpenAI's error shape."""

import json

import pytest

from chat.models import Conversation, Feedback, Message
from kaiu.accounts.services import api_key_create

pytestmark = pytest.mark.django_db

ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
DEEP = "[" * 10_000 + "]" * 10_000


@pytest.fixture
def api_headers(tenant, owner):
    return {"HTTP_AUTHORIZATION": f"Bearer {api_key_create(tenant=tenant, name='Edge', created_by=owner).secret}"}


@pytest.fixture
def answered(shop_bot, ask):
    """A visitor's conversation on the public page with one answer: (conversation, its answer)."""
    _, answer = ask(shop_bot, "¿Aceptan Nequi?")
    return answer.conversation, answer


def post(client, path, body, **headers):
    return client.post(path, body if isinstance(body, str) else json.dumps(body), content_type="application/json",
                       **headers)


def assert_refused(response, status=400, *, code, param=None):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    assert error["type"] == "invalid_request_error"
    if param:
        assert error["param"] == param


def test_a_deeply_nested_body_is_a_400_on_every_json_endpoint(client, owner_client, shop_bot, api_headers):
    bot = shop_bot.public_id
    for path in (f"/c/{bot}/messages/", f"/c/{bot}/feedback/"):
        assert_refused(post(client, path, DEEP, **ORIGIN), code="invalid_json")
    for path in (f"/app/playground/{bot}/messages/", f"/app/playground/{bot}/feedback/"):
        assert_refused(post(owner_client, path, DEEP), code="invalid_json")
    for path in ("/api/v1/chat/completions", "/api/v1/feedback"):
        assert_refused(post(client, path, DEEP, **api_headers), code="invalid_json")
    # Deep enough to hurt a recursive walk, shallow enough for the parser: refused the same way.
    assert_refused(post(client, f"/c/{bot}/messages/", {"message": "Hola", "x": json.loads("[" * 500 + "]" * 500)},
                        **ORIGIN), code="invalid_json")
    assert not Message.objects.exists()


def test_a_nul_byte_in_a_chat_body_or_query_is_a_400_and_stores_nothing(client, shop_bot, answered):
    bot = shop_bot.public_id
    conversation, answer = answered
    token = {"conversation": str(conversation.pk), "token": conversation.visitor_id}
    assert_refused(post(client, f"/c/{bot}/messages/", {"message": "a\u0000"}, **ORIGIN),
                   code="invalid_characters", param="message")
    assert_refused(post(client, f"/c/{bot}/messages/", {"message": "Hola", **token, "channel": {"x\u0000": 1}},
                        **ORIGIN), code="invalid_characters", param="channel")
    assert_refused(client.get(f"/c/{bot}/history/?token=%00&conversation={conversation.pk}"),
                   code="invalid_characters", param="token")
    assert_refused(post(client, f"/c/{bot}/feedback/", {**token, "message": str(answer.pk), "rating": -1,
                                                          "comment": "Faltó\u0000"}, **ORIGIN),
                   code="invalid_characters", param="comment")
    # JSON's "\ud800" decodes to a lone surrogate, which UTF-8 (and so PostgreSQL) cannot hold.
    assert_refused(post(client, f"/c/{bot}/messages/", '{"message": "a\\ud800"}', **ORIGIN),
                   code="invalid_characters", param="message")
    assert Message.objects.count() == 2
    assert not Feedback.objects.exists()


def test_a_nul_byte_anywhere_in_an_api_request_is_a_400(client, shop_bot, api_headers):
    url, bot = "/api/v1/chat/completions", shop_bot.public_id
    question = [{"role": "user", "content": "Hola"}]
    for body, param in [
        ({"model": "a\u0000", "messages": question}, "model"),
        ({"model": bot, "user": "u\u0000", "messages": question}, "user"),
        ({"model": bot, "messages": [{"role": "user", "content": "Ho\u0000la"}]}, "messages"),
        ({"model": bot, "messages": [{"role": "assistant", "content": "\u0000"}, *question]}, "messages"),
        ({"model": bot, "messages": [{"role": "user", "content": [{"type": "text", "text": "\u0000"}]}]}, "messages"),
    ]:
        assert_refused(post(client, url, body, **api_headers), code="invalid_characters", param=param)
    for path, param in [("/api/v1/conversations?bot=%00", "bot"), ("/api/v1/conversations?channel=%00", "channel"),
                        ("/api/v1/models/x%00", "path"), ("/api/v1/conversations/%00", "path")]:
        assert_refused(client.get(path, **api_headers), code="invalid_characters", param=param)
    assert_refused(post(client, "/api/v1/feedback", {"message": "x", "rating": 1, "comment": "\u0000"},
                        **api_headers), code="invalid_characters", param="comment")
    assert not Conversation.objects.exists()


def test_a_nul_byte_in_a_dashboard_query_is_a_400_too(owner_client, bot):
    assert_refused(owner_client.get("/app/conversations/?bot=%00"), code="invalid_characters", param="bot")


def test_unknown_api_paths_are_openai_shaped_404s(client, api_headers):
    for path in ("/api/v1/conversations/not-a-uuid", "/api/v1/nothing", "/api/v2/chat/completions", "/api/"):
        response = client.get(path, **api_headers)
        assert response.status_code == 404, path
        assert response["Content-Type"] == "application/json"
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
        assert response.json()["error"]["code"] == "not_found"
    assert "No such conversation" in client.get("/api/v1/conversations/not-a-uuid", **api_headers).json()[
        "error"]["message"]
    assert "/api/v1/chat/completions" in client.post("/api/v2/x").json()["error"]["message"]


def test_api_bodies_over_the_limits_are_openai_shaped_413s(client, shop_bot, api_headers, settings):
    body = {"model": shop_bot.public_id, "messages": [{"role": "user", "content": "x" * 3_000_000}]}
    over_parse_limit = post(client, "/api/v1/chat/completions", body, **api_headers)
    assert_refused(over_parse_limit, 413, code="request_too_large")
    assert "2560 KB" in over_parse_limit.json()["error"]["message"]
    settings.MAX_REQUEST_MB = 1
    over_request_limit = post(client, "/api/v1/chat/completions", body, **api_headers)
    assert_refused(over_request_limit, 413, code="request_too_large")
    assert "larger than 1 MB" in over_request_limit.json()["error"]["message"]
    assert not Message.objects.exists()


def test_a_page_that_is_not_an_api_page_keeps_its_own_error_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_api_server_error_is_openai_shaped_too(rf):
    """Whatever answers in HTML under /api/ (here Django's 500 page) is rewritten; a 500 has no
    view to provoke it, so the middleware is called around one."""
    from django.http import HttpResponseServerError

    from kaiu.http import EdgeMiddleware

    edge = EdgeMiddleware(lambda request: HttpResponseServerError("<h1>Server Error (500)</h1>"))
    response = edge(rf.get("/api/v1/models"))
    assert response.status_code == 500
    error = json.loads(response.content)["error"]
    assert (error["type"], error["code"]) == ("api_error", "server_error")
    assert edge(rf.get("/app/"))["Content-Type"].startswith("text/html")
