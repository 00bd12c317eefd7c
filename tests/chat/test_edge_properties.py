"""Property tests over every public JSON endpoint of the chat and the API: whatever the body,
query or path (NUL bytes, lone surrogates, deep nesting, bytes that are not UTF-8, fields of
the wrong type), the answer is never a 500, and the rows stay consistent: a refusal changes
nothing; a success stores exactly what it says (a question and its answer, one rating).

Each test sends its examples through Django's test client to the real database, in one
transaction per test; few examples each so the suite stays fast."""

import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from chat.models import Conversation, Feedback, Message
from kaiu.accounts.services import api_key_create

pytestmark = pytest.mark.django_db

EXAMPLES = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
ORIGIN = {"HTTP_ORIGIN": "http://testserver"}

# --- Inputs -------------------------------------------------------------------------------

_characters = st.one_of(st.characters(), st.integers(0xD800, 0xDFFF).map(chr))  # with lone surrogates
awkward_text = st.one_of(
    st.text(_characters, max_size=30),
    st.sampled_from(["", " ", "¿Aceptan Nequi?", "null", "%00", "x" * 2001, "\u202eevil", "<script>alert(1)</script>"]),
    st.sampled_from(["\x00", "a\x00", "\ud800", "Hola\udfff"]),  # what PostgreSQL cannot store, often
)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | awkward_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(awkward_text, inner, max_size=3),
    max_leaves=8,
)
questions = st.sampled_from(["¿Aceptan Nequi?", "¿Cuánto tarda el envío a Cali?", "Hola"]) | awkward_text


DROP = object()


@st.composite
def variants(draw, valid: dict, alternatives: dict) -> dict:
    """`valid` with a field or two replaced (by a plausible alternative, anything JSON) or
    dropped, and maybe a field it does not know; shrinks towards the valid body."""
    body = dict(valid)
    for name in draw(st.lists(st.sampled_from(sorted(valid)), max_size=2, unique=True)):
        body[name] = draw(alternatives.get(name, st.nothing()) | json_values | st.just(DROP))
    body.update(draw(st.dictionaries(awkward_text, json_values, max_size=1)))
    return {name: value for name, value in body.items() if value is not DROP}


def bodies(valid: dict, **alternatives) -> st.SearchStrategy[bytes]:
    """Mostly the valid body or variants of it (they reach furthest); else any JSON at all,
    bytes that may not be JSON or UTF-8, or nesting up to 3,000 deep."""
    shaped = variants(valid, alternatives).map(lambda data: json.dumps(data).encode())
    anything = st.one_of(
        json_values.map(lambda data: json.dumps(data).encode()),
        st.binary(max_size=40),
        st.integers(1, 3000).map(lambda depth: b'{"message": ' + b"[" * depth + b"]" * depth + b"}"),
    )
    # anything.map(bytes): one branch of five, not three (one_of flattens a nested one_of)
    return st.one_of(st.just(json.dumps(valid).encode()), shaped, shaped, shaped, anything.map(bytes))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate becomes bytes that are not UTF-8


def queries(valid: dict, **alternatives) -> st.SearchStrategy[str]:
    """A query string: variants of the valid parameters, each value possibly any bytes at all."""
    raw = st.binary(max_size=12)
    values = awkward_text.map(_utf8) | raw

    def encode(params: dict) -> str:
        return "&".join(f"{quote_from_bytes(_utf8(str(name)), safe='')}="
                        f"{quote_from_bytes(value if isinstance(value, bytes) else _utf8(str(value)), safe='')}"
                        for name, value in params.items())

    return variants(valid, {name: alt | values for name, alt in alternatives.items()}).map(encode)


ids = st.uuids().map(str) | awkward_text
ratings = st.sampled_from([1, -1, "1", "-1", 0, 2, True, None, 1.0])

# --- Checks -------------------------------------------------------------------------------


def rows() -> dict:
    return {"conversations": Conversation.objects.count(), "messages": Message.objects.count(),
            "feedback": Feedback.objects.count()}


def refused_cleanly(response, before: dict) -> bool:
    """True when the request was refused, having checked that it was refused cleanly."""
    status = response.status_code
    assert status < 500, response.content[:300]
    if status < 400:
        event(f"HTTP {status}")  # --hypothesis-show-statistics: how far the examples went
        return False
    assert response["Content-Type"] == "application/json", response.content[:300]
    error = response.json()["error"]
    assert error["message"]
    event(f"HTTP {status} {error['code']}")
    assert rows() == before
    return True


def answered_in_full(response, before: dict, *, new_conversation: bool | None = None) -> None:
    """A question accepted: read to the end, it stored the question and its answer."""
    if response.streaming:
        assert b"".join(response.streaming_content)  # the answer is stored as the stream ends
    after = rows()
    assert after["messages"] == before["messages"] + 2
    grown = after["conversations"] - before["conversations"]
    assert grown in {True: (1,), False: (0,), None: (0, 1)}[new_conversation]
    assert after["feedback"] == before["feedback"]


def assert_no_change(response, before: dict) -> None:
    if not refused_cleanly(response, before):
        assert rows() == before


def rated(response, before: dict, message: Message, body: bytes) -> None:
    """A rating accepted is the body's, on the answer, replacing any earlier one; nothing else changed."""
    if refused_cleanly(response, before):
        return
    assert response.json() == {"ok": True}
    data = json.loads(body)
    assert Feedback.objects.get(message=message).rating == int(data["rating"])
    after = rows()
    assert after["conversations"] == before["conversations"]
    # A thumbs-down with a comment hands the conversation to a person, once: the bot says so.
    hands_over = int(data["rating"]) == -1 and str(data.get("comment", "")).strip()
    assert after["messages"] - before["messages"] in ((0, 1) if hands_over else (0,))
    assert after["feedback"] - before["feedback"] in (0, 1)


# --- Fixtures -----------------------------------------------------------------------------


@pytest.fixture
def open_limits(settings, shop_bot):
    settings.RATE_LIMIT_PER_IP_PER_MINUTE = settings.RATE_LIMIT_PER_CONVERSATION_PER_MINUTE = 100_000
    settings.RATE_LIMIT_PER_API_KEY_PER_MINUTE = 100_000
    return shop_bot


@pytest.fixture
def visit(open_limits, ask):
    """A public-page conversation with an answer: (bot, conversation, its answer)."""
    _, answer = ask(open_limits, "¿Aceptan Nequi?")
    return open_limits, answer.conversation, answer


@pytest.fixture
def api(client, tenant, owner, visit):
    """(client, headers with a valid key, bot, an answer of the tenant's)."""
    secret = api_key_create(tenant=tenant, name="Properties", created_by=owner).secret
    return client, {"HTTP_AUTHORIZATION": f"Bearer {secret}"}, visit[0], visit[2]


def post(client, path, body: bytes, **headers):
    return client.post(path, body, content_type="application/json", **headers)


# --- Public page and widget ---------------------------------------------------------------


def _visitor(conversation: Conversation) -> dict:
    return {"conversation": str(conversation.pk), "token": conversation.visitor_id}


@EXAMPLES
@given(data=st.data())
def test_public_messages_never_fail_or_lose_a_row(client, visit, data):
    bot, conversation, _ = visit
    body = data.draw(bodies({"message": "¿Aceptan Nequi?", **_visitor(conversation), "channel": "widget"},
                            message=questions, conversation=ids, token=awkward_text,
                            channel=st.sampled_from(["page", "api", "playground"])))
    before = rows()
    response = post(client, f"/c/{bot.public_id}/messages/", body, **ORIGIN)
    if not refused_cleanly(response, before):
        answered_in_full(response, before)


@EXAMPLES
@given(data=st.data())
def test_public_history_never_fails_or_changes_a_row(client, visit, data):
    bot, conversation, _ = visit
    query = data.draw(queries(_visitor(conversation), conversation=ids, token=awkward_text))
    before = rows()
    response = client.get(f"/c/{bot.public_id}/history/?{query}")
    assert_no_change(response, before)
    if response.status_code == 200:
        assert isinstance(response.json()["messages"], list)


@EXAMPLES
@given(data=st.data())
def test_public_feedback_never_fails_and_rates_only_an_answer(client, visit, data):
    bot, conversation, answer = visit
    question = conversation.messages.get(role=Message.Role.USER)
    body = data.draw(bodies({**_visitor(conversation), "message": str(answer.pk), "rating": -1, "comment": "Faltó"},
                            conversation=ids, token=awkward_text, message=st.just(str(question.pk)) | ids,
                            rating=ratings, comment=awkward_text))
    before = rows()
    response = post(client, f"/c/{bot.public_id}/feedback/", body, **ORIGIN)
    rated(response, before, answer, body)


# --- Playground ---------------------------------------------------------------------------


@pytest.fixture
def playground_visit(owner, open_limits, ask):
    """The owner's playground conversation with an answer: (bot, conversation, its answer)."""
    from chat.services import conversation_start

    conversation = conversation_start(bot=open_limits, channel="PLAYGROUND", visitor_id=f"user:{owner.pk}")
    _, answer = ask(open_limits, "¿Aceptan Nequi?", conversation=conversation)
    return open_limits, conversation, answer


@EXAMPLES
@given(data=st.data())
def test_playground_messages_never_fail_or_lose_a_row(owner_client, playground_visit, data):
    bot, conversation, _ = playground_visit
    body = data.draw(bodies({"message": "¿Aceptan Nequi?", "conversation": str(conversation.pk),
                             "prompt": str(bot.active_prompt_id)}, message=questions, conversation=ids, prompt=ids))
    before = rows()
    response = post(owner_client, f"/app/playground/{bot.public_id}/messages/", body)
    if not refused_cleanly(response, before):
        answered_in_full(response, before)


@EXAMPLES
@given(data=st.data())
def test_playground_history_and_feedback_never_fail(owner_client, playground_visit, data):
    bot, conversation, answer = playground_visit
    query = data.draw(queries({"conversation": str(conversation.pk)}, conversation=ids))
    before = rows()
    assert_no_change(owner_client.get(f"/app/playground/{bot.public_id}/history/?{query}"), before)
    body = data.draw(bodies({"conversation": str(conversation.pk), "message": str(answer.pk), "rating": 1},
                            conversation=ids, message=ids, rating=ratings, comment=awkward_text))
    response = post(owner_client, f"/app/playground/{bot.public_id}/feedback/", body)
    rated(response, before, answer, body)


# --- The API ------------------------------------------------------------------------------

roles = st.sampled_from(["user", "assistant", "system"])
contents = awkward_text | st.lists(st.fixed_dictionaries({"type": st.just("text") | awkward_text,
                                                          "text": awkward_text | json_values}), max_size=2)
turns = st.lists(st.fixed_dictionaries({"role": roles | json_values, "content": contents | json_values}), max_size=3)
path_segments = (st.binary(max_size=16) | awkward_text.map(_utf8)).map(lambda raw: quote_from_bytes(raw, safe=""))


def api_json(response) -> None:
    """Under /api/ every answer but a stream is JSON; an error in OpenAI's shape."""
    if response.streaming:
        assert response.status_code == 200
        return
    assert response["Content-Type"] == "application/json", response.content[:300]
    if response.status_code >= 400:
        assert {"message", "type", "param", "code"} <= set(response.json()["error"])


@EXAMPLES
@given(data=st.data())
def test_api_completions_never_fail_or_lose_a_row(api, data):
    client, headers, bot, _ = api
    question = [{"role": "user", "content": "¿Aceptan Nequi?"}]
    body = data.draw(bodies({"model": bot.public_id, "messages": question, "stream": False},
                            model=awkward_text, user=awkward_text, stream=st.booleans(),
                            messages=st.builds(lambda earlier, text: [*earlier, {"role": "user", "content": text}],
                                               turns, questions | contents) | turns,
                            n=st.sampled_from([1, 2, None, True]),
                            stream_options=st.fixed_dictionaries({"include_usage": st.booleans()})))
    before = rows()
    response = post(client, "/api/v1/chat/completions", body, **headers)
    api_json(response)
    if not refused_cleanly(response, before):
        answered_in_full(response, before, new_conversation=True)
        if not response.streaming:
            assert len(response.json()["choices"]) == 1


@EXAMPLES
@given(data=st.data())
def test_api_reads_never_fail_or_change_a_row(api, data):
    client, headers, bot, answer = api
    segment = data.draw(st.sampled_from([bot.public_id, str(answer.conversation_id)]) | path_segments)
    query = data.draw(queries({"bot": bot.public_id, "channel": "page", "page": "1"}, bot=awkward_text,
                              channel=st.sampled_from(["API", "widget"]) | awkward_text,
                              page=st.sampled_from(["2", "0", "-1", "99", "9" * 30, "²"]) | awkward_text))
    before = rows()
    for path in (f"/api/v1/models/{segment}", f"/api/v1/conversations/{segment}", f"/api/v1/models?{query}",
                 f"/api/v1/conversations?{query}"):
        response = client.get(path, **headers)
        api_json(response)
        assert_no_change(response, before)


@EXAMPLES
@given(data=st.data())
def test_api_feedback_never_fails_and_rates_only_an_answer(api, data):
    client, headers, _, answer = api
    question = answer.conversation.messages.get(role=Message.Role.USER)
    body = data.draw(bodies({"message": str(answer.pk), "rating": 1, "comment": "Bien"},
                            message=st.just(str(question.pk)) | ids, rating=ratings, comment=awkward_text))
    before = rows()
    response = post(client, "/api/v1/feedback", body, **headers)
    api_json(response)
    rated(response, before, answer, body)
