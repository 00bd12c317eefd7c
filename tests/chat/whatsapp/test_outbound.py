"""What goes out: the customer-service window (24 h, 72 h from a free entry point), agents'
replies and templates, long answers in parts, and sends retried with backoff on passing
failures (5xx, 429, timeouts) but not on Meta's refusals."""

import datetime as dt
import time

import pytest
from django.utils import timezone

from chat.models import Conversation, Message
from chat.whatsapp.models import WhatsAppInbound, WhatsAppOutbound
from chat.whatsapp.outbound import (
    OUTSIDE_WINDOW,
    WhatsAppError,
    outbound_flush,
    outbound_queue_text,
    outbound_sweep,
    whatsapp_agent_send,
    whatsapp_delivery_for_messages,
    whatsapp_template_send,
    whatsapp_window_open,
)
from tests.chat.whatsapp.conftest import change, delivery, text
from tests.fakes.graph_server import graph_error

pytestmark = pytest.mark.django_db

HOUR = 3600


def conversation_after(post_webhook, bot, *, hours_ago=0, referral=None, wamid="wamid.Q1"):
    """The conversation a customer opened `hours_ago` (the message's own timestamp, as Meta
    sends it when it delivers late)."""
    post_webhook(bot, delivery([change([text(wamid, "Hola", at=time.time() - hours_ago * HOUR,
                                             referral=referral)])]))
    return Conversation.objects.get()


def test_the_window_is_24_hours_from_the_customers_last_message(wa_bot, post_webhook):
    conversation = conversation_after(post_webhook, wa_bot, hours_ago=23)
    assert whatsapp_window_open(conversation)
    assert not whatsapp_window_open(conversation, at=timezone.now() + dt.timedelta(hours=1, minutes=1))
    assert abs((conversation.window_expires_at - timezone.now()).total_seconds() - HOUR) < 60


def test_a_message_older_than_24_hours_gets_no_free_form_reply_and_says_why(wa_bot, post_webhook, fake_graph):
    conversation = conversation_after(post_webhook, wa_bot, hours_ago=25)
    assert not whatsapp_window_open(conversation)
    assert not fake_graph.requests
    refused = WhatsAppOutbound.objects.get()
    assert (refused.state, refused.error) == ("REFUSED", OUTSIDE_WINDOW)
    assert WhatsAppInbound.objects.get().note == OUTSIDE_WINDOW
    assert conversation.messages.filter(role="assistant").exists()  # the answer is kept for the agent


def test_a_free_entry_point_opens_72_hours(wa_bot, post_webhook, fake_graph):
    ad = {"source_url": "https://fb.me/abc", "source_id": "120208", "source_type": "ad", "headline": "Aceites",
          "ctwa_clid": "ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRM"}
    conversation = conversation_after(post_webhook, wa_bot, hours_ago=50, referral=ad)
    assert whatsapp_window_open(conversation)
    assert WhatsAppInbound.objects.get().referral["ctwa_clid"].startswith("ARAk")
    assert WhatsAppOutbound.objects.get().state == "SENT"
    # A later ordinary message does not shorten the 72 hours.
    post_webhook(wa_bot, delivery([change([text("wamid.Q2", "¿Y?", at=time.time() - 30 * HOUR)])]))
    conversation.refresh_from_db()
    assert conversation.window_expires_at > timezone.now() + dt.timedelta(hours=21)


def test_an_agent_reply_goes_out_inside_the_window_and_is_refused_outside(wa_bot, post_webhook, fake_graph,
                                                                          django_capture_on_commit_callbacks):
    conversation = conversation_after(post_webhook, wa_bot)
    agent_message = Message.objects.create(conversation=conversation, role="agent", content="Hola, soy Marta.")
    with django_capture_on_commit_callbacks(execute=True):
        rows = whatsapp_agent_send(agent_message)
    assert [row.pk for row in rows] == [WhatsAppOutbound.objects.get(message=agent_message).pk]
    assert fake_graph.texts[-1] == "Hola, soy Marta."
    assert whatsapp_delivery_for_messages([agent_message.pk])[agent_message.pk][0] == "SENT"

    Conversation.objects.update(window_expires_at=timezone.now() - dt.timedelta(minutes=1))
    conversation.refresh_from_db()
    late = Message.objects.create(conversation=conversation, role="agent", content="¿Sigues ahí?")
    with pytest.raises(WhatsAppError, match="24 hours"):
        whatsapp_agent_send(late)
    assert not WhatsAppOutbound.objects.filter(message=late).exists()


def test_a_template_goes_out_even_outside_the_window(wa_bot, post_webhook, fake_graph, owner,
                                                     django_capture_on_commit_callbacks):
    conversation = conversation_after(post_webhook, wa_bot, hours_ago=30)
    with django_capture_on_commit_callbacks(execute=True):
        message = whatsapp_template_send(conversation, "order_update", "es", ["Ana", "1042"], owner)
    body = fake_graph.sent[-1]
    assert body["type"] == "template"
    assert body["template"] == {"name": "order_update", "language": {"code": "es"}, "components": [
        {"type": "body", "parameters": [{"type": "text", "text": "Ana"}, {"type": "text", "text": "1042"}]}]}
    assert (message.role, message.content) == ("agent", "[order_update] Ana · 1042")
    assert WhatsAppOutbound.objects.get(message=message).state == "SENT"
    with pytest.raises(WhatsAppError):
        whatsapp_template_send(conversation, "", "es", [], owner)


def test_a_message_whose_window_closed_while_it_waited_is_not_sent(wa_bot, post_webhook, fake_graph):
    conversation = conversation_after(post_webhook, wa_bot)
    fake_graph.requests.clear()
    rows = outbound_queue_text(conversation=conversation, text="Más tarde")
    Conversation.objects.update(window_expires_at=timezone.now() - dt.timedelta(seconds=1))
    outbound_flush(conversation.pk)
    rows[0].refresh_from_db()
    assert (rows[0].state, rows[0].error) == ("REFUSED", OUTSIDE_WINDOW)
    assert not fake_graph.requests


# --- Retries ------------------------------------------------------------------------------


def test_a_5xx_is_retried_with_backoff_and_then_sent(wa_bot, post_webhook, fake_graph, settings):
    settings.WHATSAPP_RETRY_BASE_SECONDS = 30
    fake_graph.failures = [graph_error(503, "Service temporarily unavailable", 2),
                           graph_error(429, "Too many calls", 80007)]
    conversation = conversation_after(post_webhook, wa_bot)
    row = WhatsAppOutbound.objects.get()
    assert (row.state, row.attempts, row.error_code) == ("QUEUED", 1, "2")
    assert 25 < (row.next_attempt_at - timezone.now()).total_seconds() <= 30  # base × 2^0
    assert outbound_sweep() == 0  # not due yet
    WhatsAppOutbound.objects.update(next_attempt_at=timezone.now())
    assert outbound_sweep() == 0  # the 429 is a passing failure too
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("QUEUED", 2)
    assert 55 < (row.next_attempt_at - timezone.now()).total_seconds() <= 60  # base × 2^1
    WhatsAppOutbound.objects.update(next_attempt_at=timezone.now())
    assert outbound_sweep() == 1
    row.refresh_from_db()
    assert (row.state, row.attempts, row.wamid) == ("SENT", 2, "wamid.OUT0003")
    assert len(fake_graph.requests) == 3
    assert all(r["body"] == fake_graph.requests[0]["body"] for r in fake_graph.requests)
    assert conversation.pk == row.conversation_id


def test_a_4xx_is_not_retried(wa_bot, post_webhook, fake_graph):
    fake_graph.failures = [graph_error(400, "(#131030) Recipient phone number not in allowed list", 131030,
                                       "Recipient phone number not in allowed list")]
    conversation_after(post_webhook, wa_bot)
    row = WhatsAppOutbound.objects.get()
    assert (row.state, row.attempts, row.error_code) == ("FAILED", 1, "131030")
    assert "not in allowed list" in row.error
    assert outbound_sweep() == 0
    assert len(fake_graph.requests) == 1


def test_it_gives_up_after_the_last_attempt(wa_bot, post_webhook, fake_graph, settings):
    settings.WHATSAPP_SEND_MAX_ATTEMPTS = 3
    fake_graph.failures = [graph_error(500, "Internal error", 1)] * 5
    conversation_after(post_webhook, wa_bot)
    outbound_sweep()
    outbound_sweep()
    row = WhatsAppOutbound.objects.get()
    assert (row.state, row.attempts) == ("FAILED", 3)
    assert len(fake_graph.requests) == 3


def test_a_timeout_is_retried(wa_bot, post_webhook, fake_graph, settings):
    settings.WHATSAPP_TIMEOUT_SECONDS = 0.2
    fake_graph.failures = [0.6]  # seconds the first answer takes
    conversation_after(post_webhook, wa_bot)
    row = WhatsAppOutbound.objects.get()
    assert (row.state, row.error) == ("QUEUED", "The Graph API did not answer in time.")
    outbound_sweep()
    row.refresh_from_db()
    assert row.state == "SENT"


def test_a_send_whose_worker_died_is_sent_by_the_sweeper(wa_bot, post_webhook, fake_graph):
    conversation = conversation_after(post_webhook, wa_bot)
    fake_graph.requests.clear()
    rows = outbound_queue_text(conversation=conversation, text="Perdido")  # queued, its task never ran
    WhatsAppOutbound.objects.filter(pk=rows[0].pk).update(
        state="SENDING", claimed_at=timezone.now() - dt.timedelta(minutes=3))
    assert outbound_sweep() == 1
    assert fake_graph.texts == ["Perdido"]


def test_the_parts_of_a_long_answer_go_out_in_order(wa_bot, post_webhook, fake_graph,
                                                    django_capture_on_commit_callbacks):
    conversation = conversation_after(post_webhook, wa_bot)
    fake_graph.requests.clear()
    paragraphs = [f"Párrafo {n}. " + "Una frase de relleno para el texto largo. " * 40 for n in range(1, 7)]
    with django_capture_on_commit_callbacks(execute=True):
        rows = outbound_queue_text(conversation=conversation, text="\n\n".join(paragraphs))
    assert len(rows) > 1
    assert all(len(body) <= 4096 for body in fake_graph.texts)
    assert all(body.startswith("Párrafo ") for body in fake_graph.texts)  # cut between paragraphs
    assert " ".join(fake_graph.texts).split() == "\n\n".join(paragraphs).split()
    assert [row.part for row in WhatsAppOutbound.objects.filter(conversation=conversation, message=None)] == list(
        range(1, len(rows) + 1))


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_workers_flushing_one_conversation_at_once_send_each_part_once_in_order(bot, fake_graph):
    import threading

    from django.db import connection

    from chat.services import conversation_start
    from tests.chat.whatsapp.conftest import connect

    account = connect(bot)
    conversation = conversation_start(bot=bot, channel="WHATSAPP", visitor_id="573001234567")
    Conversation.objects.filter(pk=conversation.pk).update(window_expires_at=timezone.now() + dt.timedelta(hours=1))
    WhatsAppOutbound.objects.bulk_create([
        WhatsAppOutbound(tenant_id=bot.tenant_id, account=account, conversation=conversation, to="573001234567",
                         part=n, body=f"parte {n}") for n in range(1, 7)])
    barrier, errors = threading.Barrier(4), []

    def flush():
        try:
            barrier.wait()
            outbound_flush(conversation.pk)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=flush) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert fake_graph.texts == [f"parte {n}" for n in range(1, 7)]
    assert set(WhatsAppOutbound.objects.values_list("state", flat=True)) == {"SENT"}
