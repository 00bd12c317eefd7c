"""Properties of the extractors over arbitrary input: each either returns text or raises
ExtractionError, whose message the pipeline shows the tenant. Any other exception would be a
500 at upload or a "Something went wrong" document."""

import json
import zlib

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from documents.extract import CSV, JSON, MARKDOWN, PDF, TEXT, ExtractionError, Section, extract, sniff_mime
from tests.fakes.pdf import make_pdf, one_page_pdf

TYPES = [TEXT, MARKDOWN, CSV, JSON, PDF]
NAMES = st.sampled_from(["notes.txt", "faq.md", "rows.csv", "rows.tsv", "data.json", "file.pdf", "noext", ".json"])
CHECKS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Every PDF example starts a reader process (~0.3 s): fewer of them.
PDF_CHECKS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def text_or_domain_error(read):
    """Run `read`; return its sections, checked, or None when it refused with a message."""
    try:
        sections = read()
    except ExtractionError as error:
        refusal = str(error)
    else:
        assert sections
        for section in sections:
            assert isinstance(section, Section)
            assert isinstance(section.text, str)
            assert section.text.strip()
            assert "\x00" not in section.text  # PostgreSQL text cannot hold it
        return sections
    assert refusal.strip()
    return None


def sniff_then_extract(data: bytes, name: str):
    try:
        mime_type = sniff_mime(data, name)
    except ExtractionError as error:
        refusal = str(error)
    else:
        assert mime_type in TYPES
        if mime_type != PDF:  # the PDF properties below run fewer, slower examples
            text_or_domain_error(lambda: extract(data, mime_type))
        return
    assert refusal.strip()


@CHECKS
@given(data=st.binary(max_size=4096), name=NAMES)
@example(data=b"[" * 10_000 + b"]" * 10_000, name="deep.json")
@example(data=b"{" * 5_000, name="noext")
@example(data=b"a,b\n1," + b"x" * 140_000 + b"\n", name="rows.csv")
def test_any_bytes_are_sniffed_and_read_or_refused_with_a_message(data, name):
    sniff_then_extract(data, name)


@CHECKS
@given(text=st.text(max_size=2000), name=NAMES, encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_any_text_is_sniffed_and_read_or_refused_with_a_message(text, name, encoding):
    sniff_then_extract(text.encode(encoding, "surrogatepass"), name)


@CHECKS
@given(data=st.binary(max_size=4096), mime_type=st.sampled_from([TEXT, MARKDOWN, CSV, JSON]))
def test_each_extractor_reads_any_bytes_or_refuses_with_a_message(data, mime_type):
    text_or_domain_error(lambda: extract(data, mime_type))


CSV_CELLS = st.text(alphabet=st.sampled_from('ab1 ,;|\t"\'\r\n\x00é'), max_size=30)


@CHECKS
@given(rows=st.lists(st.lists(CSV_CELLS, max_size=6), max_size=20), separator=st.sampled_from([",", ";", "\t", "|"]))
def test_csv_with_stray_quotes_and_separators_is_read_or_refused(rows, separator):
    data = "\n".join(separator.join(row) for row in rows).encode()
    text_or_domain_error(lambda: extract(data, CSV))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=40,
)


@CHECKS
@given(value=JSON_VALUES, wrapping=st.integers(min_value=0, max_value=300))
def test_json_of_any_shape_and_depth_is_read_or_refused(value, wrapping):
    data = ("[" * wrapping + json.dumps(value) + "]" * wrapping).encode()
    sniff_then_extract(data, "data.json")
    text_or_domain_error(lambda: extract(data, JSON))


@PDF_CHECKS
@given(tail=st.binary(max_size=2048))
def test_anything_that_starts_like_a_pdf_is_read_or_refused(tail):
    data = b"%PDF-1.4\n" + tail
    assert sniff_mime(data, "file.pdf") == PDF
    text_or_domain_error(lambda: extract(data, PDF))


VALID_PDF = make_pdf(["Envíos a Bogotá en 24 horas.", "Devoluciones dentro de 30 días."])


@PDF_CHECKS
@given(start=st.integers(min_value=0, max_value=len(VALID_PDF) - 1), patch=st.binary(min_size=1, max_size=64))
def test_a_damaged_pdf_is_read_or_refused(start, patch):
    data = VALID_PDF[:start] + patch + VALID_PDF[start + len(patch):]
    text_or_domain_error(lambda: extract(data, PDF))


@PDF_CHECKS
@given(content=st.binary(max_size=512))
def test_a_pdf_with_any_compressed_page_content_is_read_or_refused(content):
    """Whatever a page's (inflated) content stream holds, the reader copes or refuses."""
    text_or_domain_error(lambda: extract(one_page_pdf(zlib.compress(content)), PDF))
