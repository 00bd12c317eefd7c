import json

import pytest

from documents.extract import CSV, JSON, MARKDOWN, PDF, TEXT, ExtractionError, extract, sniff_mime
from tests.fakes.pdf import encrypt_pdf, make_pdf


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
