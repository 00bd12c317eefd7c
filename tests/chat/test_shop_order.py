"""A cash-on-delivery order taken in the chat: nothing is reserved until the customer says
yes; then a PENDING order holds the stock and its number is in the reply. The customer can
change an answer or drop the order at any step, from any channel."""

import json

import pytest

from chat.models import Channel, Conversation
from chat.services import conversation_start
from commerce.models import Order, OrderItem
from kaiu.accounts.services import api_key_create
from tests.chat.conftest import product, shop_of

pytestmark = pytest.mark.django_db


def new_conversation(bot, channel=Channel.PAGE):
    return conversation_start(bot=bot, channel=channel, visitor_id="visitor")


def to_summary(say, conversation, steps=None):
    """Walk an order of 2 lavender 10 ml to Bogotá up to its summary; returns the summary."""
    text = ""
    for message in steps or ["Quiero pedir aceite de lavanda de 10 ml", "2", "Me llamo Laura Méndez",
                             "300 123 4567", "Bogotá", "Calle 85 # 12-30, apto 402"]:
        text, _ = say(conversation, message)
    return text


def nothing_reserved(tenant):
    return not Order.objects.filter(tenant=tenant).exists() and product(tenant, "AE-LAV-10").stock_reserved == 0


def test_the_chat_order_creates_a_pending_order_and_reserves_its_stock(store_bot, say):
    conversation = new_conversation(store_bot)
    text, _ = say(conversation, "Quiero pedir aceite de lavanda de 10 ml")
    assert "¿Cuántas unidades" in text
    assert "45.900" in text
    assert "nombre" in say(conversation, "2")[0]
    assert "teléfono" in say(conversation, "Me llamo Laura Méndez")[0]
    assert "ciudad" in say(conversation, "300 123 4567")[0]
    assert "dirección" in say(conversation, "Bogotá")[0]
    summary, _ = say(conversation, "Calle 85 # 12-30, apto 402")
    assert "2 × Aceite esencial de lavanda (10 ml gotero): $ 91.800" in summary
    assert "Envío a Bogotá: $ 12.000" in summary
    assert "Total a pagar contra entrega: $ 103.800" in summary
    assert nothing_reserved(store_bot.tenant)  # the summary reserves nothing
    text, message = say(conversation, "Sí, confirmo")
    order = Order.objects.get(tenant=store_bot.tenant)
    assert f"pedido número **{order.number}**" in text
    assert order.status == Order.Status.PENDING
    assert order.payment_method == "COD"
    assert order.total == 103_800 * 100
    assert order.customer.phone == "+573001234567"
    assert order.shipping_address["line1"] == "Calle 85 # 12-30, apto 402"
    assert OrderItem.objects.get(order=order).quantity == 2
    assert product(store_bot.tenant, "AE-LAV-10").stock_reserved == 2
    assert Conversation.objects.get(pk=conversation.pk).shop_state == {}
    assert message.origin == "shop"


@pytest.mark.parametrize("step", range(1, 7))
def test_an_abandoned_order_reserves_nothing_at_any_step(store_bot, say, step):
    conversation = new_conversation(store_bot)
    steps = ["Quiero pedir aceite de lavanda de 10 ml", "2", "Laura Méndez", "3001234567", "Bogotá",
             "Calle 85 # 12-30"]
    for message in steps[:step]:
        say(conversation, message)
    text, _ = say(conversation, "cancelar")
    assert "No se reservó nada" in text
    assert nothing_reserved(store_bot.tenant)
    assert Conversation.objects.get(pk=conversation.pk).shop_state == {}


def test_no_at_the_summary_drops_the_order(store_bot, say):
    conversation = new_conversation(store_bot)
    to_summary(say, conversation)
    say(conversation, "no")
    say(conversation, "sí")  # a later "yes" places nothing
    assert nothing_reserved(store_bot.tenant)


def test_an_answer_can_be_changed_at_the_summary(store_bot, say):
    conversation = new_conversation(store_bot)
    to_summary(say, conversation)
    summary, _ = say(conversation, "cambia la cantidad a 3")
    assert "3 × Aceite esencial de lavanda (10 ml gotero): $ 137.700" in summary
    assert "¿Cuál es la dirección" in say(conversation, "cambiar la dirección")[0]
    summary, _ = say(conversation, "Carrera 7 # 19-28")
    assert "Carrera 7 # 19-28" in summary
    say(conversation, "sí")
    order = Order.objects.get(tenant=store_bot.tenant)
    assert order.items.get().quantity == 3
    assert order.shipping_address["line1"] == "Carrera 7 # 19-28"
    assert product(store_bot.tenant, "AE-LAV-10").stock_reserved == 3


def test_it_asks_which_size_when_the_product_has_several_and_refuses_a_sold_out_one(store_bot, say):
    # Through the API, where the order goes on; on the page a person takes over (test_handover.py).
    conversation = new_conversation(store_bot, channel=Channel.API)
    text, message = say(conversation, "Quiero comprar aceite de lavanda")
    assert "varias opciones" in text
    assert {card["variant"] for card in message.cards} == {"10 ml gotero", "30 ml gotero"}
    assert "agotado" in say(conversation, "el de 30 ml")[0]
    assert "¿Cuántas unidades" in say(conversation, "el de 10 ml")[0]


def test_more_than_the_stock_is_refused_before_anything_is_reserved(store_bot, say):
    conversation = new_conversation(store_bot)
    say(conversation, "Quiero pedir aceite de jojoba")
    text, _ = say(conversation, "7")
    assert "solo quedan 4" in text
    assert "nombre" in say(conversation, "4")[0]


def test_a_city_without_cash_on_delivery_is_said_and_asked_again(store_bot, say):
    conversation = new_conversation(store_bot)
    for message in ("Quiero pedir aceite de jojoba", "1", "Laura Méndez", "3001234567"):
        say(conversation, message)
    text, _ = say(conversation, "Leticia")
    assert "En Leticia no tenemos pago contra entrega" in text
    assert "dirección" in say(conversation, "Bogotá")[0]


def test_stock_sold_meanwhile_refuses_the_confirmation_and_reserves_nothing(store_bot, say):
    from commerce import services

    conversation = new_conversation(store_bot)
    to_summary(say, conversation, ["Quiero pedir aceite de jojoba", "4", "Laura Méndez", "3001234567", "Bogotá",
                                   "Calle 85 # 12-30"])
    services.stock_adjust(product=product(store_bot.tenant, "AP-JOJ-30"), delta=-2, reason="Rotos")
    text, message = say(conversation, "sí")
    assert "No pude registrar el pedido: de Aceite de jojoba" in text
    assert "solo quedan 2." in text  # in the visitor's language, not the service's English
    assert " left" not in text
    assert not message.answered
    assert not Order.objects.filter(tenant=store_bot.tenant).exists()


def test_a_question_in_the_middle_is_answered_and_the_order_waits(store_bot, say):
    conversation = new_conversation(store_bot)
    say(conversation, "Quiero pedir aceite de jojoba")
    say(conversation, "1")
    text, _message = say(conversation, "¿Cuánto tarda el envío a Cali?")
    assert "3 a 5 días" in text
    assert "teléfono" in say(conversation, "Laura Méndez")[0]


def test_the_order_goes_on_in_english_through_the_api(other_tenant, outsider, client,
                                                      django_capture_on_commit_callbacks):
    from bots.models import Template
    from bots.services import bot_create
    from commerce import services

    shop_of(other_tenant)
    with django_capture_on_commit_callbacks(execute=True):
        bot = bot_create(tenant=other_tenant, template=Template.objects.get(slug="customer-support"), name="Shop",
                         user=outsider)
    with django_capture_on_commit_callbacks(execute=True):
        candle = services.product_create(tenant=other_tenant, sku="C-1", name="Soy candle", variant_name="200 g",
                                         price=30_000 * 100, stock=5, description="Lavender scented soy wax.")
    secret = api_key_create(tenant=other_tenant, name="Tests", created_by=outsider).secret

    def post(text, conversation=None):
        body = {"model": bot.public_id, "messages": [{"role": "user", "content": text}]}
        if conversation:
            body["conversation"] = conversation
        response = client.post("/api/v1/chat/completions", content_type="application/json", data=json.dumps(body),
                               headers={"Authorization": f"Bearer {secret}"})
        assert response.status_code == 200, response.content
        return response.json()["choices"][0]["message"]["content"], response.json()["kaiu"]["conversation"]

    text, conversation = post("I want to order 2 soy candles")
    assert "Whose name" in text
    for message in ("Ana Smith", "+57 300 999 1111", "Bogotá", "Street 85 # 12-30"):
        text, _ = post(message, conversation)
    assert "Total, cash on delivery: $ 72.000" in text  # 2 × 30.000 + 12.000 shipping
    text, _ = post("yes", conversation)
    order = Order.objects.get(tenant=other_tenant)
    assert f"order number **{order.number}**" in text
    assert product(other_tenant, "C-1").stock_reserved == 2
    assert candle.pk == order.items.get().product_id


def test_asking_to_order_something_the_shop_does_not_sell_goes_to_the_knowledge_base(store_bot, say):
    conversation = new_conversation(store_bot)
    text, message = say(conversation, "¿Puedo pedir la devolución de un producto?")
    assert "30 días" in text
    assert message.origin == "model"
    assert Conversation.objects.get(pk=conversation.pk).shop_state == {}


def test_an_order_status_question_in_the_middle_of_an_order_is_answered_and_the_order_waits(store_bot, say):
    conversation = new_conversation(store_bot)
    say(conversation, "Quiero pedir aceite de jojoba")
    say(conversation, "1")
    text, _ = say(conversation, "¿Dónde está mi pedido 1001?")
    assert "teléfono o el correo" in text
    assert "teléfono" in say(conversation, "Laura Méndez")[0]  # back to the order, at its name step


def test_ordering_by_size_right_after_the_cards_means_the_product_on_the_cards(store_bot, say,
                                                                              django_capture_on_commit_callbacks):
    from commerce import services
    from documents.ingest import process_document

    with django_capture_on_commit_callbacks(execute=True):
        services.product_create(tenant=store_bot.tenant, sku="AE-MEN-10", name="Aceite esencial de menta",
                                variant_name="10 ml gotero", price=42_900 * 100, stock=5, description="Refrescante.")
    for document in store_bot.documents.filter(status="PENDING"):
        process_document(document.pk)
    conversation = new_conversation(store_bot)
    _, message = say(conversation, "¿Tienen aceite de lavanda?")
    assert {card["name"] for card in message.cards} == {"Aceite esencial de lavanda"}
    text, _ = say(conversation, "Quiero pedir el de 10 ml")
    assert "¿Cuántas unidades" in text
    assert "lavanda (10 ml gotero)" in text
    # Without cards just before, the same words name every 10 ml product: the bot asks which.
    assert "varias opciones" in say(new_conversation(store_bot), "Quiero pedir el de 10 ml")[0]


def test_ordering_a_sold_out_product_by_name_says_so_at_once(store_bot, say):
    conversation = new_conversation(store_bot, Channel.API)  # the API never hands over: the order goes on
    text, _ = say(conversation, "Quiero pedir aceite de lavanda de 30 ml")
    assert "agotado" in text
    assert "¿Cuántas unidades" not in text
    assert "¿Cuántas unidades" in say(conversation, "el de 10 ml")[0]


def test_a_yes_is_not_taken_for_the_customers_name(store_bot, say):
    conversation = new_conversation(store_bot)
    say(conversation, "Quiero pedir aceite de lavanda de 10 ml")
    say(conversation, "2")
    assert "nombre" in say(conversation, "sí")[0]
    assert "name" not in Conversation.objects.get(pk=conversation.pk).shop_state
