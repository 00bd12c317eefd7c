"""Lines a PDF or a hard-wrapped text broke inside a sentence come out joined; paragraph
breaks, headings and list items keep their lines (issue 15, point 4)."""

import textwrap

from documents.extract import MARKDOWN, PDF, TEXT, extract
from documents.reflow import reflow
from tests.fakes.pdf import make_pdf

RETURNS = ("Unopened tea can be returned within 30 days of delivery for a full refund. Opened tea cannot be "
           "returned, because we cannot sell it again, but we replace any tea that arrived damaged.")
GIFT_CARDS = ("Gift cards are valid for 24 months from the day they were bought. Gift cards can be combined with "
              "other offers and with each other at the checkout.")


def handbook_page(*blocks, width=70):
    """A page as a PDF lays it out: paragraphs wrapped at the page's width, headings on lines of their own."""
    lines = []
    for block in blocks:
        lines += textwrap.wrap(block, width) if block.endswith(".") else [block]
    return "\n".join(lines)


def test_a_pdf_line_break_inside_a_sentence_is_joined_and_headings_keep_their_lines():
    data = make_pdf([handbook_page("Returns", RETURNS, "Gift cards", GIFT_CARDS)])
    [section] = extract(data, PDF)
    assert section.text.split("\n") == [
        "Returns",
        "Unopened tea can be returned within 30 days of delivery for a full refund. Opened tea cannot be returned, "
        "because we cannot sell it again, but we replace any tea that arrived damaged.",
        "Gift cards",
        "Gift cards are valid for 24 months from the day they were bought. Gift cards can be combined with other "
        "offers and with each other at the checkout.",
    ]


def test_a_line_ending_on_a_word_no_sentence_ends_with_is_joined_to_a_capitalised_next_line():
    data = make_pdf(["We ship to Sweden, Denmark and Norway with\nPostNord and DHL.\nOrders leave every day."])
    assert extract(data, PDF)[0].text == (
        "We ship to Sweden, Denmark and Norway with PostNord and DHL.\nOrders leave every day.")


def test_list_items_stay_apart_and_an_item_that_wraps_is_joined():
    page = ("Shipping costs:\n- Free for orders over 500 SEK, to any address in\nSweden.\n- A flat fee of 49 SEK "
            "for smaller\norders.\n1. Pay by card\n2. Pay by invoice")
    assert extract(make_pdf([page]), PDF)[0].text.split("\n") == [
        "Shipping costs:",
        "- Free for orders over 500 SEK, to any address in Sweden.",
        "- A flat fee of 49 SEK for smaller orders.",
        "1. Pay by card",
        "2. Pay by invoice",
    ]


def test_a_word_split_at_the_line_end_is_mended_when_both_halves_are_lower_case():
    page = "Diluye siempre los aceit-\nes esenciales antes de usar-\nlos. Nuestro Wi-\nFi es gratis."
    assert extract(make_pdf([page]), PDF)[0].text == (
        "Diluye siempre los aceites esenciales antes de usarlos. Nuestro Wi-Fi es gratis.")
    # pypdf, the fallback reader, keeps the hyphen and the line break
    assert reflow("los aceit-\nes esenciales\ny el COVID-\n19") == "los aceites esenciales y el COVID-19"


def test_a_running_header_and_page_numbers_are_dropped_and_a_sentence_over_a_page_break_stays_whole():
    pages = ["Te Verde Customer Handbook\nReturns\nOpened tea cannot be returned, because we\ncannot sell it\n"
             "Page 1 of 3",
             "Te Verde Customer Handbook\nagain. We replace damaged tea.\nShipping\nPage 2 of 3",
             "Te Verde Customer Handbook\nWe ship every day.\nPage 3 of 3"]
    sections = extract(make_pdf(pages), PDF)
    assert [(s.metadata["page"], s.text) for s in sections] == [
        (1, "Returns\nOpened tea cannot be returned, because we cannot sell it again."),
        (2, "We replace damaged tea.\nShipping"),
        (3, "We ship every day."),
    ]


def test_hard_wrapped_plain_text_is_joined_and_its_paragraphs_kept():
    text = "\n".join(textwrap.wrap(RETURNS, 72)) + "\n\n" + "\n".join(textwrap.wrap(GIFT_CARDS, 72)) + "\n"
    assert extract(text.encode(), TEXT)[0].text == f"{RETURNS}\n\n{GIFT_CARDS}"


def test_plain_text_that_is_not_wrapped_and_markdown_are_left_as_written():
    typed = "Horario:\nlunes a viernes de 9 a 18\nsábados de 10 a 14\ndomingos cerrado"
    assert extract(typed.encode(), TEXT)[0].text == typed
    markdown = "# Envíos\nEnviamos a\ntoda Colombia.\n"
    assert extract(markdown.encode(), MARKDOWN)[0].text == markdown.rstrip("\n")


def test_a_line_broken_before_a_number_is_joined_but_a_numbered_heading_keeps_its_line():
    assert reflow("También puede cambiar a la consola\n3, desde el intérprete de órdenes.") == (
        "También puede cambiar a la consola 3, desde el intérprete de órdenes.")
    assert reflow("Gift cards are valid for\n24 months.") == "Gift cards are valid for 24 months."
    assert reflow("Chapter 3\n3.1 Installing the kit") == "Chapter 3\n3.1 Installing the kit"
