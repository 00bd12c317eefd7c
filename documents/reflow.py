"""Lines joined again where a PDF (or a hard-wrapped text file) broke a sentence.

A PDF holds lines, not paragraphs: its text comes out with a line break wherever the page
ran out of width, so "Opened tea cannot be / returned within 14 days." reached answers as
"Opened tea cannot be". A line is joined to the next when it does not end a sentence and
the next carries it on: the next starts in lower case, or the line ends on a comma or on a
word no sentence ends with ("with", "de"). A line that ends a sentence, a heading, a list
item or a table row keeps its break, and so does a blank line (a paragraph break). Words
split at a line end ("aceit-" / "es") are mended when both halves are lower-case letters.

For PDFs, the running header and footer repeated on most pages (a title, "Page 3 of 12")
are dropped, and a sentence that runs over a page break is kept whole on the page where
it starts.
"""

from __future__ import annotations

import re
from collections import Counter

from kaiu.ai.sentences import carries_on, join_broken_lines

# PDFium writes a hyphen that ends a line as U+0002 and drops the line break; pypdf keeps "-\n".
_SPLIT_WORD = re.compile(r"([^\W_])(?:\x02[ \t]*\n?|-[ \t]*\n)[ \t]*([^\W_])")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*(?:\s|$)")
_PAGE_NUMBER = re.compile(r"^[-–—\s]*(?:(?:page|página|pág\.?|p\.)\s*)?\d{1,4}(?:\s*(?:/|of|de)\s*\d{1,4})?[-–—\s]*$",
                          re.IGNORECASE)


def reflow(text: str) -> str:
    """`text` with the sentences its line breaks cut joined again; blank lines kept."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPLIT_WORD.sub(_mend_word, text).replace("\x02", "-")
    return "\n\n".join("\n".join(join_broken_lines(block)) for block in re.split(r"\n[ \t]*\n", text))


def hard_wrapped(text: str) -> bool:
    """Whether `text` was wrapped at a fixed width (most lines run close to the longest, of 50
    to 120 characters), as e-mails and text exports are; a typed list is not."""
    lengths = [len(line.strip()) for line in text.splitlines() if line.strip()]
    if len(lengths) < 3 or not 50 <= max(lengths) <= 120:
        return False
    return sum(length >= 0.6 * max(lengths) for length in lengths) >= len(lengths) / 2


def _mend_word(match: re.Match) -> str:
    before, after = match.group(1), match.group(2)
    joiner = "" if before.islower() and after.islower() else "-"  # "aceit-es" → "aceites"; "Wi-Fi", "COVID-19" stay
    return f"{before}{joiner}{after}"


def reflow_pages(pages: list[str]) -> list[str]:
    """A PDF's page texts without their running header and footer, each reflowed, with a
    sentence that a page break cut moved whole onto the page where it starts."""
    pages = [reflow(page) for page in _without_running_lines(pages)]
    for number in range(len(pages) - 1):
        current, following = pages[number], pages[number + 1]
        if not current or not following or not carries_on(current.rsplit("\n", 1)[-1], following.split("\n", 1)[0]):
            continue
        first_line, _, rest = following.partition("\n")
        end = _SENTENCE_END.search(first_line)
        if end:  # a page of one open-ended run of words stays where it is
            pages[number] = f"{current} {first_line[:end.end()].rstrip()}"
            pages[number + 1] = "\n".join(part for part in (first_line[end.end():].strip(), rest) if part)
    return pages


def _without_running_lines(pages: list[str]) -> list[str]:
    """Page texts without a page number or a short first or last line that recurs (digits
    aside) at that place on at least half of the pages, two at least: a running header or
    footer would otherwise be quoted as if it answered something."""
    split = [[line for line in page.replace("\r\n", "\n").split("\n") if line.strip()] for page in pages]

    def shape(line: str) -> str:
        return re.sub(r"\d+", "#", " ".join(line.lower().split()))

    repeated = {0: set(), -1: set()}
    for edge in repeated:
        counts = Counter(shape(lines[edge]) for lines in split if lines and len(lines[edge].split()) <= 10)
        repeated[edge] = {line for line, count in counts.items() if count >= max(2, len(pages) / 2)}

    def running(line: str, edge: int) -> bool:
        return shape(line) in repeated[edge] or bool(_PAGE_NUMBER.match(line))

    cleaned = []
    for lines in split:
        for edge in (0, -1, 0, -1):  # a header and a page number above it, or a footer and one below
            if lines and running(lines[edge], edge):
                lines = lines[1:] if edge == 0 else lines[:-1]
        cleaned.append("\n".join(lines))
    return cleaned
