"""A WhatsApp conversation driven in Meta's format: questions answered by the shared reply
flow and sent through the (fake) Graph API, what the bot cannot read answered politely, a
conversation with a person left alone, and the number linking the shop's customer."""

import json
import time
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chat.models import Conversation, Message
from chat.whatsapp.models import WhatsAppInbound, WhatsAppOutbound
from commerce import services
from commerce.models import Customer
from commerce.services import OrderLine
from tests.chat.conftest import product
from tests.chat.whatsapp.conftest import (
    ACCESS_TOKEN,
    CUSTOMER,
    PHONE_NUMBER_ID,
    change,
    connect,
    delivery,
    sign,
    text,
)

pytestmark = pytest.mark.django_db


def test_a_customer_asks_and_the_answer_arrives_at_the_graph_api(shop_bot, fake_graph, post_webhook):
    connect(shop_bot)
    response = post_webhook(shop_bot, delivery([change([text("wamid.Q1", "¿Cuánto tarda el envío a Cali?")])]))
    assert response.status_code == 200
    request = fake_graph.requests[-1]
    assert request["path"] == f"/v21.0/{PHONE_NUMBER_ID}/messages"
    assert request["headers"]["authorization"] == f"Bearer {ACCESS_TOKEN}"
    body = request["body"]
    assert (body["messaging_product"], body["to"], body["type"]) == ("whatsapp", CUSTOMER, "text")
    answer = body["text"]["body"]
    assert "3 a 5 días" in answer
    assert "[1]" not in answer  # citations become a source line
    assert answer.endswith("Fuente: Políticas de la tienda")
    conversation = Conversation.objects.get()
    assert (conversation.channel, conversation.visitor_id, conversation.phone) == ("WHATSAPP", CUSTOMER,
                                                                                    "+573001234567")
    assert [m.role for m in conversation.messages.all()] == ["user", "assistant"]
    sent = WhatsAppOutbound.objects.get()
    assert (sent.state, sent.wamid, sent.message.role) == ("SENT", "wamid.OUT0001", "assistant")

    # A follow-up in the same conversation.
    post_webhook(shop_bot, delivery([change([text("wamid.Q2", "¿Y qué medios de pago aceptan?")])]))
    assert "Nequi" in fake_graph.texts[-1]
    assert Conversation.objects.get().message_count == 4


@pytest.mark.parametrize(("message", "stored", "reply"), [
    ({"type": "image", "image": {"id": "1479537139650973", "mime_type": "image/jpeg", "sha256": "abc",
                                 "caption": "¿Tienen este?"}},
     "[image] ¿Tienen este?", "imagen"),
    ({"type": "audio", "audio": {"id": "7766", "mime_type": "audio/ogg; codecs=opus", "voice": True}},
     "[audio]", "audio"),
    ({"type": "location", "location": {"latitude": 4.6097, "longitude": -74.0817, "name": "Oficina",
                                       "address": "Calle 85 # 12-30, Bogotá"}},
     "[location] 4.6097, -74.0817 — Oficina, Calle 85 # 12-30, Bogotá", "ubicación"),
    ({"type": "sticker", "sticker": {"id": "5544", "mime_type": "image/webp", "animated": False}},
     "[sticker]", "texto"),
    ({"type": "unsupported", "errors": [{"code": 131051, "title": "Message type unknown"}]},
     "[unsupported]", "solo puedo leer mensajes de texto"),
])
def test_what_the_bot_cannot_read_is_stored_and_answered_politely(wa_bot, fake_graph, post_webhook, message,
                                                                  stored, reply):
    raw = {"from": CUSTOMER, "id": "wamid.M1", "timestamp": str(int(time.time())), **message}
    post_webhook(wa_bot, delivery([change([raw])]))
    inbound = WhatsAppInbound.objects.get()
    assert inbound.type == message["type"]
    assert inbound.state == "DONE"
    if message["type"] in ("image", "audio", "sticker"):
        assert inbound.media["id"] == message[message["type"]]["id"]
    if message["type"] == "location":
        assert (inbound.media["latitude"], inbound.media["longitude"]) == (4.6097, -74.0817)
    assert inbound.message.content == stored
    assert reply in fake_graph.texts[-1]
    assert [m.role for m in Conversation.objects.get().messages.all()] == ["user", "assistant"]


def test_the_polite_reply_is_in_the_bots_language(bot, fake_graph, post_webhook):
    bot.language = "en"
    bot.save()
    connect(bot)
    raw = {"from": CUSTOMER, "id": "wamid.M1", "timestamp": str(int(time.time())), "type": "image",
           "image": {"id": "1", "mime_type": "image/jpeg"}}
    post_webhook(bot, delivery([change([raw])]))
    assert fake_graph.texts == ["Thanks for the picture! For now I can only read text messages: could you type "
                                "your question?"]


def test_a_reaction_is_kept_quiet(wa_bot, fake_graph, post_webhook):
    raw = {"from": CUSTOMER, "id": "wamid.R1", "timestamp": "1764700000", "type": "reaction",
           "reaction": {"message_id": "wamid.OUT0001", "emoji": "👍"}}
    post_webhook(wa_bot, delivery([change([raw])]))
    assert WhatsAppInbound.objects.get().note == "nothing to answer"
    assert not fake_graph.requests


def test_a_conversation_a_person_has_gets_no_bot_reply(wa_bot, fake_graph, post_webhook):
    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Hola")])]))
    assert len(fake_graph.requests) == 1
    Conversation.objects.update(is_bot_active=False, handover_reason="asked for a person")
    post_webhook(wa_bot, delivery([change([text("wamid.Q2", "¿Sigues ahí?")])]))
    image = {"from": CUSTOMER, "id": "wamid.Q3", "timestamp": str(int(time.time())),
             "type": "image", "image": {"id": "1", "mime_type": "image/jpeg"}}
    post_webhook(wa_bot, delivery([change([image])]))
    assert len(fake_graph.requests) == 1  # nothing more from the bot
    conversation = Conversation.objects.get()
    assert [m.content for m in conversation.messages.filter(role="user")] == ["Hola", "¿Sigues ahí?", "[image]"]
    assert set(WhatsAppInbound.objects.exclude(wamid="wamid.Q1").values_list("note", flat=True)) == {
        "handed over: no bot reply"}


# --- Customers ----------------------------------------------------------------------------


def test_a_new_number_becomes_a_customer_named_from_the_profile(wa_bot, fake_graph, post_webhook):
    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Hola")], name="Ana Gómez", user_id="CO.1234567890")]))
    customer = Customer.objects.get()
    assert (customer.tenant_id, customer.name, customer.phone, customer.whatsapp_id) == (
        wa_bot.tenant_id, "Ana Gómez", "+573001234567", "CO.1234567890")
    assert Conversation.objects.get().customer == customer


def test_a_known_customer_is_linked_and_keeps_the_name_staff_gave(wa_bot, fake_graph, post_webhook):
    known = services.customer_upsert(tenant=wa_bot.tenant, name="Laura Méndez", phone="+57 300 123 4567")
    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Hola")], name="Lau ✨")]))
    assert Customer.objects.get() == known
    known.refresh_from_db()
    assert (known.name, known.whatsapp_id) == ("Laura Méndez", CUSTOMER)
    assert Conversation.objects.get().customer == known


def test_the_business_scoped_id_finds_the_customer_when_the_number_changed(wa_bot, fake_graph, post_webhook):
    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Hola")], user_id="CO.777")]))
    post_webhook(wa_bot, delivery([change([text("wamid.Q2", "Hola de nuevo", wa_id="573115550000")],
                                          wa_id="573115550000", user_id="CO.777")]))
    assert Customer.objects.count() == 1
    assert Conversation.objects.filter(customer=Customer.objects.get()).count() == 2


def test_the_same_number_is_a_different_customer_in_each_business(wa_bot, other_bot, fake_graph, post_webhook):
    connect(other_bot, phone_number_id="999000111", secret="beta-secret")
    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Hola")])]))
    payload = delivery([change([text("wamid.Q2", "Hola")], phone_number_id="999000111")])
    post_webhook(other_bot, payload, signature=sign(json.dumps(payload).encode(), secret="beta-secret"))
    assert Customer.objects.filter(phone="+573001234567").count() == 2
    for bot in (wa_bot, other_bot):
        conversation = Conversation.objects.get(bot=bot)
        assert conversation.customer.tenant_id == bot.tenant_id


def test_an_order_status_over_whatsapp_is_verified_by_the_number_itself(store_bot, fake_graph, post_webhook):
    connect(store_bot)
    tenant = store_bot.tenant
    customer = services.customer_upsert(tenant=tenant, name="Laura Méndez", phone="300 123 4567")
    address = services.address_add(customer=customer, line1="Calle 85 # 12-30", city="Bogotá")
    order = services.order_place(tenant=tenant, lines=[OrderLine(product(tenant, "AE-LAV-10").pk, 1)],
                                 customer=customer, address=address, payment_method="COD")
    post_webhook(store_bot, delivery([change([text("wamid.Q1", f"¿Dónde está mi pedido {order.number}?")])]))
    assert f"Tu pedido {order.number} está: recibido" in fake_graph.texts[-1]
    # Another number asking for the same order learns nothing.
    stranger = "573119990000"
    post_webhook(store_bot, delivery([change([text("wamid.Q2", f"¿Dónde está mi pedido {order.number}?",
                                                   wa_id=stranger)], wa_id=stranger)]))
    assert "recibido" not in fake_graph.texts[-1]
    assert "No encuentro un pedido" in fake_graph.texts[-1]
    assert Message.objects.filter(role="assistant").count() == 2


def test_a_whatsapp_customer_asks_for_a_person_an_agent_replies_from_the_inbox_and_the_bot_answers_again(
        shop_bot, owner, fake_graph, post_webhook, django_capture_on_commit_callbacks):
    connect(shop_bot)
    post_webhook(shop_bot, delivery([change([text("wamid.Q1", "¿Aceptan Nequi?")])]))
    assert "Nequi" in fake_graph.texts[-1]

    post_webhook(shop_bot, delivery([change([text("wamid.Q2", "Quiero hablar con un asesor")])]))
    assert "persona" in fake_graph.texts[-1]  # told a person will reply, in Spanish
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.is_bot_active, conversation.handover_code) == (
        "HANDED_OVER", False, "asked")
    post_webhook(shop_bot, delivery([change([text("wamid.Q3", "Es por un pedido")])]))
    sent_before = len(fake_graph.requests)  # the bot stays quiet while a person has it

    agent = Client()
    agent.force_login(owner)
    listing = agent.get("/app/inbox/").content.decode()
    assert "Ana Gómez" in listing  # the customer, named from the WhatsApp profile
    assert "WhatsApp" in listing
    page = agent.get(f"/app/inbox/{conversation.pk}/").content.decode()
    assert "Sent to the customer&#x27;s WhatsApp" in page or "Sent to the customer's WhatsApp" in page
    with django_capture_on_commit_callbacks(execute=True):
        agent.post(f"/app/inbox/{conversation.pk}/reply/", {"text": "Hola, soy Marta. ¿Qué pedido es?"})
    assert len(fake_graph.requests) == sent_before + 1
    assert fake_graph.texts[-1] == "Hola, soy Marta. ¿Qué pedido es?"
    assert "WhatsApp: sent" in agent.get(f"/app/inbox/{conversation.pk}/").content.decode()

    agent.post(f"/app/inbox/{conversation.pk}/resolve/")
    post_webhook(shop_bot, delivery([change([text("wamid.Q4", "¿Cuánto tarda el envío a Cali?")])]))
    assert "3 a 5 días" in fake_graph.texts[-1]


def test_outside_the_window_an_agent_reply_is_refused_and_a_template_goes_instead(
        wa_bot, owner, fake_graph, post_webhook, django_capture_on_commit_callbacks):
    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Quiero hablar con una persona")])]))
    conversation = Conversation.objects.get()
    Conversation.objects.filter(pk=conversation.pk).update(window_expires_at=timezone.now() - timedelta(minutes=1))
    sent_before = len(fake_graph.requests)
    agent = Client()
    agent.force_login(owner)
    page = agent.get(f"/app/inbox/{conversation.pk}/").content.decode()
    assert "WhatsApp allows no free-form reply now" in page
    assert "Send template" in page

    response = agent.post(f"/app/inbox/{conversation.pk}/reply/", {"text": "¿Sigues ahí?"}, follow=True)
    assert "only an approved template" in response.content.decode()
    assert not Message.objects.filter(conversation=conversation, role="agent").exists()  # nothing stored

    with django_capture_on_commit_callbacks(execute=True):
        agent.post(f"/app/inbox/{conversation.pk}/template/",
                   {"name": "seguimiento_pedido", "language": "es", "params": "Ana\n1042"})
    assert len(fake_graph.requests) == sent_before + 1
    body = fake_graph.requests[-1]["body"]
    assert body["type"] == "template"
    assert body["template"]["name"] == "seguimiento_pedido"
    assert Message.objects.filter(conversation=conversation, role="agent", origin="template").exists()


def test_a_message_whose_task_was_lost_is_answered_by_the_sweeper(wa_bot, fake_graph, post_webhook,
                                                                  django_capture_on_commit_callbacks):
    import datetime as dt

    from django.utils import timezone

    from chat.whatsapp.inbound import inbound_sweep

    post_webhook(wa_bot, delivery([change([text("wamid.Q1", "Hola")])]), run_worker=False)  # the task never ran
    WhatsAppInbound.objects.update(created_at=timezone.now() - dt.timedelta(minutes=2))
    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_sweep() == 1
    assert WhatsAppInbound.objects.get().state == "DONE"
    assert len(fake_graph.requests) == 1


def test_an_order_over_whatsapp_takes_the_phone_from_the_number(store_bot, fake_graph, post_webhook):
    connect(store_bot)
    for n, said in enumerate(["Quiero pedir aceite de lavanda de 10 ml", "2", "Me llamo Laura Méndez", "Bogotá",
                              "Calle 85 # 12-30, apto 402", "Sí, confirmo"]):
        post_webhook(store_bot, delivery([change([text(f"wamid.O{n}", said)])]))
        if said == "Me llamo Laura Méndez":
            assert "ciudad" in fake_graph.texts[-1]  # no phone asked
    order = store_bot.tenant.orders.get()
    assert order.customer_snapshot["phone"] == "+573001234567"
    assert order.customer == Conversation.objects.get().customer
