"""Product questions answered with product cards (live price, in stock or not) on the web,
and the same products as plain text through the API; with a chat model, its tool call
decides what the visitor wants."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chat.models import Channel
from chat.services import conversation_start
from chat.web import message_payload
from commerce import services
from kaiu.accounts.services import api_key_create
from tests.chat.conftest import product
from tests.fakes.openai_server import tool_call_handler, use_fake_server

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def new_conversation(bot, channel=Channel.PAGE):
    return conversation_start(bot=bot, channel=channel, visitor_id="visitor")


def test_a_product_question_gets_cards_with_live_price_and_stock(store_bot, say):
    text, message = say(new_conversation(store_bot), "¿Tienen aceite de lavanda? ¿Cuánto cuesta?")
    cards = {card["variant"]: card for card in message.cards}
    assert set(cards) == {"10 ml gotero", "30 ml gotero"}  # jojoba is not what was asked for
    assert cards["10 ml gotero"]["price"] == "$ 45.900"
    assert cards["10 ml gotero"]["in_stock"]
    assert cards["30 ml gotero"]["price"] == "$ 98.900"
    assert not cards["30 ml gotero"]["in_stock"]
    assert "- Aceite esencial de lavanda (10 ml gotero): $ 45.900, disponible" in text
    assert "- Aceite esencial de lavanda (30 ml gotero): $ 98.900, agotado por ahora" in text
    assert message.origin == "shop"
    assert message.answered


def test_the_page_shows_cards_instead_of_the_plain_list(store_bot, say):
    _, message = say(new_conversation(store_bot), "¿Venden aceite de jojoba?")
    payload = message_payload(message)
    assert [card["name"] for card in payload["cards"]] == ["Aceite de jojoba"]
    assert "54.900" not in payload["html"]  # the card says it
    assert "54.900" in payload["text"]


def test_a_follow_up_about_the_price_keeps_to_the_product(store_bot, say):
    conversation = new_conversation(store_bot)
    say(conversation, "¿Tienen aceite de jojoba?")
    _, message = say(conversation, "¿Y cuánto cuesta?")
    assert [card["name"] for card in message.cards] == ["Aceite de jojoba"]


def test_a_question_about_a_product_the_shop_does_not_sell_is_not_answered_with_another(store_bot, say):
    _, message = say(new_conversation(store_bot), "¿Tienen aceite de argán?")
    assert message.cards == []
    assert message.origin != "shop"


def test_other_questions_go_to_the_knowledge_base_unchanged(store_bot, say):
    text, message = say(new_conversation(store_bot), "¿Cuánto tarda el envío a Cali?")
    assert "3 a 5 días" in text
    assert message.cards == []
    assert message.origin == "model"


def test_the_api_gets_the_products_as_plain_text(store_bot, owner, client):
    secret = api_key_create(tenant=store_bot.tenant, name="Tests", created_by=owner).secret
    response = client.post("/api/v1/chat/completions", content_type="application/json",
                           headers={"Authorization": f"Bearer {secret}"},
                           data=json.dumps({"model": store_bot.public_id, "messages": [
                               {"role": "user", "content": "¿Cuánto cuesta el aceite de lavanda?"}]}))
    assert response.status_code == 200
    body = response.json()
    content = body["choices"][0]["message"]["content"]
    assert "Aceite esencial de lavanda (10 ml gotero): $ 45.900, disponible" in content
    assert "<" not in content  # plain text, no markup
    assert {card["price"] for card in body["kaiu"]["cards"]} == {"$ 45.900", "$ 98.900"}


def test_a_card_shows_the_products_image_served_only_while_on_sale(store_bot, say, client):
    lavender = product(store_bot.tenant, "AE-LAV-10")
    services.product_image_set(product=lavender, upload=SimpleUploadedFile("photo.png", PNG))
    _, message = say(new_conversation(store_bot), "¿Tienen aceite de lavanda de 10 ml?")
    image = next(card["image"] for card in message.cards if card["product"] == str(lavender.pk))
    response = client.get(image)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    services.product_update(product=lavender, is_active=False)
    assert client.get(image).status_code == 404


def test_another_bots_address_does_not_serve_a_products_image(store_bot, other_bot, client):
    lavender = product(store_bot.tenant, "AE-LAV-10")
    services.product_image_set(product=lavender, upload=SimpleUploadedFile("photo.png", PNG))
    assert client.get(f"/c/{other_bot.public_id}/products/{lavender.pk}/image").status_code == 404


# --- With a chat model: its tool calls decide -----------------------------------------------


@pytest.fixture
def model_store_bot(store_bot, fake_openai):
    use_fake_server(store_bot.tenant, fake_openai)
    store_bot.refresh_from_db()
    return store_bot


def test_the_models_tool_call_finds_products_the_keywords_miss(model_store_bot, fake_openai, say):
    fake_openai.routes[("POST", "/v1/chat/completions")] = tool_call_handler(
        "search_products", {"query": "aceite de jojoba"})
    _, message = say(new_conversation(model_store_bot), "Busco algo para la piel seca del rostro, ¿qué me recomiendas?")
    assert [card["name"] for card in message.cards] == ["Aceite de jojoba"]
    offered = next(request["body"] for request in fake_openai.requests if request["body"] and
                   request["body"].get("tools"))
    assert {tool["function"]["name"] for tool in offered["tools"]} == {"search_products", "order_status",
                                                                       "start_order"}
    assert offered["messages"][-1]["content"].startswith("Busco algo")


def test_the_models_order_status_call_asks_who_asks(model_store_bot, fake_openai, say):
    fake_openai.routes[("POST", "/v1/chat/completions")] = tool_call_handler("order_status", {"order_number": 77})
    text, _message = say(new_conversation(model_store_bot), "mi paquete 77 no ha llegado todavía")
    assert "pedido 77" in text
    assert "teléfono o el correo" in text


def test_when_the_model_calls_no_tool_the_knowledge_base_answers(model_store_bot, fake_openai, say):
    fake_openai.routes[("POST", "/v1/chat/completions")] = tool_call_handler(None)
    text, message = say(new_conversation(model_store_bot), "¿Cuánto tarda el envío a Cali?")
    assert message.origin == "model"
    assert message.cards == []
    assert "Cali" in text  # the fake model's streamed answer


def test_when_the_model_fails_the_keywords_decide(model_store_bot, fake_openai, say):
    from tests.fakes.openai_server import error_response

    fake_openai.routes[("POST", "/v1/chat/completions")] = lambda request: error_response(500, "down", "server_error")
    _, message = say(new_conversation(model_store_bot), "¿Tienen aceite de jojoba?")
    assert [card["name"] for card in message.cards] == ["Aceite de jojoba"]
