"""Extract a PDF's text page by page; run as
`python -m documents.pdf_worker MAX_PAGES MAX_CHARACTERS MAX_MEMORY_MB`.

Reads the PDF on stdin and writes a JSON list of page texts on stdout. It runs in its own
process (see extract.extract_pdf) so that a crash inside a native parser, or a file that
never finishes, cannot take the worker down. Errors meant for the tenant are written to
stderr as a line starting with "KAIU:" and exit with status 2; running out of the memory
this process may use exits with status OUT_OF_MEMORY (the parent words that message).

pypdf checks the structure (encryption, page count); PDFium extracts the text: measured on
a 272-page TeX manual, 0.36 s with correct word spacing, where pypdf took 7.2 s and glued
words together. pypdf stays as the fallback extractor.
"""

import io
import json
import logging
import resource
import sys

OUT_OF_MEMORY = 3
# A dense A4 page of 6-point print holds about 20,000 characters; ten times that is no real
# page but a file built to make the reader produce text without end (a 26 KB PDF measured
# 14.7 million characters on one page, and 3.2 GB to hold them).
MAX_PAGE_CHARACTERS = 200_000


def fail(message: str) -> None:
    sys.stderr.write(f"KAIU: {message}\n")
    sys.exit(2)


def limit_memory(megabytes: int) -> None:
    """Cap this process's address space. A compressed stream can inflate a thousandfold (a
    306 KB PDF took 620 MB, a 1 MB one 2.1 GB); past the cap an allocation fails at once:
    MemoryError in Python, an abort inside PDFium. Linux does not enforce RSS limits, hence
    RLIMIT_AS."""
    if megabytes > 0:
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


class PageText:
    """Collects page texts, refusing a page or a document with more text than any real one."""

    def __init__(self, max_characters: int):
        self.pages, self.total, self.max_characters = [], 0, max_characters

    def add(self, text: str) -> None:
        number = len(self.pages) + 1
        if len(text) > MAX_PAGE_CHARACTERS:
            fail(f"Page {number} of this PDF holds more than {MAX_PAGE_CHARACTERS:,} characters of text, more than "
                 "any real page: the file may be built to overload PDF readers. Re-save it with a PDF tool.")
        self.total += len(text)
        if self.total > self.max_characters:
            fail(f"This PDF has more than {self.max_characters:,} characters of text, the most KAIU reads from one "
                 f"document (reached on page {number}). Split it into smaller files.")
        self.pages.append(text)


def check_structure(data: bytes, max_pages: int) -> int:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            fail("This PDF is password protected. Remove the password and upload it again.")
        pages = len(reader.pages)
    except PdfReadError:
        fail("This PDF is damaged or not really a PDF. Try re-saving it with a PDF tool.")
    except MemoryError:
        raise
    except Exception:  # pypdf raises many kinds of errors on broken files
        return -1  # PDFium may still read it
    if pages > max_pages:
        fail(f"This PDF has {pages} pages; the limit is {max_pages}. Split it into smaller files.")
    return pages


def extract_with_pdfium(data: bytes, max_pages: int, max_characters: int) -> list[str]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            fail("This PDF is password protected. Remove the password and upload it again.")
        raise
    if len(document) > max_pages:
        fail(f"This PDF has {len(document)} pages; the limit is {max_pages}. Split it into smaller files.")
    texts = PageText(max_characters)
    for page in document:
        textpage = page.get_textpage()
        texts.add(textpage.get_text_bounded())
        textpage.close()
        page.close()
    document.close()
    return texts.pages


def extract_with_pypdf(data: bytes, max_characters: int) -> list[str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        reader.decrypt("")
    texts = PageText(max_characters)
    for page in reader.pages:
        texts.add(page.extract_text() or "")
    return texts.pages


def read_pages(data: bytes, max_pages: int, max_characters: int) -> list[str]:
    check_structure(data, max_pages)
    try:
        return extract_with_pdfium(data, max_pages, max_characters)
    except MemoryError:
        raise
    except Exception:
        try:
            return extract_with_pypdf(data, max_characters)
        except MemoryError:
            raise
        except Exception:
            fail("This PDF is damaged and no text could be read from it. Try re-saving it with a PDF tool.")


def main() -> None:
    max_pages, max_characters, max_memory_mb = (int(arg) for arg in sys.argv[1:4])
    limit_memory(max_memory_mb)
    logging.disable(logging.WARNING)  # pypdf warns on every odd file; the result is what counts
    data = sys.stdin.buffer.read()
    try:
        pages = read_pages(data, max_pages, max_characters)
        json.dump(pages, sys.stdout)
    except MemoryError:
        sys.exit(OUT_OF_MEMORY)


if __name__ == "__main__":
    main()
