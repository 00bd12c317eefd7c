"""Where is my order: only a visitor who gives the phone or e-mail on the order learns
anything about it; wrong details and unknown numbers get the same reply; tries are limited."""

import pytest

from chat.models import Channel, Conversation
from chat.services import conversation_start
from commerce import services
from commerce.services import OrderLine
from tests.chat.conftest import product, shop_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped_order(store_bot):
    tenant = store_bot.tenant
    customer = services.customer_upsert(tenant=tenant, name="Laura Méndez", phone="300 123 4567",
                                        email="laura@example.com")
    address = services.address_add(customer=customer, line1="Calle 85 # 12-30", city="Bogotá")
    order = services.order_place(tenant=tenant, lines=[OrderLine(product(tenant, "AE-LAV-10").pk, 1)],
                                 customer=customer, address=address, payment_method="COD")
    for status in ("CONFIRMED", "PROCESSING", "READY_TO_SHIP", "PICKUP_REQUESTED"):
        order = services.order_transition(order=order, to_status=status)
    return services.order_transition(order=order, to_status="SHIPPED", carrier="Servientrega",
                                     tracking_number="7000123", tracking_url="https://track.example/7000123")


def new_conversation(bot, channel=Channel.PAGE):
    return conversation_start(bot=bot, channel=channel, visitor_id="visitor")


REVEALING = ("Servientrega", "7000123", "track.example", "enviado", "Laura", "45.900", "57.900")


def test_it_asks_for_the_phone_or_email_and_reveals_nothing_before(store_bot, shipped_order, say):
    text, message = say(new_conversation(store_bot), f"¿Dónde está mi pedido {shipped_order.number}?")
    assert "teléfono o el correo" in text
    assert not any(word in text for word in REVEALING)
    assert message.origin == "shop"


def test_the_right_phone_gives_status_carrier_and_tracking_link(store_bot, shipped_order, say):
    conversation = new_conversation(store_bot)
    say(conversation, f"¿dónde está mi pedido {shipped_order.number}?")
    text, _ = say(conversation, "3001234567")
    assert "enviado" in text
    assert "Servientrega" in text
    assert "7000123" in text
    assert "https://track.example/7000123" in text
    assert Conversation.objects.get(pk=conversation.pk).shop_state == {}


def test_the_right_email_in_the_same_message_is_enough(store_bot, shipped_order, say):
    text, _ = say(new_conversation(store_bot),
                  f"Estado del pedido #{shipped_order.number}, mi correo es LAURA@example.com")
    assert "Servientrega" in text


def test_wrong_details_and_an_unknown_order_get_the_same_reply(store_bot, shipped_order, say):
    replies = []
    for number, contact in ((shipped_order.number, "311 999 8888"), (shipped_order.number, "otra@example.com"),
                            (9042, "3001234567")):
        conversation = new_conversation(store_bot)
        asked, _ = say(conversation, f"¿Dónde está mi pedido {number}?")
        answer, message = say(conversation, contact)
        assert not any(word in asked + answer for word in REVEALING)
        assert not message.answered
        replies.append((asked.replace(str(number), "N"), answer.replace(str(number), "N")))
    assert len(set(replies)) == 1


def test_repeated_wrong_attempts_are_limited_even_with_the_right_details_after(store_bot, shipped_order, say):
    # Through the API: on the page the second miss hands over to a person (test_handover.py).
    conversation = new_conversation(store_bot, channel=Channel.API)
    say(conversation, f"¿Dónde está mi pedido {shipped_order.number}?")
    for attempt in range(5):
        say(conversation, f"31199988{attempt:02d}")
    text, _message = say(conversation, "3001234567")
    assert "demasiados intentos" in text.lower()
    assert not any(word in text for word in REVEALING)


def test_new_conversations_do_not_give_new_tries_at_the_same_order(store_bot, shipped_order, say):
    for attempt in range(10):
        conversation = new_conversation(store_bot)
        say(conversation, f"¿Dónde está mi pedido {shipped_order.number}? Mi teléfono es 31199988{attempt:02d}")
    text, _ = say(new_conversation(store_bot), f"¿Dónde está mi pedido {shipped_order.number}? Mi teléfono es "
                                                "300 123 4567")
    assert "demasiados intentos" in text.lower()
    assert "Servientrega" not in text


def test_without_a_number_it_asks_for_it_first(store_bot, shipped_order, say):
    conversation = new_conversation(store_bot)
    text, _ = say(conversation, "¿Dónde está mi pedido?")
    assert "número" in text
    text, _ = say(conversation, str(shipped_order.number))
    assert "teléfono o el correo" in text
    text, _ = say(conversation, "laura@example.com")
    assert "Servientrega" in text


def test_a_visitor_of_one_business_cannot_look_up_another_business_order(store_bot, shipped_order, other_tenant,
                                                                          say):
    shop_of(other_tenant)
    theirs = services.product_create(tenant=other_tenant, sku="B-1", name="Vela", price=10_000, stock=5)
    customer = services.customer_upsert(tenant=other_tenant, name="Otro Cliente", phone="3209998877",
                                        email="otro@example.com")
    address = services.address_add(customer=customer, line1="Calle 1 # 2-3", city="Bogotá")
    order_b = services.order_place(tenant=other_tenant, lines=[OrderLine(theirs.pk, 1)], customer=customer,
                                   address=address, payment_method="COD")
    order_b = services.order_transition(order=order_b, to_status="CANCELLED")
    conversation = new_conversation(store_bot)
    assert order_b.number == shipped_order.number  # numbers are per business: the same in both
    say(conversation, f"¿Dónde está mi pedido {order_b.number}?")
    text, message = say(conversation, "otro@example.com")
    assert "cancelado" not in text
    assert "Vela" not in text
    assert not message.answered


def test_a_bot_that_does_not_know_the_shop_answers_from_its_documents(shop_bot, say):
    text, message = say(new_conversation(shop_bot), "¿Dónde está mi pedido 1042?")
    assert message.origin != "shop"
    assert "teléfono o el correo" not in text
