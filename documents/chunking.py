"""Split sections into chunks of about `size` characters with `overlap` characters of context.

Recursive: a section too long for one chunk is split at paragraphs, then sentences, then
words, never inside a word. Small pieces are packed together (short pages, paragraphs)
and each chunk keeps the metadata of where it starts (page, row, heading) plus where it
ends. The overlap carried into the next chunk starts at a sentence where it can, so a
chunk does not open mid-sentence.

A record (a CSV row, a JSON item: a section with a "row" or "item") is never split across
chunks: several short records share a chunk, each whole, with no overlap, so a chunk
labelled "row 8 to 10" begins with row 8. A record longer than a chunk is a chunk of its own,
cut only past RECORD_CAP chunk sizes, and then each piece repeats its first line (its name
or id) so no piece loses whose fields it holds.

A question or a title never ends a chunk when more text follows it: it moves to the next
chunk, so an FAQ's question stays with its answer and a heading with what it heads.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from documents.extract import Section


def sha256_text(text: str) -> str:
    """A passage's identity: the same text is stored once per bot (Chunk.sha256)."""
    return hashlib.sha256(text.encode()).hexdigest()


# A record is kept whole up to this many chunk sizes: a product with a long description
# stays one passage, while a runaway cell (a whole export in one field) is still cut.
RECORD_CAP = 4
_RECORD_KEYS = ("row", "item")
_SENTENCE_START = re.compile(r"(?:[.!?…][\"'”’»)\]]*\s+|\n+)(?=\S)")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_SEPARATORS = [re.compile(r"(\n\s*\n)"), re.compile(r"((?<=[.!?…])\s+|\n)"), re.compile(r"(\s+)")]


@dataclass
class ChunkDraft:
    index: int
    text: str
    metadata: dict = field(default_factory=dict)


def _split(text: str, size: int, level: int = 0) -> list[str]:
    """Pieces of at most `size` characters, cut at the coarsest boundary that works. Pieces
    packed together keep the break they had (a line break stays one: a heading or a list
    item is not run into the sentence after it)."""
    text = text.strip()
    if len(text) <= size:
        return [text] if text else []
    if level >= len(_SEPARATORS):
        # A single "word" longer than a chunk (a URL, a hash): cutting it is the only option.
        return [text[i:i + size] for i in range(0, len(text), size)]
    pieces, current = [], ""
    parts = _SEPARATORS[level].split(text)  # text, separator, text, ...
    for index in range(0, len(parts), 2):
        part = parts[index].strip()
        joiner = _joiner(level, parts[index - 1] if index else "")
        if not part:
            continue
        if len(part) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.extend(_split(part, size, level + 1))
        elif not current:
            current = part
        elif len(current) + len(joiner) + len(part) <= size:
            current = f"{current}{joiner}{part}"
        else:
            pieces.append(current)
            current = part
    if current:
        pieces.append(current)
    return pieces


# A numbered section's title ("6.2.2. Where do these codenames come from?", "Chapter 4.").
_NUMBERED = re.compile(r"^(?:\d+(?:\.\d+)*\.?|chapter \d+\.?|cap[íi]tulo \d+\.?)\s", re.IGNORECASE)
TITLE_MAX_WORDS = 25


def _is_title(text: str) -> bool:
    """A line (or a short paragraph) that announces what follows rather than says it: a
    Markdown heading, a question standing alone (an FAQ's entry) or a numbered section's
    title. Short lines without a full stop are left where they are: on the labelled set,
    moving them too lost more passages than it found."""
    line = " ".join(text.split())
    words = line.split()
    if not words or len(words) > TITLE_MAX_WORDS or "\n\n" in text.strip():
        return False
    if line.startswith("#"):
        return True
    if line.endswith("?"):
        # One question, not an answer ending with one: "Go ahead. Why not?" is no title.
        return not re.search(r"[.!](?:\s|$)", _NUMBERED.sub("", line).rstrip("?"))
    return bool(_NUMBERED.match(line)) and not re.search(r"[.!…;,:]$", line)


def _detach_title(text: str) -> tuple[str, str]:
    """(`text` without its last paragraph or line, that paragraph or line) when it is a title
    (_is_title) with something before it; else (`text`, "")."""
    text = text.rstrip()
    for separator in ("\n\n", "\n"):
        cut = text.rfind(separator)
        if cut > 0:
            head, last = text[:cut].rstrip(), text[cut:].strip()
            if head and _is_title(last):
                return head, last
            if separator == "\n\n" and len(last.split()) > TITLE_MAX_WORDS:
                break  # a paragraph of text: its last line is no title of its own
    return text, ""


def _joiner(level: int, separator: str) -> str:
    if level == 0:
        return "\n\n"
    return "\n" if "\n" in separator else " "


def _tail(text: str, overlap: int) -> str:
    """The last whole sentences of `text` within `overlap` characters. When its last sentence
    is longer, nothing: a piece of it would open the next chunk mid-sentence, with a capital
    as often as not ("Nordic countries take 4 days."), and be quoted as a sentence. Text that
    stops mid-sentence (a sentence longer than a chunk, a list of words) carries its last
    whole words: the next chunk opens mid-sentence anyway."""
    if overlap <= 0 or not text:
        return ""
    start = _SENTENCE_START.search(text[-overlap:])
    if start:
        return text[-overlap:][start.end():].strip()
    return "" if _SENTENCE_END.search(text) else _tail_words(text, overlap)


def _tail_words(text: str, overlap: int) -> str:
    """The last whole words of `text`, at most `overlap` characters."""
    if overlap <= 0 or not text:
        return ""
    tail = text[-overlap:]
    if len(text) > overlap and not text[-overlap - 1].isspace():
        cut = tail.find(" ")
        tail = tail[cut + 1:] if cut >= 0 else ""
    return tail.strip()


def _record_pieces(text: str, size: int) -> list[str]:
    """A record whole up to RECORD_CAP chunk sizes; past that, runs of its lines, each headed
    by the record's first line (a line longer than a piece is cut at sentences, then words)."""
    text = text.strip()
    cap = size * RECORD_CAP
    if len(text) <= cap:
        return [text] if text else []
    head, _, body = text.partition("\n")
    if len(head) > size // 2:  # no short first field worth repeating
        head, body = "", text
    room = cap - len(head) - 1
    pieces, current = [], ""
    for line in body.split("\n"):
        for part in [line] if len(line) <= room else _split(line, room, 1):
            if current and len(current) + 1 + len(part) <= room:
                current = f"{current}\n{part}"
            else:
                pieces.append(current)
                current = part
    pieces.append(current)
    return [f"{head}\n{piece}" if head else piece for piece in pieces if piece.strip()]


CONTENTS_SHARE = 0.6  # of a passage's lines numbered titles: a table of contents


def is_contents(text: str) -> bool:
    """Whether a passage is a table of contents ("6.2.1. Which other codenames...?" / "6.2.2.
    Where do these codenames come from?" / ...): it names every subject of its chapter and
    answers none, yet its words match questions on all of them. Most of its text is in
    numbered titles (a code listing's "1 Source: gentoo" is no title), a title a line wide
    going on in the next line."""
    entries: list[str] = []
    for line in text.split("\n"):
        line = " ".join(line.split())
        if not line:
            continue
        if entries and not _ENTRY_START.match(line) and not entries[-1].endswith("?"):
            entries[-1] = f"{entries[-1]} {line}"
        else:
            entries.append(line)
    titles = [entry for entry in entries if _is_contents_entry(entry)]
    numbered = sum(bool(_SECTION_NUMBER.match(entry) or _DOT_LEADER.search(entry)) for entry in titles)
    return numbered >= 4 and sum(map(len, titles)) >= CONTENTS_SHARE * sum(map(len, entries))


# "6.2.1.", "A.3", "14." as a chapter among them.
_SECTION_NUMBER = re.compile(r"^(?:\d+(?:\.\d+)+\.?|[A-Z]\.\d+(?:\.\d+)*\.?)(?:\s|$)")
_ENTRY_START = re.compile(r"^(?:\d+(?:\.\d+)*\.|[A-Z]\.\d+|chapter\s|cap[íi]tulo\s|appendix\s|ap[ée]ndice\s)",
                          re.IGNORECASE)
_DOT_LEADER = re.compile(r"(?:\.\s?){4,}\s*\d+$")


def _is_contents_entry(entry: str) -> bool:
    if _DOT_LEADER.search(entry):
        return True
    number = _ENTRY_START.match(entry)
    title = entry[number.end():].strip() if number else entry
    if len(title.split()) > TITLE_MAX_WORDS:
        return False
    return title.endswith("?") if not number else not title.endswith((".", ":", ";", ","))


def embedded_text(text: str, metadata: dict) -> str:
    """What a passage's vector is computed from: its heading (a Markdown section's title)
    and its text, as its search_vector is (migration 0009): a passage deep in a section
    rarely repeats the title that says what it is about."""
    heading = (metadata or {}).get("heading") or ""
    return text if not heading or heading in text else f"{heading}\n\n{text}"


_END_KEYS = {"page": "page_end", "row": "row_end", "item": "item_end"}


def chunk_sections(sections: list[Section], *, size: int = 1000, overlap: int = 200) -> list[ChunkDraft]:
    size = max(100, size)
    overlap = max(0, min(overlap, size // 2))
    body_size = size - overlap - 2  # room left for new text once the overlap and a paragraph break are prepended
    chunks: list[ChunkDraft] = []
    text, metadata, last_metadata, records = "", {}, {}, False

    def flush():
        nonlocal text
        if not text:
            return
        meta = dict(metadata)
        if is_contents(text):
            meta["contents"] = True
        for key, end_key in _END_KEYS.items():
            if key in meta and last_metadata.get(key) != meta[key]:
                meta[end_key] = last_metadata.get(key)
        chunks.append(ChunkDraft(index=len(chunks), text=text, metadata=meta))
        text = ""

    for section in sections:
        record = any(key in section.metadata for key in _RECORD_KEYS)
        pieces = _record_pieces(section.text, size) if record else _split(section.text, body_size)
        for piece in pieces:
            if text and record == records and len(text) + 2 + len(piece) <= size:
                text = f"{text}\n\n{piece}"
            else:
                kept, title = _detach_title(text) if text and not record and not records else (text, "")
                if title and len(_tail(kept, overlap)) + len(title) + len(piece) + 4 <= size:
                    # A question or title closing the chunk goes with the text it announces.
                    text, piece = kept, f"{title}\n\n{piece}"
                # Overlap only between passages of prose: a record's chunk starts with the record.
                carried = "" if record or records else _tail(text, overlap)
                flush()
                # A paragraph break, as between any two pieces: the piece may be a heading or a
                # new paragraph, and a space would run it into the carried text ("... ## Title").
                text = f"{carried}\n\n{piece}" if carried else piece
                metadata, records = dict(section.metadata), record
            last_metadata = section.metadata
    flush()
    return chunks
