"""The demo bot is a newcomer's first impression: its starter questions are answered from its
documents, in whole sentences, and questions the documents do not hold get "I don't know"."""

import io

import pytest
from django.core.management import call_command

from bots.models import Bot
from chat.render import render_answer


@pytest.fixture
def demo_bot(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Bot.objects.select_related("tenant__plan", "tenant__settings", "active_prompt").get()


def test_every_starter_question_is_answered_in_whole_sentences(demo_bot, ask):
    for question in demo_bot.widget.starter_questions:
        text, message = ask(demo_bot, question)
        assert message.answered, question
        first = text.removeprefix("- ")  # a list's first item
        assert first[:1].isupper() or first.startswith(("*", "¿", "¡")), text


def test_how_long_shipping_takes_to_a_city_is_its_own_line(demo_bot, ask):
    text, _ = ask(demo_bot, "¿Cuánto tarda el envío a Cali?")
    assert text.startswith("**Cali, Barranquilla, Bucaramanga y Pereira:** 2 a 3 días hábiles.")


@pytest.mark.parametrize("question", ["¿Hacen envíos a Madrid?", "¿Hacen envíos a Lima?",
                                      "¿Cuál es la política de privacidad?",
                                      "¿Quién ganó el mundial?"])
def test_what_the_documents_do_not_hold_gets_i_dont_know_in_spanish(demo_bot, ask, question):
    text, message = ask(demo_bot, question)
    assert message.answered is False
    assert text.startswith("No encontré esa información")


def test_a_list_is_answered_from_its_items_under_their_heading_as_a_list_cited_once(demo_bot, ask):
    """pagos.md lists the payment methods under "Medios de pago / Aceptamos:"."""
    text, _ = ask(demo_bot, "¿Qué medios de pago aceptan?")
    lines = text.split("\n")
    assert lines[0] == ("- **Tarjeta de crédito y débito** (Visa, Mastercard, American Express) a través de "
                        "nuestra pasarela segura.")
    assert lines[1] == "- **PSE** para pagos desde tu cuenta bancaria."
    assert all(line.startswith("- ") for line in lines)
    assert text.count("[1]") == 1  # one passage, one citation, after its last item
    assert text.endswith(" [1]")
    assert "reembolso" not in text
    html = render_answer(text)
    assert html.startswith("<ul>\n<li><strong>Tarjeta de crédito y débito</strong>")
    assert html.count("<li>") == len(lines)


def test_the_item_a_question_names_is_quoted_without_its_siblings(demo_bot, ask):
    """envios.md lists delivery times per city; "Medellín" is in one item and in the price sentence."""
    text, _ = ask(demo_bot, "¿Hacen envíos a Medellín?")
    assert text.startswith("**Bogotá y Medellín:** 1 a 2 días hábiles. El envío cuesta $12.000 en Bogotá y Medellín")
    assert "Cali" not in text  # the other cities' items
    assert text.count("[1]") == 1  # one passage, one citation, after its last item


def test_prose_then_a_list_is_rendered_as_a_paragraph_and_a_list(demo_bot, ask):
    text, _ = ask(demo_bot, "¿Puedo devolver un producto abierto?")
    paragraph, items = text.split("\n\n")
    assert paragraph == "Por higiene y seguridad no recibimos aceites abiertos."
    assert items.startswith("- El producto debe estar **sellado, sin abrir y en su empaque original**.\n- ")
    html = render_answer(text)
    assert html.startswith("<p>Por higiene y seguridad no recibimos aceites abiertos.</p>\n<ul>\n<li>")


def test_a_list_asked_for_whole_after_a_question_about_a_city_is_quoted_whole(demo_bot, ask):
    """"¿Qué medios de pago aceptan?" after "¿Hacen envíos a Medellín?" carries Medellín, named by
    the item "Pago contra entrega … Medellín …": every method is the answer, not that one alone."""
    _, message = ask(demo_bot, "¿Hacen envíos a Medellín?")
    text, _ = ask(demo_bot, "¿Qué medios de pago aceptan?", message.conversation)
    assert text.startswith("- **Tarjeta de crédito y débito**")
    assert "- **Nequi y Daviplata.**" in text
    assert "- **Pago contra entrega en efectivo**" in text


def test_no_sentence_is_quoted_twice_when_two_quotes_share_a_list_item(demo_bot, ask):
    """"El producto debe estar sellado…" opens the item whose second sentence is quoted again
    from where its list starts: it was said twice."""
    text, _ = ask(demo_bot, "quiero devolver un producto")
    assert text.count("El producto debe estar **sellado") == 1, text


@pytest.mark.parametrize(("question", "description"), [
    ("¿Para qué sirve el aceite de árbol de té?", "Para el cuidado de la piel con tendencia grasa"),
    ("¿Qué es el aceite de rosa mosqueta?", "descripción: Rosa rubiginosa, prensado en frío."),
])
def test_a_question_about_a_product_is_answered_with_what_it_is_not_its_name_alone(demo_bot, ask, question,
                                                                                  description):
    text, message = ask(demo_bot, question)
    assert message.answered, message.note
    assert description.removesuffix(".") in text
    assert ".;" not in text  # a field's full stop gives way to the "; " after it
