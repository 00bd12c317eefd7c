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
