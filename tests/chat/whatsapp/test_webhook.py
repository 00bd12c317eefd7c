"""The webhook Meta calls: the verification handshake, the signature over the raw body,
Meta's payload shape (several entries in one delivery) and repeated deliveries."""

import json
import threading

import pytest
from django.db import connection

from chat.models import Conversation, Message
from chat.whatsapp.inbound import delivery_store
from chat.whatsapp.models import WhatsAppInbound, WhatsAppOutbound
from chat.whatsapp.payload import delivery_parse
from tests.chat.whatsapp.conftest import (
    APP_SECRET,
    PHONE_NUMBER_ID,
    VERIFY_TOKEN,
    change,
    connect,
    delivery,
    sign,
    status,
    text,
)

pytestmark = pytest.mark.django_db


def test_the_handshake_echoes_the_challenge_for_the_right_token(client, wa_bot):
    url = f"/whatsapp/{wa_bot.public_id}/webhook"
    response = client.get(url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN,
                                "hub.challenge": "1158201444"})
    assert response.status_code == 200
    assert response.content == b"1158201444"
    for params in ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
                   {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
                   {"hub.challenge": "1"}):
        assert client.get(url, params).status_code == 403


def test_a_bot_without_whatsapp_has_no_webhook(client, bot):
    assert client.get(f"/whatsapp/{bot.public_id}/webhook", {"hub.mode": "subscribe"}).status_code == 404
    assert client.post(f"/whatsapp/{bot.public_id}/webhook", data=b"{}",
                       content_type="application/json").status_code == 404


@pytest.mark.parametrize("signature", [False, "sha256=" + "0" * 64, "sha1=abc", "", "deadbeef"])
def test_a_bad_or_missing_signature_is_401_and_nothing_is_stored(wa_bot, post_webhook, fake_graph, signature):
    payload = delivery([change([text("wamid.A1", "Hola")])])
    response = post_webhook(wa_bot, payload, signature=signature)
    assert response.status_code == 401
    assert not WhatsAppInbound.objects.exists()
    assert not Conversation.objects.exists()
    assert not fake_graph.requests


def test_a_body_signed_with_another_secret_or_changed_after_signing_is_refused(wa_bot, post_webhook):
    payload = delivery([change([text("wamid.A1", "Hola")])])
    body = json.dumps(payload).encode()
    assert post_webhook(wa_bot, payload, signature=sign(body, secret="another-apps-secret")).status_code == 401
    assert post_webhook(wa_bot, payload, signature=sign(body + b" ")).status_code == 401
    assert not WhatsAppInbound.objects.exists()


def test_a_client_guessing_signatures_is_slowed_down_and_meta_is_not(wa_bot, post_webhook, fake_graph):
    from chat.whatsapp.webhook import BAD_SIGNATURES_PER_MINUTE

    payload = delivery([change([text("wamid.A1", "Hola")])])
    statuses = [post_webhook(wa_bot, payload, signature="sha256=" + "0" * 64).status_code
                for _ in range(BAD_SIGNATURES_PER_MINUTE + 1)]
    assert statuses == [401] * BAD_SIGNATURES_PER_MINUTE + [429]
    assert post_webhook(wa_bot, payload).status_code == 200  # a signed call still goes through
    assert WhatsAppInbound.objects.count() == 1


def test_the_request_stores_and_returns_without_answering_or_sending(wa_bot, post_webhook, fake_graph,
                                                                     django_capture_on_commit_callbacks):
    response = post_webhook(wa_bot, delivery([change([text("wamid.A1", "Hola")])]), run_worker=False)
    assert response.status_code == 200
    inbound = WhatsAppInbound.objects.get()
    assert (inbound.state, inbound.text, inbound.wa_from) == ("RECEIVED", "Hola", "573001234567")
    assert not fake_graph.requests  # the answer is the worker's job
    assert not Message.objects.exists()
    assert len(response.callbacks) == 1  # the worker's task, queued once the request commits
    with django_capture_on_commit_callbacks(execute=True):
        response.callbacks[0]()  # the worker
    inbound.refresh_from_db()
    assert inbound.state == "DONE"
    assert len(fake_graph.requests) == 1


def test_several_entries_and_changes_in_one_delivery_are_all_stored(wa_bot, post_webhook, fake_graph):
    payload = delivery([change([text("wamid.A1", "Hola")])],
                       [change([text("wamid.B1", "Hi", wa_id="573009998877")], wa_id="573009998877", name="Bea"),
                        change([text("wamid.B2", "¿Horario?")])])
    assert post_webhook(wa_bot, payload).status_code == 200
    assert set(WhatsAppInbound.objects.values_list("wamid", flat=True)) == {"wamid.A1", "wamid.B1", "wamid.B2"}
    assert set(Conversation.objects.values_list("visitor_id", flat=True)) == {"573001234567", "573009998877"}
    assert WhatsAppInbound.objects.filter(state="DONE").count() == 3
    assert len(fake_graph.requests) == 3


def test_the_same_message_delivered_twice_is_answered_once(wa_bot, post_webhook, fake_graph):
    payload = delivery([change([text("wamid.A1", "Hola")])])
    assert post_webhook(wa_bot, payload).status_code == 200
    assert post_webhook(wa_bot, payload).status_code == 200  # Meta retries when it missed our 200
    assert WhatsAppInbound.objects.count() == 1
    assert Message.objects.filter(role="user").count() == 1
    assert len(fake_graph.requests) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_message_delivered_twice_at_the_same_moment_is_stored_once(bot, fake_graph, settings):
    account = connect(bot)
    body = delivery([change([{"from": "573001234567", "id": "wamid.SAME", "timestamp": "1764700000",
                              "type": "sticker", "sticker": {"id": "9988", "mime_type": "image/webp"}}])])
    barrier, stored, errors = threading.Barrier(4), [], []

    def deliver():
        try:
            barrier.wait()
            stored.extend(delivery_store(account, delivery_parse(body)))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(stored) == 1
    assert WhatsAppInbound.objects.filter(wamid="wamid.SAME").count() == 1
    assert Conversation.objects.filter(bot=bot).count() == 1


def test_a_change_for_another_tenants_number_is_not_taken(wa_bot, other_bot, post_webhook, fake_graph):
    connect(other_bot, phone_number_id="999000111")
    payload = delivery([change([text("wamid.X", "Hola")], phone_number_id="999000111")])
    assert post_webhook(wa_bot, payload).status_code == 200
    assert not WhatsAppInbound.objects.exists()
    assert not Conversation.objects.filter(bot=other_bot).exists()


def test_a_switched_off_number_acknowledges_and_drops(wa_bot, post_webhook, fake_graph):
    wa_bot.whatsapp.is_enabled = False
    wa_bot.whatsapp.save()
    assert post_webhook(wa_bot, delivery([change([text("wamid.A1", "Hola")])])).status_code == 200
    assert not WhatsAppInbound.objects.exists()


def test_delivery_statuses_are_recorded_and_never_go_back(wa_bot, post_webhook, fake_graph):
    post_webhook(wa_bot, delivery([change([text("wamid.A1", "Hola")])]))
    sent = WhatsAppOutbound.objects.get()
    assert (sent.state, sent.wamid) == ("SENT", "wamid.OUT0001")
    post_webhook(wa_bot, delivery([change(statuses=[status(sent.wamid, "delivered"), status(sent.wamid, "read")])]))
    sent.refresh_from_db()
    assert sent.state == "READ"
    post_webhook(wa_bot, delivery([change(statuses=[status(sent.wamid, "delivered")])]))  # late
    sent.refresh_from_db()
    assert sent.state == "READ"
    failure = [{"code": 131047, "title": "Re-engagement message",
                "error_data": {"details": "Message failed to send because more than 24 hours have passed"}}]
    post_webhook(wa_bot, delivery([change(statuses=[status(sent.wamid, "failed", errors=failure)])]))
    sent.refresh_from_db()
    assert (sent.state, sent.error_code) == ("FAILED", "131047")
    assert "24 hours" in sent.error


def test_statuses_of_another_tenants_messages_are_ignored(wa_bot, other_bot, post_webhook, fake_graph):
    connect(other_bot, phone_number_id="999000111", secret=APP_SECRET)
    post_webhook(other_bot, delivery([change([text("wamid.B1", "Hola")], phone_number_id="999000111")]))
    theirs = WhatsAppOutbound.objects.get()
    post_webhook(wa_bot, delivery([change(statuses=[status(theirs.wamid, "failed")],
                                          phone_number_id=PHONE_NUMBER_ID)]))
    theirs.refresh_from_db()
    assert theirs.state == "SENT"
