"""The demo bot is a newcomer's first impression: its starter questions are answered from its
documents, in whole sentences, and questions the documents do not hold get "I don't know"."""

import io

import pytest
from django.core.management import call_command

from bots.models import Bot


@pytest.fixture
def demo_bot(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Bot.objects.select_related("tenant__plan", "tenant__settings", "active_prompt").get()


def test_every_starter_question_is_answered_in_whole_sentences(demo_bot, ask):
    for question in demo_bot.widget.starter_questions:
        text, message = ask(demo_bot, question)
        assert message.answered, question
        assert text[:1].isupper() or text.startswith(("*", "¿", "¡")), text


def test_how_long_shipping_takes_to_a_city_is_its_own_line(demo_bot, ask):
    text, _ = ask(demo_bot, "¿Cuánto tarda el envío a Cali?")
    assert text.startswith("**Cali, Barranquilla, Bucaramanga y Pereira:** 2 a 3 días hábiles.")


@pytest.mark.parametrize("question", ["¿Hacen envíos a Madrid?", "¿Cuál es la política de privacidad?",
                                      "¿Quién ganó el mundial?"])
def test_what_the_documents_do_not_hold_gets_i_dont_know_in_spanish(demo_bot, ask, question):
    text, message = ask(demo_bot, question)
    assert message.answered is False
    assert text.startswith("No encontré esa información")


def test_a_list_is_answered_from_its_items_under_their_heading(demo_bot, ask):
    """pagos.md lists the payment methods under "Medios de pago / Aceptamos:"."""
    text, _ = ask(demo_bot, "¿Qué medios de pago aceptan?")
    assert text.startswith("**Tarjeta de crédito y débito**")
    assert "**PSE**" in text
    assert "reembolso" not in text
