"""Greetings, thanks and goodbyes are said back in the bot's language; they are not searched
for, not "I don't know", and not unanswered questions for the owner."""

import pytest

from chat.analytics import period_for
from chat.gaps import gap_list
from chat.models import QueryLog
from chat.small_talk import small_talk_kind


@pytest.mark.parametrize(("message", "kind"), [
    ("hola", "greeting"), ("Hola!! 😊", "greeting"), ("buenas tardes", "greeting"), ("Hi there", "greeting"),
    ("gracias", "thanks"), ("ok, muchas gracias", "thanks"), ("Thanks a lot!", "thanks"), ("vale perfecto", "thanks"),
    ("Muchas gracias, adiós", "goodbye"), ("chao", "goodbye"), ("bye", "goodbye"),
])
def test_a_message_that_is_only_small_talk_is_told_apart(message, kind):
    assert small_talk_kind(message) == kind


@pytest.mark.parametrize("message", [
    "Hola, ¿hacen envíos a Cali?", "hola quiero devolver un producto", "Hola, soy Ana", "sí", "¿Tienen lavanda?",
    "gracias, ¿y cuánto cuesta el envío?",
])
def test_a_message_that_also_says_something_is_no_small_talk(message):
    assert small_talk_kind(message) is None


def test_a_greeting_gets_the_welcome_and_thanks_get_thanks_not_i_dont_know(shop_bot, ask, tenant):
    shop_bot.welcome_message = "¡Hola! Soy el asistente de la tienda. ¿Qué necesitas?"
    shop_bot.save()
    text, message = ask(shop_bot, "Hola!")
    assert text == "¡Hola! Soy el asistente de la tienda. ¿Qué necesitas?"
    assert message.answered
    assert message.origin == "small_talk"
    assert message.sources == []
    text, message = ask(shop_bot, "muchas gracias", message.conversation)
    assert text == "¡Con gusto! Si tienes otra pregunta, aquí estoy."
    assert QueryLog.objects.filter(answered=False).count() == 0
    assert gap_list(tenant, period_for(tenant, days=7)) == []  # nothing for the owner to fix


def test_a_greeting_with_a_question_is_answered_from_the_documents(shop_bot, ask):
    text, message = ask(shop_bot, "Hola, ¿cuánto tarda el envío a Cali?")
    assert message.origin == "model"
    assert message.answered, message.note
    assert "3 a 5 días" in text


def test_small_talk_is_answered_in_the_bot_s_language(shop_bot, ask):
    shop_bot.language = "en"
    shop_bot.welcome_message = ""
    shop_bot.save()
    assert ask(shop_bot, "hello")[0] == "Hi! How can I help you?"
    assert ask(shop_bot, "thanks, bye")[0] == "Goodbye! I'll be here if you need anything else."
