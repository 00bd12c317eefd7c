"""How the built-in model reads passages and picks what answers a question.

A passage is read once (`_read`, kept per process) into units: its whole sentences, or,
when it holds records (a CSV row or JSON item rendered as "column: value" lines, records
apart by a blank line), its records. `pick` then chooses, for one question, the unit that
best covers the question's rare words, and at most two more that bear on it as well:

- a sentence is quoted whole, never a piece a chunk boundary cut, never a heading, a
  navigation line or a line repeated across the passages (a running title);
- a record is quoted as its name (identifying field) and the field the question asks for
  ("price" for "¿cuánto cuesta…?"), never with fields of the rows beside it.

All the work is on the few passages of one answer: nothing here grows with the bot's size.
"""

from __future__ import annotations

import functools
import math
import re
from collections import defaultdict
from dataclasses import dataclass

from kaiu.ai.embeddings import fold
from kaiu.ai.sentences import ENDS_SENTENCE, LIST_ITEM, join_broken_lines, left_open

# A sentence ends at . ! ? … followed by one that starts as sentences do: "a las 2 p. m. de
# un día hábil" is one sentence, not two.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(¿¡*_\d]|[^\W\d_](?<=[A-ZÁÉÍÓÚÜÑ]))")
_TERM = re.compile(r"[0-9a-zñ]+(?:[-_.][0-9a-zñ]+)*")
_STOPWORDS = set(
    "a al algo como con de del donde el ella en es esta este esto hay la las lo los mas me mi mis muy "
    "no o para pero por que se si sin sobre su sus tu un una uno y ya cual cuales cuando cuanto puedo "
    "tienen tiene tienes hacer hace quiero saber son estan ser fue le les nos usted ustedes "
    "the an and are can do does for how i in is it my of on or what when where which who why with you your "
    "be been has have this that there to at by as if from we our they".split())
# Words a question uses for a column, by column: "¿cuánto cuesta?" asks for price_sek or precio.
_FIELD_WORDS = [
    "price prices precio precios cost costs costo coste cuesta cuestan vale valen valor much tarifa pvp",
    "stock existencias existencia disponible disponibles disponibilidad available availability inventory "
    "inventario quedan unidades units quantity cantidad",
    "weight weighs peso pesa gramos grams",
    "origin origen procedencia country pais region",
    "name nombre product producto title titulo",
    "description descripcion details detalles",
    "size talla tamano medida medidas dimensions",
    "color colour colores colors",
    "category categoria type tipo",
    "sku code codigo reference referencia",
    "brand marca",
]
_NAME_GROUP = 4  # the "name" line above: a record's identifying field, when it has one
_FIELD = re.compile(r"^([^:\n]{1,60}?):[ \t]+(\S.*)$")
# Menus ("inicio | tienda | contacto"), table-of-contents lines ("Returns ...... 12"), links.
_NAVIGATION = re.compile(r"^[^|·•»›]{1,40}(?:\s[|·•»›]\s[^|·•»›]{1,40}){2,}$|(?:\.\s?){4,}\s*\d+$"
                         r"|^(?:back to top|volver arriba|skip to content|ir al contenido)$")


def _stems(text: str) -> list[str]:
    """Folded words without a plural "s", cut to five letters: a crude stemmer, enough to match
    envío / envíos and gato / gatos."""
    return _stems_of(_TERM.findall(fold(text)))


def _stems_of(words: list[str]) -> list[str]:
    return [(word[:-1] if len(word) > 3 and word.endswith("s") else word)[:5]
            for word in words if word not in _STOPWORDS and len(word) > 1]


_GROUP_OF = {stem: group for group, words in enumerate(_FIELD_WORDS) for stem in _stems(words)}

# Words a customer and a shop's text use for the same thing: "¿Cuánto tarda el envío?" is
# answered by "Cali: 2 a 3 días hábiles", which shares no word with it. A sentence holding a
# word of a group holds the group's marker ("c0"), and so does a question.
_CONCEPT_WORDS = [
    "tarda tardan tardara demora demoran tiempo plazo long take takes dias dia days day semanas semana weeks "
    "week horas hours habiles",
    "precio precios cuesta cuestan costo coste cost costs price prices vale valor tarifa fee",
    "pago pagos pagar paga pagan pay payment payments tarjeta tarjetas card cards efectivo cash",
    "envio envios enviar enviamos envian ship ships shipping delivery deliver despacho despachamos",
    "devolucion devoluciones devolver return returns refund refunds reembolso reembolsos",
]
_CONCEPT_OF = {stem: group for group, words in enumerate(_CONCEPT_WORDS) for stem in _stems(words)}


def _with_concepts(stems) -> frozenset[str]:
    return frozenset(stems) | {f"c{_CONCEPT_OF[stem]}" for stem in stems if stem in _CONCEPT_OF}


@dataclass(frozen=True)
class Field:
    name: str
    value: str
    name_terms: frozenset[str]  # the column name's stems and the groups ("g0") they belong to
    value_terms: frozenset[str]


@dataclass(frozen=True)
class Unit:
    """A sentence, or a record (then `fields` holds its columns)."""
    text: str
    key: str  # folded words: the same sentence in overlapping passages is one
    terms: frozenset[str]  # a sentence's stems; a record's, of its values (its columns match by name)
    fields: tuple[Field, ...] = ()


@functools.lru_cache(maxsize=512)  # about 20 KB a passage read: some 10 MB a process at most
def _read(passage: str) -> tuple[Unit, ...]:
    """The passage's sentences or records, each with its folded words and its stems.
    Kept per process: a bot answers from the same passages again and again, and reading
    them was 80 % of the extractive model's time (1.3 ms an answer, 0.3 with them read)."""
    records = _records(passage)
    if records:
        return records
    read = []
    for sentence, heading in _sentences(passage):
        words = _TERM.findall(fold(sentence))
        # A sentence also says what its heading says: "PSE para pagos desde tu cuenta" under
        # "Medios de pago / Aceptamos:" answers "¿Qué medios de pago aceptan?".
        read.append(Unit(sentence, " ".join(words), _with_concepts(_stems_of(words) + _stems(heading))))
    return tuple(read)


def _sentences(text: str) -> list[tuple[str, str]]:
    """The passage's whole sentences, each with the headings above it: lines a page width
    broke are joined; headings, navigation, list markers and the pieces a chunk boundary
    leaves (a first sentence starting in lower case, a last one left open: "Gift cards can be
    combined with") are left out."""
    out, headings = [], {}
    for line in join_broken_lines(text):
        if _NAVIGATION.search(fold(line)):
            continue
        if _is_heading(line):
            level = len(line) - len(line.lstrip("#")) if line.startswith("#") else 9  # "Aceptamos:" under its title
            headings = {depth: title for depth, title in headings.items() if depth < level}
            headings[level] = line.lstrip("#| ").rstrip(":| ")
            continue
        line = _BULLET.sub("", line)
        context = " ".join(headings[depth] for depth in sorted(headings))
        out += [(sentence.strip(), context) for sentence in _SENTENCE_END.split(line) if len(sentence.strip()) > 3]
    if len(out) > 1 and out[0][0][:1].islower():
        out = out[1:]
    if len(out) > 1 and left_open(out[-1][0]):
        out = out[:-1]
    return out


_BULLET = re.compile(r"^\s*(?:[-*+•▪◦·–—]|\d+[.)])\s+")


def _is_heading(line: str) -> bool:
    """A title rather than a sentence: Markdown or table syntax, a short line that ends
    without a full stop ("Returns", "Shipping and Payment"), or one introducing a list.
    "Teléfono: 555 1234" is a fact, not a title."""
    if line.startswith(("#", "|")):
        return True
    words = line.split()
    if line.endswith(":"):
        return len(words) <= 8
    if ENDS_SENTENCE.search(line) or LIST_ITEM.match(line) or _FIELD.match(line) or len(words) > 12:
        return False
    return len(words) <= 3 or all(not word[:1].isalpha() or word[:1].isupper() or len(word) < 4 for word in words)


def _records(passage: str) -> tuple[Unit, ...]:
    """The passage's records, when every line of it is a "column: value" line (a leading
    piece of a record cut off by an older chunking is skipped); else nothing."""
    blocks = [block.strip().split("\n") for block in re.split(r"\n[ \t]*\n", passage.strip()) if block.strip()]
    if blocks and not _FIELD.match(blocks[0][0]):
        blocks = blocks[1:]
    lines = [line for block in blocks for line in block]
    if len(lines) < 2 or not all(_FIELD.match(line) for line in lines):
        return ()
    units = []
    for block in blocks:
        fields = tuple(_field(*_FIELD.match(line).groups()) for line in block)
        key = " ".join(_TERM.findall(fold(" ".join(block))))
        units.append(Unit("\n".join(block), key, frozenset().union(*(f.value_terms for f in fields)), fields))
    return tuple(units)


def _field(name: str, value: str) -> Field:
    stems = set(_stems(name.replace("_", " ")))
    groups = {f"g{_GROUP_OF[stem]}" for stem in stems if stem in _GROUP_OF}
    return Field(name.strip(), value.strip(), frozenset(stems | groups), frozenset(_stems(value)))


# --- Picking ------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)  # told apart by identity: hashing a unit's fields would cost
class _Candidate:
    rank: int  # of its passage in the retrieval
    position: int  # in its passage
    unit: Unit
    number: int  # of its passage, cited


def pick(question: str, passages, limit: int = 3) -> list[tuple[str, int]]:
    """What answers `question` from `passages` (objects with .number, .text and
    .document_name), each with the number of the passage it quotes: the unit that best
    covers the question's rare words first, then up to `limit` - 1 others that bear on it."""
    # A question's word of a group counts as the group alone, so "envío" is one term, not two.
    stems = _stems(question)
    asked = {f"c{_CONCEPT_OF[stem]}" if stem in _CONCEPT_OF else stem for stem in stems}
    asked |= {f"g{_GROUP_OF[stem]}" for stem in stems if stem in _GROUP_OF}
    asked |= {stem for stem in stems if stem in _GROUP_OF}  # a column is named by its own word too
    candidates = _candidates(passages)
    if not candidates:
        return []
    # Rare words say more: weight each question word by how few of the units hold it.
    holders = {term: sum(term in c.unit.terms for c in candidates) for term in asked}
    weight = {term: math.log(1 + len(candidates) / count) for term, count in holders.items() if count}
    scores = {c: _score(c, asked, weight) for c in candidates}
    lead = max(candidates, key=lambda c: (scores[c], -c.rank, -c.position))
    if not scores[lead]:
        return [(_quote(candidates[0], asked), candidates[0].number)]  # nothing shared: the best passage's start
    if lead.unit.fields:
        others = _alike_records(lead, candidates, asked)
    else:
        others = _related_sentences(lead, candidates, asked, weight, scores)
    picked = [lead, *sorted(others[:limit - 1], key=lambda c: (c.rank, c.position))]
    return [(_quote(c, asked), c.number) for c in picked]


def _candidates(passages) -> list[_Candidate]:
    """Every unit of the passages once, less the document's title and what repeats like boilerplate."""
    first: dict[str, _Candidate] = {}
    places: dict[str, list[int]] = defaultdict(list)
    titles = {" ".join(_TERM.findall(fold(re.sub(r"\.\w{2,4}$", "", p.document_name)))) for p in passages}
    for rank, passage in enumerate(passages):
        for position, unit in enumerate(_read(passage.text)):
            if unit.key and unit.key not in titles:
                places[unit.key].append(position)
                first.setdefault(unit.key, _Candidate(rank, position, unit, passage.number))
    # Overlapping chunks repeat a sentence twice, closing one passage and opening the next. In
    # three passages, or opening two, it is a running title or a disclaimer: never the answer.
    return [c for key, c in first.items() if len(places[key]) < 3 and places[key] != [0, 0]]


def _score(candidate: _Candidate, asked: set[str], weight: dict[str, float]) -> float:
    unit = candidate.unit
    if unit.fields:
        # A record matches by its values. Naming the asked column ("price"), or holding a value
        # the question names whole ("Kenya", "Sencha Kirishima"), breaks a tie with prose.
        score = sum(weight.get(term, 0) for term in unit.terms & asked)
        if score and any(f.name_terms & asked for f in unit.fields):
            score += 0.5
        if score and any(f.value_terms and f.value_terms <= asked for f in unit.fields):
            score += 0.5
    else:
        score = sum(weight.get(term, 0) for term in unit.terms & asked)
    return score / (1 + 0.15 * candidate.rank)


def _alike_records(lead: _Candidate, candidates: list[_Candidate], asked: set[str]) -> list[_Candidate]:
    """Other records matching all the lead matched ("teas from Japan"), never a neighbour
    that merely shares a word (another "Sencha")."""
    wanted = lead.unit.terms & asked
    return [c for c in candidates if c is not lead and c.unit.fields and c.unit.terms >= wanted]


def _related_sentences(lead, candidates, asked, weight, scores) -> list[_Candidate]:
    """Sentences at least half as relevant as the lead that hold one of the question's
    informative words: one held by at most half of the sentences, and at least half as rare
    as the rarest found. "Tea", in a tea shop's every other sentence, does not make one
    relevant to "Can opened tea be returned?"."""
    rarest = max(weight[term] for term in asked if term in weight)
    informative = {term for term in asked if weight.get(term, 0) >= max(0.5 * rarest, _HALF_OF_THEM)}
    related = [c for c in candidates if c is not lead and not c.unit.fields
               and scores[c] >= 0.5 * scores[lead] and c.unit.terms & informative]
    return sorted(related, key=lambda c: (-scores[c], c.rank, c.position))


_HALF_OF_THEM = math.log(3)  # the weight of a word held by half of the units


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
    return "; ".join(f"{f.name}: {f.value}" for f in [ident, *shown])
