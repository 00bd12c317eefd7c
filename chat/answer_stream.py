"""What happens to a model's answer on its way to the visitor, piece by piece.

- **Not in the passages**: a chat model told to answer NOT_IN_PASSAGES when the passages do
  not hold the answer. The first characters are held back until they cannot be that marker,
  so a visitor never sees it; the reply flow says "I don't know" instead.
- **Citations renumbered 1..n** in the order they first appear: the model cites passages by
  their retrieval rank ([1], [4]), and a reader expects [1], [2]. A citation split across two
  pieces ("[" then "4]") is held until it is whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kaiu.ai.chat import NOT_IN_PASSAGES

_CITATION = re.compile(r"\[(\d{1,3})\]")
_OPEN_CITATION = re.compile(r"\[\d{0,3}$")  # a citation that may finish in the next piece


class NotInPassages(Exception):
    """The model said the passages do not hold the answer."""


def unless_not_in_passages(pieces: Iterator[str]) -> Iterator[str]:
    """The pieces, or NotInPassages raised before any is given when the answer is the marker."""
    held = ""
    for piece in pieces:
        held += piece
        if not NOT_IN_PASSAGES.startswith(held.lstrip()[:len(NOT_IN_PASSAGES)]):
            yield held
            yield from pieces
            return
        if len(held.lstrip()) >= len(NOT_IN_PASSAGES):
            for _ in pieces:  # the marker may come with a few words more: none of it is shown
                pass
            raise NotInPassages()
    if held.strip():
        if held.strip().startswith(NOT_IN_PASSAGES[:8]):
            raise NotInPassages()
        yield held


class Renumbering:
    """Citations renumbered in order of first appearance; `numbers` maps old to new."""

    def __init__(self):
        self.numbers: dict[int, int] = {}

    def __call__(self, pieces: Iterator[str]) -> Iterator[str]:
        held = ""
        for piece in pieces:
            held += piece
            tail = _OPEN_CITATION.search(held)
            ready, held = (held[:tail.start()], held[tail.start():]) if tail else (held, "")
            if ready:
                yield _CITATION.sub(self._renumber, ready)
        if held:
            yield _CITATION.sub(self._renumber, held)

    def _renumber(self, match: re.Match) -> str:
        old = int(match.group(1))
        new = self.numbers.setdefault(old, len(self.numbers) + 1)
        return f"[{new}]"

    def sources(self, sources: list[dict]) -> list[dict]:
        """The sources under their new numbers, cited ones first, in citation order."""
        uncited = len(self.numbers)
        renumbered = []
        for source in sources:
            if source["n"] in self.numbers:
                number = self.numbers[source["n"]]
            else:
                uncited += 1
                number = uncited
            renumbered.append({**source, "n": number})
        return sorted(renumbered, key=lambda source: source["n"])
