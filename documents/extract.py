"""Text out of files, chosen by what the bytes are, not by what the file is called.

Every extractor returns `Section`s: a run of text plus where it came from (page, row,
heading), which chunking carries into each chunk. Failures raise `ExtractionError` with a
sentence a tenant can act on.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field

from django.conf import settings

from documents.pdf_worker import OUT_OF_MEMORY
from documents.reflow import hard_wrapped, reflow, reflow_pages


class ExtractionError(Exception):
    """The file cannot be turned into text; the message is shown to the tenant.

    `permanent`: the same bytes would fail the same way again (encrypted, no text, over a
    limit), so the dashboard offers no retry. False for what may pass another time (a
    timeout on a busy machine, a crash of the reader)."""

    def __init__(self, message: str, *, permanent: bool = True):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Section:
    text: str
    metadata: dict = field(default_factory=dict)


# --- What kind of file is it? -------------------------------------------------------------

PDF, TEXT, MARKDOWN, CSV, JSON = "application/pdf", "text/plain", "text/markdown", "text/csv", "application/json"
SUPPORTED_LABEL = "PDF, TXT, Markdown, CSV or JSON"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252, else Latin-1 (which never fails)."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _looks_binary(data: bytes) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    control = sum(1 for byte in sample if byte < 32 and byte not in (9, 10, 12, 13))
    return control > len(sample) * 0.05


def sniff_mime(data: bytes, filename: str) -> str:
    """The MIME type we will extract with; raise ExtractionError for anything else."""
    if not data.strip():
        raise ExtractionError("The file is empty.")
    if data[:1024].lstrip().startswith(b"%PDF-"):
        return PDF
    if _looks_binary(data):
        raise ExtractionError(f"This file is not a document KAIU can read. Upload {SUPPORTED_LABEL} files.")
    extension = os.path.splitext(filename.lower())[1]
    text = decode_text(data[:65536])
    if extension == ".json" or text.lstrip()[:1] in ("{", "["):
        try:
            load_json(decode_text(data))
            return JSON
        except InvalidJSON:
            if extension == ".json":
                raise
    if extension in (".csv", ".tsv"):
        return CSV
    if extension in (".md", ".markdown"):
        return MARKDOWN
    return TEXT


# --- Extractors ---------------------------------------------------------------------------


def extract(data: bytes, mime_type: str) -> list[Section]:
    extractor = EXTRACTORS.get(mime_type)
    if extractor is None:
        raise ExtractionError(f"Unsupported file type. Upload {SUPPORTED_LABEL} files.")
    sections = [Section(_clean(s.text), s.metadata) for s in extractor(data)]
    sections = [s for s in sections if s.text.strip()]
    if not sections:
        if mime_type == PDF:
            raise ExtractionError("No text found in this PDF. Is it a scanned document? KAIU needs selectable text.")
        raise ExtractionError("No text found in this file.")
    total = sum(len(s.text) for s in sections)
    if total > settings.INGEST_MAX_CHARACTERS:
        raise ExtractionError(
            f"This document has {total:,} characters of text; the limit is {settings.INGEST_MAX_CHARACTERS:,}. "
            "Split it into smaller files.")
    return sections


def _clean(text: str) -> str:
    # PostgreSQL text cannot hold NUL bytes; PDFs and odd encodings produce them.
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def extract_text(data: bytes) -> list[Section]:
    # Hard-wrapped text breaks sentences at its line width, as a PDF does; other text is left as written.
    text = decode_text(data)
    return [Section(reflow(text) if hard_wrapped(text) else text)]


def extract_markdown(data: bytes) -> list[Section]:
    """One section per heading, so every chunk knows the heading it sits under."""
    sections, lines, heading = [], [], ""
    for line in decode_text(data).splitlines():
        if line.startswith("#") and line.lstrip("#").startswith(" "):
            if lines:
                sections.append(Section("\n".join(lines), {"heading": heading} if heading else {}))
            heading, lines = line.lstrip("#").strip(), [line]
        else:
            lines.append(line)
    if lines:
        sections.append(Section("\n".join(lines), {"heading": heading} if heading else {}))
    return sections


def extract_csv(data: bytes) -> list[Section]:
    """Each row becomes "column: value" lines, keeping its row number (1 = first data row)."""
    text = decode_text(data)
    sample = text[:16384]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    # newline="": the csv module splits rows itself, so a file saved with bare CR line ends
    # (old Excel for Mac) reads as rows instead of failing.
    rows = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return _csv_sections(rows, sample, dialect)
    except csv.Error as error:
        raise ExtractionError(_csv_problem(error, rows.line_num)) from error


def _csv_sections(rows, sample, dialect) -> list[Section]:
    try:
        first = next(rows)
    except StopIteration:
        return []
    has_header = _looks_like_header(first, sample, dialect)
    header = [name.strip() or f"column {i + 1}" for i, name in enumerate(first)] if has_header else None
    sections = [] if has_header else [_row_section(first, None, 1)]
    for number, row in enumerate(rows, start=1 if has_header else 2):
        if any(cell.strip() for cell in row):
            sections.append(_row_section(row, header, number))
    return sections


def _csv_problem(error: csv.Error, line: int) -> str:
    # The csv module refuses a cell over its field limit (131,072 characters). We keep that
    # limit: a real cell is never that long, while a quote left open turns the rest of the
    # file into one cell, and that is what the limit catches.
    if "field limit" in str(error):
        return (f"This CSV has a cell longer than {csv.field_size_limit():,} characters (found reading up to line "
                f"{line:,}). Usually a quote (\") that is never closed makes the rest of the file one cell: close it, "
                "or shorten the cell.")
    return f"Line {line:,} of this CSV cannot be read ({error}). Check its quotes and separators."


def _looks_like_header(first, sample, dialect) -> bool:
    try:
        return csv.Sniffer().has_header(sample)
    except csv.Error:
        return all(cell and not cell.replace(".", "").replace(",", "").isdigit() for cell in first)


def _row_section(row, header, number) -> Section:
    lines = []
    for i, cell in enumerate(row):
        cell = cell.strip()
        if not cell:
            continue
        name = header[i] if header and i < len(header) else f"column {i + 1}"
        lines.append(f"{name}: {cell}")
    return Section("\n".join(lines), {"row": number})


class InvalidJSON(ExtractionError):
    """Not JSON at all: a file without a .json name is then read as plain text."""


# Catalogs and exports nest a handful of levels; a hundred is no data anyone writes, and it
# keeps the recursive parser and _flatten far from Python's recursion limit (10,000 nested
# brackets raised RecursionError, which no caller expected).
MAX_JSON_DEPTH = 100


def load_json(text: str):
    """The parsed JSON; InvalidJSON for text that is not JSON, ExtractionError for JSON nested too deep."""
    too_deep = ExtractionError(f"This JSON file nests more than {MAX_JSON_DEPTH} levels deep, deeper than KAIU "
                               "reads. Flatten its structure and upload it again.")
    try:
        document = json.loads(text)
    except RecursionError:
        raise too_deep from None
    except ValueError as exc:
        raise InvalidJSON("This JSON file is not valid JSON.") from exc
    if _json_depth(document) > MAX_JSON_DEPTH:
        raise too_deep
    return document


def _json_depth(document) -> int:
    """Nesting depth, walked without recursion; stops once past the limit."""
    deepest, stack = 0, [(document, 1)]
    while stack and deepest <= MAX_JSON_DEPTH:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def extract_json(data: bytes) -> list[Section]:
    """Nested objects and arrays flattened to "path: value" lines; one section per record: each
    item of a top-level list, or of a list of objects under a top-level key ({"products": [...]},
    numbered on through the file, the key as heading), so chunking never splits a record."""
    document = load_json(decode_text(data))
    if isinstance(document, list):
        return [_json_section(item, {"item": number}) for number, item in enumerate(document, start=1)]
    lists = [key for key, value in document.items() if _is_record_list(value)] if isinstance(document, dict) else []
    if not lists:
        return [_json_section(document, {})]
    rest = {key: value for key, value in document.items() if key not in lists}
    sections = [_json_section(rest, {})] if rest else []
    items = [(key, item) for key in lists for item in document[key]]
    sections += [_json_section(item, {"item": number, "heading": str(key)})
                 for number, (key, item) in enumerate(items, start=1)]
    return sections


def _is_record_list(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)


def _json_section(value, metadata: dict) -> Section:
    return Section("\n".join(f"{path}: {inner}" if path else str(inner) for path, inner in _flatten(value, "")),
                   metadata)


def _flatten(value, path):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _flatten(inner, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _flatten(inner, f"{path}[{i}]")
    elif value is not None and value != "":
        yield path, value


def extract_pdf(data: bytes) -> list[Section]:
    """PDF text page by page, in a child process with capped memory: a parser crash, a runaway
    file or a decompression bomb then costs one attempt of one document, never the worker."""
    limits = (settings.INGEST_MAX_PAGES, settings.INGEST_MAX_CHARACTERS, settings.INGEST_MAX_MEMORY_MB)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "documents.pdf_worker", *map(str, limits)],
            input=data, capture_output=True, timeout=settings.INGEST_MAX_SECONDS,
            cwd=settings.BASE_DIR,
        )
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(
            f"Reading this PDF took longer than {settings.INGEST_MAX_SECONDS} seconds. Try a smaller file.",
            permanent=False) from exc
    # Past its memory cap the child gets MemoryError (Python) or PDFium aborts.
    if completed.returncode in (OUT_OF_MEMORY, -signal.SIGABRT):
        raise ExtractionError(
            f"Reading this PDF needs more than the {settings.INGEST_MAX_MEMORY_MB:,} MB of memory KAIU gives one "
            "file. It may hold far more text than it shows, or be built to overload PDF readers. Re-save it with a "
            "PDF tool, or split it.")
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        if completed.returncode < 0 or not message or not message[-1].startswith("KAIU:"):
            raise ExtractionError("The PDF reader crashed on this file. It may be corrupt; try re-saving it as PDF.",
                                  permanent=False)
        raise ExtractionError(message[-1].removeprefix("KAIU:").strip())
    pages = reflow_pages(json.loads(completed.stdout))
    return [Section(text, {"page": number}) for number, text in enumerate(pages, start=1)]


EXTRACTORS = {
    PDF: extract_pdf,
    TEXT: extract_text,
    MARKDOWN: extract_markdown,
    CSV: extract_csv,
    JSON: extract_json,
}
