"""What is quoted of a chosen unit: the sentence with what follows it, or a record's fields."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import NamedTuple

from kaiu.ai.embeddings import fold
from kaiu.ai.extractive.reading import OPENS_ITEM, Unit
from kaiu.ai.extractive.scoring import _Candidate
from kaiu.ai.extractive.words import _NAME_GROUP, _TERM

# About four sentences: the window after the lead stops there, and a sentence of another
# passage is added only within it.
ANSWER_BUDGET = 550
_LITERAL_CHARS = 160  # of one line of code quoted after its sentence
_LITERAL_LINES = 3


class Quote(NamedTuple):
    """A piece of the answer: what is quoted, the number of the passage it comes from, and
    whether it is a list's item (Unit.item), shown as one."""
    text: str
    number: int
    item: str = ""


# Words that open a sentence about what the one before it said: "This is very useful if ...".
_REFERS_BACK = frozenset("this these that those it its they such thus so esto este esta estos estas eso esa "
                         "ello asi dicho dicha dichos dichas".split())


def _window(chosen: _Candidate, informative: set[str], held: Counter, count: int, boilerplate: set[str],
            used: set[str], room: int, *, named: set[str]) -> tuple[list[Quote], list[Unit], _Candidate]:
    """A chosen sentence and what follows it in its section of its passage, while it goes on
    about the same thing, within `room` characters: the lines of code after it ("You can
    clean the source tree as simply as:" / "$ debuild -- clean"), what a sentence ending in
    ":" introduces, and the sentences of its paragraph that share a rare word with it or an
    informative one with the question ("However, you can override this by holding Shift"),
    or refer back to it ("This setting is kept in /etc/papersize"), or introduce a list ("The
    files are named:"). A chosen sentence opening with "This" or "Esto" comes after the one
    it refers to. A list's item the question singles out by what it `named` itself
    ("¿Envían a Medellín?" / "Bogotá y Medellín: 1 a 2 días") comes without its siblings that
    do not name it; one it does not single out comes with its whole list ("¿Qué medios de
    pago aceptan?" after a question about Medellín: all of them, not the one naming Medellín)."""
    # Rare: held by at most half of the sentences.
    linked = informative | {term for term in chosen.unit.own_terms if 2 * held[term] <= count}
    units = list(chosen.units)
    start = _window_start(chosen, boilerplate, named, room, used)
    taken, pieces, size, lines = [], [], 0, 0
    for index, unit in enumerate(units[start:], start):
        if taken and (unit.section != chosen.unit.section or unit.key in boilerplate or unit.key in used):
            break
        if unit.literal:
            if lines == _LITERAL_LINES:
                break
            code = _as_code(_shortened(unit.text))
            if pieces:
                pieces[-1][0] += f" {code}"
            else:
                pieces.append([code, ""])
            size, lines = size + len(code), lines + 1
        else:
            if taken and index > chosen.position:  # the items before the chosen one, taken whole
                previous = taken[-1]
                introduced = previous.text.endswith(":")
                goes_on = (unit.paragraph == previous.paragraph or previous.literal) and (
                    unit.own_terms & linked or _first_word(unit.text) in _REFERS_BACK
                    or _introduces_list(unit))
                if not (introduced or goes_on) or size + len(unit.text) > room:
                    break
                if unit.item == OPENS_ITEM and chosen.unit.item and _singled_out(chosen.unit, unit, named):
                    break
            text = f"{unit.lead_in}; {unit.text}" if unit.lead_in and not taken else unit.text
            pieces.append([text, unit.item])
            size, lines = size + len(text), 0
        taken.append(unit)
    return [Quote(text, chosen.number, item) for text, item in pieces], taken, chosen


def _window_start(chosen: _Candidate, boilerplate: set[str], named: set[str], room: int, used: set[str]) -> int:
    """Where the window of the chosen unit starts in its passage: at the sentence before it when
    it refers back to it ("This is…"), at its list's first item when the question does not
    single the item out, else at the unit itself."""
    units, start = chosen.units, chosen.position
    before = units[start - 1] if start else None
    if (before and before.section == chosen.unit.section and before.key not in boilerplate
            and (before.literal or before.paragraph == chosen.unit.paragraph)
            and _first_word(chosen.unit.text) in _REFERS_BACK):
        start -= 1
    return _list_start(units, start, chosen.unit, named, room, used) if chosen.unit.item else start


def _singled_out(item: Unit, sibling: Unit, named: set[str]) -> bool:
    """Whether the question names something of `item` its sibling in the list does not say."""
    return bool((item.own_terms & named) - sibling.terms)


def _list_start(units: Sequence[Unit], position: int, item: Unit, named: set[str], room: int, used: set[str]) -> int:
    """Where the quote of a list's item starts: at the item when the question names what sets
    it apart from the items before it (or they would not fit in `room`), else at the list's
    first item not quoted yet."""
    first = position
    while (first and units[first - 1].item and units[first - 1].section == item.section
           and units[first - 1].key not in used):
        first -= 1
    before = [unit for unit in units[first:position] if unit.item == OPENS_ITEM]
    if any(_singled_out(item, sibling, named) for sibling in before):
        return position
    return first if sum(len(unit.text) for unit in units[first:position + 1]) <= room else position


def _introduces_list(unit: Unit) -> bool:
    """A short sentence ending in ":" ("Los nombres de los archivos son:"): it goes on from the one
    before it in its paragraph, and the item it introduces with it."""
    return unit.text.endswith(":") and len(unit.text.split()) <= _LIST_INTRO_WORDS


_LIST_INTRO_WORDS = 12


def _first_word(text: str) -> str:
    words = _TERM.findall(fold(text[:20]))
    return words[0] if words else ""


def _shortened(line: str) -> str:
    return line if len(line) <= _LITERAL_CHARS else line[:_LITERAL_CHARS].rsplit(" ", 1)[0] + " …"


def _as_code(line: str) -> str:
    """A line of code as Markdown code: "# adduser fish" is not a title there."""
    fence = "``" if "`" in line else "`"
    return f"{fence}{line.strip(chr(96)) if fence == chr(96) else line}{fence}"


def _quote(candidate: _Candidate, asked: set[str]) -> str:
    """A sentence as written; a record as its identifying field and the fields asked for
    (by name: "price" for "¿cuánto cuesta?"; else those whose value the question holds; else all)."""
    fields = candidate.unit.fields
    if not fields:
        return candidate.unit.text
    ident = next((f for f in fields if f"g{_NAME_GROUP}" in f.name_terms), fields[0])
    rest = [f for f in fields if f is not ident]
    by_name = {f: len(f.name_terms & asked) for f in rest if f.name_terms & asked}
    if by_name:
        shown = [f for f in rest if by_name.get(f) == max(by_name.values())]
    else:
        shown = [f for f in rest if f.value_terms & asked] or rest
    quoted = [f"{f.name}: {f.value}" for f in [ident, *shown]]
    # "descripción: Para la piel grasa.; SKU: …" reads as a typo: a field's full stop gives way to the "; ".
    return "; ".join([*(text.removesuffix(".") for text in quoted[:-1]), quoted[-1]])
