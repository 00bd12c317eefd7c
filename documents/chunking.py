"""Split sections into chunks of about `size` characters with `overlap` characters of context.

Recursive: a section too long for one chunk is split at paragraphs, then sentences, then
words, never inside a word. Small pieces are packed together (CSV rows, short pages) and
each chunk keeps the metadata of where it starts (page, row, heading) plus where it ends.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from documents.extract import Section


def sha256_text(text: str) -> str:
    """A passage's identity: the same text is stored once per bot (Chunk.sha256)."""
    return hashlib.sha256(text.encode()).hexdigest()


_SEPARATORS = [re.compile(r"\n\s*\n"), re.compile(r"(?<=[.!?…])\s+|\n"), re.compile(r"\s+")]


@dataclass
class ChunkDraft:
    index: int
    text: str
    metadata: dict = field(default_factory=dict)


def _split(text: str, size: int, level: int = 0) -> list[str]:
    """Pieces of at most `size` characters, cut at the coarsest boundary that works."""
    text = text.strip()
    if len(text) <= size:
        return [text] if text else []
    if level >= len(_SEPARATORS):
        # A single "word" longer than a chunk (a URL, a hash): cutting it is the only option.
        return [text[i:i + size] for i in range(0, len(text), size)]
    pieces, current = [], ""
    for part in _SEPARATORS[level].split(text):
        part = part.strip()
        if not part:
            continue
        if len(part) > size:
            if current:
                pieces.append(current)
                current = ""
            pieces.extend(_split(part, size, level + 1))
        elif not current:
            current = part
        elif len(current) + len(_joiner(level)) + len(part) <= size:
            current = f"{current}{_joiner(level)}{part}"
        else:
            pieces.append(current)
            current = part
    if current:
        pieces.append(current)
    return pieces


def _joiner(level: int) -> str:
    return "\n\n" if level == 0 else " "


def _tail_words(text: str, overlap: int) -> str:
    """The last whole words of `text`, at most `overlap` characters."""
    if overlap <= 0 or not text:
        return ""
    tail = text[-overlap:]
    if len(text) > overlap and not text[-overlap - 1].isspace():
        cut = tail.find(" ")
        tail = tail[cut + 1:] if cut >= 0 else ""
    return tail.strip()


_END_KEYS = {"page": "page_end", "row": "row_end", "item": "item_end"}


def chunk_sections(sections: list[Section], *, size: int = 1000, overlap: int = 200) -> list[ChunkDraft]:
    size = max(100, size)
    overlap = max(0, min(overlap, size // 2))
    body_size = size - overlap - 2  # room left for new text once the overlap and a paragraph break are prepended
    chunks: list[ChunkDraft] = []
    text, metadata, last_metadata = "", {}, {}

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
        for piece in _split(section.text, body_size):
            if text and len(text) + 2 + len(piece) <= size:
                text = f"{text}\n\n{piece}"
            else:
                previous = text
                flush()
                carried = _tail_words(previous, overlap)
                # A paragraph break, as between any two pieces: the piece may be a heading or a
                # new paragraph, and a space would run it into the carried text ("... ## Title").
                text = f"{carried}\n\n{piece}" if carried else piece
                metadata = dict(section.metadata)
            last_metadata = section.metadata
    flush()
    return chunks
