import json

import pytest

from documents.extract import CSV, JSON, MARKDOWN, PDF, TEXT, ExtractionError, extract, sniff_mime
from tests.fakes.pdf import encrypt_pdf, make_pdf, make_space_bomb, make_text_bomb


def test_a_multi_page_pdf_keeps_its_page_numbers():
    data = make_pdf(["Envíos a Bogotá en 24 horas.", "", "Devoluciones dentro de 30 días."])
    assert sniff_mime(data, "anything.bin") == PDF
    sections = extract(data, PDF)
    assert [(s.metadata["page"], s.text) for s in sections] == [
        (1, "Envíos a Bogotá en 24 horas."), (3, "Devoluciones dentro de 30 días.")]


def test_words_positioned_one_by_one_still_come_out_with_spaces():
    """TeX-made PDFs place every word separately with no space glyph between them."""
    data = make_pdf(["Los aceites esenciales se diluyen siempre antes de aplicarlos"], word_by_word=True)
    assert extract(data, PDF)[0].text.split() == [
        "Los",
        "aceites",
        "esenciales",
        "se",
        "diluyen",
        "siempre",
        "antes",
        "de",
        "aplicarlos",
    ]


def test_an_encrypted_pdf_says_so():
    with pytest.raises(ExtractionError, match="password protected"):
        extract(encrypt_pdf(make_pdf(["secret"])), PDF)


def test_a_corrupt_pdf_says_so():
    with pytest.raises(ExtractionError, match="damaged"):
        extract(make_pdf(["x" * 500])[:300], PDF)


def test_a_pdf_without_text_suggests_a_scan():
    with pytest.raises(ExtractionError, match="scanned"):
        extract(make_pdf(["", ""]), PDF)


def test_too_many_pages_is_refused_before_extracting(settings):
    settings.INGEST_MAX_PAGES = 2
    with pytest.raises(ExtractionError, match="3 pages; the limit is 2"):
        extract(make_pdf(["a", "b", "c"]), PDF)


def test_empty_and_binary_files_are_refused_by_content():
    with pytest.raises(ExtractionError, match="empty"):
        sniff_mime(b"  \n", "notes.txt")
    with pytest.raises(ExtractionError, match="not a document"):
        sniff_mime(bytes(range(256)) * 10, "innocent.txt")  # binary with a .txt name


def test_text_falls_back_from_utf8_to_windows_1252():
    data = "Envío a Medellín — café".encode("cp1252")
    assert sniff_mime(data, "notas.txt") == TEXT
    assert extract(data, TEXT)[0].text == "Envío a Medellín — café"


def test_nul_bytes_are_stripped():
    assert extract(b"hola\x00mundo", TEXT)[0].text == "holamundo"


def test_markdown_keeps_headings():
    data = "# Envíos\nA todo el país.\n\n## Costos\nGratis desde $150.000.\n".encode()
    assert sniff_mime(data, "faq.md") == MARKDOWN
    sections = extract(data, MARKDOWN)
    assert [s.metadata.get("heading") for s in sections] == ["Envíos", "Costos"]
    assert "Gratis desde" in sections[1].text


def test_semicolon_latin1_csv_becomes_column_value_rows():
    data = "sku;nombre;precio\nKAIU-LAV-010;Aceite de lavanda;38000\nKAIU-EUC-010;Eucalipto;32000\n".encode("latin-1")
    assert sniff_mime(data, "productos.csv") == CSV
    sections = extract(data, CSV)
    assert sections[0].text == "sku: KAIU-LAV-010\nnombre: Aceite de lavanda\nprecio: 38000"
    assert [s.metadata["row"] for s in sections] == [1, 2]


def test_csv_accents_in_latin1_survive():
    data = "ciudad;días\nMedellín;2\n".encode("latin-1")
    assert extract(data, CSV)[0].text == "ciudad: Medellín\ndías: 2"


def test_nested_json_is_flattened_to_paths():
    data = json.dumps({"tienda": {"nombre": "KAIU", "envios": [{"ciudad": "Cali", "dias": 3}]}}).encode()
    assert sniff_mime(data, "datos.json") == JSON
    assert extract(data, JSON)[0].text == "tienda.nombre: KAIU\ntienda.envios[0].ciudad: Cali\ntienda.envios[0].dias: 3"


def test_invalid_json_with_a_json_name_is_refused():
    with pytest.raises(ExtractionError, match="not valid JSON"):
        sniff_mime(b'{"a": ', "broken.json")


def test_too_much_text_is_refused(settings):
    settings.INGEST_MAX_CHARACTERS = 10
    with pytest.raises(ExtractionError, match="limit is 10"):
        extract(b"more than ten characters", TEXT)


# --- Files built to exhaust the reader (issue 14) ------------------------------------------


def test_a_pdf_that_inflates_past_the_memory_cap_fails_with_a_clear_message(settings):
    """300 MB of spaces behind 300 KB: the reader's child hits its cap, not the host."""
    settings.INGEST_MAX_MEMORY_MB = 256
    with pytest.raises(ExtractionError, match="needs more than the 256 MB of memory") as error:
        extract(make_space_bomb(300), PDF)
    assert error.value.permanent


def test_a_page_with_more_text_than_any_real_page_is_refused():
    with pytest.raises(ExtractionError, match="Page 1 of this PDF holds more than 200,000 characters"):
        extract(make_text_bomb(20), PDF)


def test_the_pdf_reader_stops_at_the_document_text_limit(settings):
    settings.INGEST_MAX_CHARACTERS = 30
    with pytest.raises(ExtractionError, match=r"more than 30 characters of text.*reached on page 2"):
        extract(make_pdf(["Envíos a todo el país.", "Devoluciones en 30 días.", "Pagos."]), PDF)


def test_a_reader_crash_or_timeout_may_be_retried_but_a_locked_pdf_may_not(settings):
    with pytest.raises(ExtractionError) as locked:
        extract(encrypt_pdf(make_pdf(["secret"])), PDF)
    assert locked.value.permanent
    settings.INGEST_MAX_SECONDS = 0.001
    with pytest.raises(ExtractionError, match="took longer") as slow:
        extract(make_pdf(["a"]), PDF)
    assert not slow.value.permanent


@pytest.mark.parametrize("name", ["deep.json", "deep.txt"])
def test_json_nested_ten_thousand_deep_is_refused_with_a_message(name):
    data = b"[" * 10_000 + b"]" * 10_000
    with pytest.raises(ExtractionError, match="nests more than 100 levels deep"):
        sniff_mime(data, name)
    with pytest.raises(ExtractionError, match="nests more than 100 levels deep"):
        extract(data, JSON)


def test_json_as_deep_as_the_limit_is_read():
    data = json.dumps(json.loads("[" * 99 + '{"envio": "gratis"}' + "]" * 99)).encode()
    assert sniff_mime(data, "deep.json") == JSON
    assert extract(data, JSON)[0].text == "[0]" * 98 + ".envio: gratis"
    with pytest.raises(ExtractionError, match="nests more than 100"):
        sniff_mime(b"[" + data + b"]", "deeper.json")


def test_a_csv_cell_over_the_field_limit_says_what_to_fix():
    data = b"sku,descripcion\nA-1," + b"x" * 140_000 + b"\nA-2,corta\n"
    with pytest.raises(ExtractionError, match=r"cell longer than 131,072 characters \(found reading up to line 2\)"):
        extract(data, CSV)


def test_a_csv_quote_left_open_is_named_as_the_likely_cause():
    data = b'sku,descripcion\nA-1,"Aceite de lavanda\n' + b"B-2,Eucalipto de 30 ml\n" * 8000
    with pytest.raises(ExtractionError, match=r"quote \(\"\) that is never closed"):
        extract(data, CSV)


def test_a_csv_with_carriage_return_line_ends_is_read_as_rows():
    """Found by the property tests: bare CR line ends (old Excel for Mac) raised csv.Error."""
    sections = extract(b"sku;precio\rA-1;100\rA-2;200\r", CSV)
    assert [s.text for s in sections] == ["sku: A-1\nprecio: 100", "sku: A-2\nprecio: 200"]
