"""Answers as WhatsApp text: cut at the 4096-character limit between paragraphs, then
sentences, then words; citations as a "Fuente:" line; product cards as a text list."""

from chat.whatsapp.formatting import MAX_CHARS, sources_line, split_message, whatsapp_text
from chat.whatsapp.payload import delivery_parse


def test_a_short_answer_is_one_message():
    assert split_message("Hola.") == ["Hola."]
    assert split_message("   ") == []


def test_long_answers_are_cut_between_paragraphs_first():
    paragraphs = ["A" * 3000, "B" * 3000, "C" * 1000]
    assert split_message("\n\n".join(paragraphs)) == ["A" * 3000, "B" * 3000 + "\n\n" + "C" * 1000]


def test_a_paragraph_longer_than_the_limit_is_cut_between_sentences():
    sentences = [f"Frase número {n} con algo de texto para llenar el mensaje." for n in range(200)]
    parts = split_message(" ".join(sentences))
    assert len(parts) > 1
    assert all(len(part) <= MAX_CHARS for part in parts)
    assert all(part.endswith(".") for part in parts)
    assert " ".join(parts) == " ".join(sentences)


def test_a_sentence_longer_than_the_limit_is_cut_between_words_and_a_word_only_as_a_last_resort():
    words = " ".join(["palabra"] * 1200)  # one 9,599-character "sentence"
    parts = split_message(words)
    assert all(len(part) <= MAX_CHARS for part in parts)
    assert " ".join(parts) == words
    assert split_message("x" * 9000) == ["x" * 4096, "x" * 4096, "x" * 808]


def test_citations_become_a_short_source_line():
    sources = [{"n": 1, "document_name": "Políticas de la tienda", "cited": True},
               {"n": 2, "document_name": "Catálogo", "cited": False}]
    text = whatsapp_text("Enviamos a toda Colombia [1]. El envío tarda de 1 a 2 días [1].", sources=sources)
    assert text == "Enviamos a toda Colombia. El envío tarda de 1 a 2 días.\n\nFuente: Políticas de la tienda"
    both = [{**source, "cited": True} for source in sources]
    assert sources_line(both, "es") == "Fuentes: Políticas de la tienda, Catálogo"
    assert sources_line(both, "en") == "Sources: Políticas de la tienda, Catálogo"
    assert sources_line([], "es") == ""


def test_markdown_becomes_whatsapps_own_marks():
    text = whatsapp_text("## Envíos\n**Gratis** desde $150.000. Mira [la guía](https://example.com/guia).")
    assert text == "*Envíos*\n*Gratis* desde $150.000. Mira la guía (https://example.com/guia)."


def test_product_cards_are_a_text_list():
    cards = [{"name": "Aceite de lavanda", "line": "- Aceite de lavanda (10 ml): $45.900, disponible"},
             {"name": "Aceite de jojoba", "line": "- Aceite de jojoba (30 ml): $54.900, disponible"}]
    already = whatsapp_text("Tenemos estos:\n" + "\n".join(card["line"] for card in cards), cards=cards)
    assert already == "Tenemos estos:\n" + "\n".join(card["line"] for card in cards)
    added = whatsapp_text("Tenemos estos:", cards=cards)
    assert added == "Tenemos estos:\n\n" + "\n".join(card["line"] for card in cards)


def test_a_payload_with_missing_or_odd_fields_is_skipped_not_a_crash():
    for body in ({}, {"entry": None}, {"entry": [{"changes": [{"value": None}]}]}, {"entry": ["x"]},
                 {"entry": [{"changes": [{"value": {"metadata": {"phone_number_id": "1"},
                                                    "messages": [{"type": "text"}, "x"],
                                                    "statuses": [{"id": "w", "status": "deleted"}]}}]}]}):
        parsed = delivery_parse(body)
        assert parsed.messages == []
        assert parsed.statuses == []
    odd = {"entry": [{"changes": [{"value": {"metadata": {"phone_number_id": "1"}, "messages": [
        {"from": "57300", "id": "w1", "timestamp": "nope", "type": "text", "text": {"body": "a\x00b"}}]}}]}]}
    assert delivery_parse(odd).messages[0].text == "ab"  # PostgreSQL stores no NUL
