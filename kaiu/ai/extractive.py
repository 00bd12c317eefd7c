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
from collections import Counter, defaultdict
from dataclasses import dataclass

from kaiu.ai.embeddings import fold
from kaiu.ai.sentences import ENDS_SENTENCE, LIST_ITEM, left_open, lines_in_blocks

# A sentence ends at . ! ? … followed by one that starts as sentences do: "a las 2 p. m. de
# un día hábil" is one sentence, not two.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(¿¡*_\d]|[^\W\d_](?<=[A-ZÁÉÍÓÚÜÑ]))")
_TERM = re.compile(r"[0-9a-zñ]+(?:[-_.][0-9a-zñ]+)*")
_STOPWORDS = set(
    "a al algo como con de del donde el ella en es esta este esto hay la las lo los mas me mi mis muy "
    "no o para pero por que se si sin sobre su sus tu un una uno y ya cual cuales cuando cuanto puedo "
    "tienen tiene tienes hacer hace quiero saber son estan ser fue le les nos usted ustedes "
    "the an and are can do does for how i in is it my of on or what when where which who why with you your "
    "be been has have this that there to at by as if from we our they many much cuantos cuantas cuanta solo "
    "only really anything something everything every any other others else just also still even ever way ways "
    "thing things algun alguna alguno algunos algunas ademas dentro cosa cosas forma manera modo nada todo todos "
    "todas cada otro otra otros otras mismo misma".split())
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
    """Folded words without stop words, each cut to its stem (_stem)."""
    return _stems_of(_TERM.findall(fold(text)))


def _stems_of(words: list[str]) -> list[str]:
    return [_stem(word) for word in words if word not in _STOPWORDS and len(word) > 1]


# Endings of plurals, participles, verbs and adverbs, longest first: "instalación", "instalado",
# "instalar" and "installed" all come to "instal", "apago" and "apagar" to "apag". What is left
# keeps at least four letters.
_SUFFIXES = ("aciones", "iciones", "amente", "acion", "icion", "mente", "iendo", "ando", "amos", "emos", "imos",
             "ados", "adas", "idos", "idas", "ing", "ado", "ada", "ido", "ida", "ar", "er", "ir", "an", "en", "ed",
             "es", "s")


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A light stemmer for Spanish and English, enough to match envío / envíos, nuevo / nuevas,
    file / files, install / installed: a plural, participle or adverb ending off, then a final
    vowel (gender, the "e" of "paquete" and "paquetes" alike), then cut to six letters (which
    keeps "dirección" apart from "directorio"). Words with digits or joiners (codes, file
    names, options) are kept whole."""
    if not word.isalpha():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= (3 if suffix in _INFINITIVES else 4):
            word = word[:-len(suffix)]
            break
    if len(word) > SHORTEST_STEM and word[-1] in "aeo":
        word = word[:-1]
    return word[:6]


_INFINITIVES = frozenset(("ar", "er", "ir"))
SHORTEST_STEM = 3


_GROUP_OF = {stem: group for group, words in enumerate(_FIELD_WORDS) for stem in _stems(words)}

# Words a customer and a shop's text use for the same thing: "¿Cuánto tarda el envío?" is
# answered by "Cali: 2 a 3 días hábiles", which shares no word with it. A sentence holding a
# word of a group holds the group's marker ("c0"), and so does a question.
_CONCEPT_WORDS = [
    "tarda tardan tardara demora demoran tiempo plazo long dias dia days day semanas semana weeks "
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
    """A sentence, a line of code or a command, or a record (then `fields` holds its columns)."""
    text: str
    key: str  # folded words: the same sentence in overlapping passages is one
    terms: frozenset[str]  # a sentence's stems; a record's, of its values (its columns match by name)
    fields: tuple[Field, ...] = ()
    literal: bool = False  # a command or a line of code: quoted after the sentence it follows, never alone
    paragraph: int = 0  # the passage's line it is on
    section: int = 0  # how many headings come before it in the passage
    lead_in: str = ""  # "Option: Aptitude::Get-Root-Command", over the "Description: ..." line it names
    own_terms: frozenset[str] = frozenset()  # a sentence's stems without its headings'
    heading_terms: frozenset[str] = frozenset()  # the stems of the headings above it in its passage
    under_title: bool = False  # its section opened with a title (_Piece)


@functools.lru_cache(maxsize=512)  # about 20 KB a passage read: some 10 MB a process at most
def _read(passage: str, markdown: bool = False) -> tuple[Unit, ...]:
    """The passage's sentences, lines of code or records, each with its folded words and its
    stems. Kept per process: a bot answers from the same passages again and again, and reading
    them was 80 % of the extractive model's time (1.3 ms an answer, 0.3 with them read)."""
    records = _records(passage)
    if records:
        return records
    read = []
    for piece in _sentences(passage, markdown):
        words = _TERM.findall(fold(piece.text))
        # A sentence also says what its heading says: "PSE para pagos desde tu cuenta" under
        # "Medios de pago / Aceptamos:" answers "¿Qué medios de pago aceptan?".
        own = _with_concepts(_stems_of(words))
        heading = _with_concepts(_stems(piece.heading))
        terms = own | heading | _with_concepts(_stems(piece.lead_in))
        read.append(Unit(piece.text, " ".join(words), terms, (), piece.literal, piece.paragraph, piece.section,
                         piece.lead_in, own, heading, piece.under_title))
    return tuple(read)


@dataclass(frozen=True)
class _Piece:
    text: str
    heading: str  # the headings above it, joined
    literal: bool
    paragraph: int
    section: int
    lead_in: str
    under_title: bool = False  # its section opened with a title, not a line introducing a list ("... as follows:")


def _sentences(text: str, markdown: bool = False) -> list[_Piece]:
    """The passage's whole sentences and its lines of code, each with the headings above it:
    lines a page width broke are joined; headings, navigation, list markers and the pieces a
    chunk boundary leaves (a first sentence starting in lower case, a last one left open:
    "Gift cards can be combined with") are left out."""
    out: list[_Piece] = []
    headings: dict[int, str] = {}
    section, fenced, group, titled, introduced = 0, False, "", False, False
    whole_first = False  # the passage's first sentence is a list item or follows a heading: not a cut piece
    previous_block, previous_line = -1, ""
    for line, paragraph in lines_in_blocks(text):
        # "El paquete no trae datos precompilados." / "Necesitas configurarlo como:" in one
        # paragraph: the line ending in ":" goes on from the sentence before it, no title.
        goes_on = paragraph == previous_block and bool(ENDS_SENTENCE.search(previous_line)) \
            and not previous_line.endswith(":")
        previous_block, previous_line = paragraph, line
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced or _is_command(line, markdown):
            out.append(_Piece(line, _context(headings), True, paragraph, section, ""))
            introduced = False
            continue
        if _NAVIGATION.search(fold(line)):
            continue
        # What a sentence ending in ":" introduces is its content, however short ("i.e. do:" /
        # "adduser user group"), not a title.
        level = 0 if introduced or (goes_on and line.endswith(":")) else _heading_level(line)
        introduced = line.endswith(":") and not level and not _BULLET.match(line)
        if level:
            headings = {depth: title for depth, title in headings.items() if depth < level}
            headings[level] = _NUMBERING.sub("", line.lstrip("#| ")).rstrip(":| ")
            section, group, titled = section + 1, "", not line.rstrip("| ").endswith(":")
            continue
        # "Option: X" / "Default: y" / "Description: ...": the first line of such a group
        # names what the others describe.
        field = _FIELD.match(line)
        if not field or (group and field.group(1) == group.split(":", 1)[0]):
            group = ""  # the next "Option: ..." opens a group of its own
        lead_in = group
        group = (group or line) if field else ""
        if not out:
            whole_first = bool(section) or bool(_BULLET.match(line))
        line = _BULLET.sub("", line)
        context = _context(headings)
        out += [_Piece(sentence.strip(), context, False, paragraph, section, lead_in, titled)
                for sentence in _SENTENCE_END.split(line) if len(sentence.strip()) > 3]
    if len(out) > 1 and out[0].text[:1].islower() and not out[0].literal and not whole_first:
        out = out[1:]
    if len(out) > 1 and left_open(out[-1].text) and not out[-1].literal:
        out = out[:-1]
    return out


def _context(headings: dict[int, str]) -> str:
    return " ".join(headings[depth] for depth in sorted(headings))


# A shell prompt: "$ debuild -- clean", "# adduser fish" (in Markdown "# " opens a heading,
# unless a lower-case command follows it).
_COMMAND = re.compile(r"^[$%]\s+\S")
_ROOT_COMMAND = re.compile(r"^#\s+[a-z][\w.+-]*(?:\s|$)")
# "11.1.", "6.4", "Chapter 11.", "Capítulo 3": a section's number.
_NUMBERING = re.compile(r"^(?:(?:chapter|cap[íi]tulo|appendix|ap[ée]ndice|section|secci[óo]n)\s+[\dA-Z]+\.?"
                        r"|\d+(?:\.\d+)+\.?)\s+(?:\|\s*)?", re.IGNORECASE)


def _is_command(line: str, markdown: bool) -> bool:
    return bool(_COMMAND.match(line) or (_ROOT_COMMAND.match(line) and (not markdown or _ROOT_SHELL.search(line))))


_ROOT_SHELL = re.compile(r"\s-|[/=>|]")  # options, paths, redirections: a command, not a title


def _heading_level(line: str) -> int:
    """0 for a sentence; else the heading's depth: Markdown's number of "#", a numbered
    section's depth ("11.1." is 8, under "Chapter 11." at 7), 9 for the rest."""
    if line.startswith("#"):
        return len(line) - len(line.lstrip("#"))
    numbering = _NUMBERING.match(line)
    if numbering:
        rest = line[numbering.end():]
        if not rest.endswith("?") and ENDS_SENTENCE.search(rest) and not rest.endswith(":"):
            return 0
        if len(rest.split()) > (40 if rest.endswith("?") else 20):
            return 0
        return min(9, 6 + len(re.findall(r"\d+", numbering.group())))
    if _is_question(line) or _is_heading(line):
        return 9
    return 0


def _is_question(line: str) -> bool:
    """A line that is one question and nothing more, as an FAQ's entries are: its answer
    follows it, and says what it asks."""
    return line.endswith("?") and len(line.split()) <= 25 and len(_SENTENCE_END.split(line)) == 1


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
    if sum(len(block) > 1 for block in blocks) * 2 < len(blocks):
        return ()  # "Option: X" / "Default: y" / "Description: ...", a blank line apart: prose, not rows
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
    units: tuple[Unit, ...]  # its passage's, for the text that follows it


# About four sentences: the window after the lead stops there, and a sentence of another
# passage is added only within it.
ANSWER_BUDGET = 550
_LITERAL_CHARS = 160  # of one line of code quoted after its sentence
_LITERAL_LINES = 3
_LITERAL_SHARE = 0.75


# Verbs and adverbs any question may use, whatever it asks about: rare among a few passages'
# sentences only by chance ("may", "would", "tener"), they say little of what is asked.
GENERIC_SHARE = 0.5
_GENERIC_WORDS = (
    "may might must should would could shall use uses used using make makes made let lets find finds found show "
    "shows keep keeps get gets got take takes took give gives put need needs want wants like most more less least "
    "first last one two three go goes come comes see seen look looks tell know try run well able possible "
    "new old own right wrong best better good back out up down off over again always never often usually "
    "puedo puede pueden podria debo debe deben tener tengo tiene poner pone pongo ponen venir viene vienen usar uso "
    "usa usan desde dar da dan hacer hago hace ir voy ver veo querer quiero deber llevar lleva dejar deja gustar "
    "gusta mas menos mejor peor primero primer ultimo uno dos tres nuevo nueva propio propia bien mal siempre nunca "
    "ahora aqui alli luego despues antes")
_GENERIC = frozenset(_stems_of(_GENERIC_WORDS.split()))
CARRIED_WEIGHT = 0.5  # of a word carried from earlier turns (chat.followup), beside the question's own
RANK_PENALTY = 0.15  # a sentence of the n-th passage retrieved counts 1 / (1 + RANK_PENALTY * n)
COVERAGE_WEIGHT = 1.0  # of any question word a sentence holds, however many others hold it (pick)


def pick(question: str, passages, limit: int = 3, carried: tuple[str, ...] = ()) -> list[tuple[str, int]]:
    """What answers `question` from `passages` (objects with .number, .text and
    .document_name), each with the number of the passage it quotes: the unit that best
    covers the question's rare words first, with what follows it in its passage (the
    command its sentence introduces, the sentences that go on about the same thing), then
    up to `limit` - 1 sentences of other passages that bear on what that left uncovered."""
    # A question's word of a group counts as the group alone, so "envío" is one term, not two.
    stems = _stems(question)
    asked = {f"c{_CONCEPT_OF[stem]}" if stem in _CONCEPT_OF else stem for stem in stems}
    asked |= {f"g{_GROUP_OF[stem]}" for stem in stems if stem in _GROUP_OF}
    asked |= {stem for stem in stems if stem in _GROUP_OF}  # a column is named by its own word too
    candidates, boilerplate = _candidates(passages)
    if not candidates:
        return []
    # Rare words say more: weight each question word by how few of the units hold it. Yet a
    # word most of the passages hold is most often what retrieval found them by, the question's
    # subject: each word found counts at least one (COVERAGE_WEIGHT) besides its rarity.
    holders = {term: sum(term in c.unit.terms for c in candidates) for term in asked}
    rarity = {term: math.log(1 + len(candidates) / count) for term, count in holders.items() if count}
    # "How many mines are hidden on its board? (Minesweeper game)": the sentence saying how many
    # mines are hidden answers it, not the one naming the game most.
    for term in _carried_only(question, carried):
        if term in rarity:
            rarity[term] *= CARRIED_WEIGHT
    for term in _GENERIC & rarity.keys():
        rarity[term] *= GENERIC_SHARE
    weight = {term: value + (CARRIED_WEIGHT if term in _carried_only(question, carried) else 1) * COVERAGE_WEIGHT
              for term, value in rarity.items()}
    scores = {c: _score(c, asked, weight) for c in candidates}
    _favour_the_kind_asked(question, candidates, scores, asked, weight)
    lead = max(candidates, key=lambda c: (scores[c], -c.rank, -c.position))
    if not scores[lead]:
        return [(_quote(candidates[0], asked), candidates[0].number)]  # nothing shared: the best passage's start
    if lead.unit.fields:
        others = _alike_records(lead, candidates, asked)
        picked = [lead, *sorted(others[:limit - 1], key=lambda c: (c.rank, c.position))]
        return [(_quote(c, asked), c.number) for c in picked]
    informative = _informative(asked, rarity)
    held = Counter(term for c in candidates for term in c.unit.own_terms)
    windows = [_window(lead, informative, held, len(candidates), boilerplate, set(), ANSWER_BUDGET)]
    size = sum(len(text) for text, _ in windows[0][0])
    covered = frozenset().union(*(unit.terms for unit in windows[0][1]))
    used = {unit.key for unit in windows[0][1]}
    # "How many...?" answered without a number, "How do I...?" without the command: the best
    # sentence that gives one follows, if it bears on the question at all.
    kind = _kind_asked(question, asked)
    if kind and not any(kind(unit) for unit in windows[0][1]):
        giving = [c for c in candidates if c.unit.key not in used and scores[c] >= KIND_SHARE * scores[lead]
                  and not c.unit.fields and (kind(c.unit) or (kind is not _gives_number and _introduces_command(c)))]
        for best in sorted(giving, key=lambda c: (-scores[c], c.rank, c.position))[:KIND_TRIES]:
            window = _window(best, informative, held, len(candidates), boilerplate, used, ANSWER_BUDGET - size)
            if window[0] and any(kind(unit) for unit in window[1]):
                windows.append(window)
                size += sum(len(text) for text, _ in window[0])
                covered |= frozenset().union(*(unit.terms for unit in window[1]))
                used |= {unit.key for unit in window[1]}
                break
    for c in _related_sentences(lead, candidates, informative, scores):
        if len(windows) == limit:
            break
        # Beside the lead, in its passage, a sentence bearing on the question is welcome; from
        # elsewhere, only one that says what the lead's did not.
        if c.unit.key in used or size + len(c.unit.text) > ANSWER_BUDGET:
            continue
        if c.units is not lead.units and not (c.unit.terms & informative) - covered:
            continue
        window = _window(c, informative, held, len(candidates), boilerplate, used, ANSWER_BUDGET - size)
        windows.append(window)
        size += sum(len(text) for text, _ in window[0])
        covered |= frozenset().union(*(unit.terms for unit in window[1]))
        used |= {unit.key for unit in window[1]}
    first, *others = windows
    others.sort(key=lambda window: (window[2].rank, window[2].position))
    return [piece for pieces, _, _ in [first, *others] for piece in pieces]


def _asked_terms(stems) -> set[str]:
    return {f"c{_CONCEPT_OF[stem]}" if stem in _CONCEPT_OF else stem for stem in stems}


def _carried_only(question: str, carried: tuple[str, ...]) -> set[str]:
    """The question's terms that only the words carried from earlier turns brought."""
    if not carried:
        return set()
    own = Counter(_stems(question)) - Counter(_stems(" ".join(carried)))
    return _asked_terms(_stems(" ".join(carried))) - _asked_terms(own)


def _candidates(passages) -> tuple[list[_Candidate], set[str]]:
    """Every sentence or record of the passages once, less the document's title and what
    repeats like boilerplate (returned apart: the window after the lead stops at it too)."""
    first: dict[str, _Candidate] = {}
    places: dict[str, list[int]] = defaultdict(list)
    titles = {" ".join(_TERM.findall(fold(re.sub(r"\.\w{2,4}$", "", p.document_name)))) for p in passages}
    for rank, passage in enumerate(passages):
        units = _read(passage.text, passage.document_name.lower().endswith((".md", ".markdown")))
        for position, unit in enumerate(units):
            # A line of code is found on its own only when it is a command ("$ sudo apt install
            # eyes17" under "On Debian"), not a program's output.
            if unit.key and unit.key not in titles and (not unit.literal or _is_command(unit.text, False)):
                places[unit.key].append(position)
                seen = first.get(unit.key)
                if seen is None:
                    first[unit.key] = _Candidate(rank, position, unit, passage.number, units)
                elif _following(units, position) > _following(seen.units, seen.position):
                    # Overlapping chunks: "You can shut it down from the shell:" closes one
                    # passage and opens the next, where the command it introduces follows. It
                    # is quoted from there, at the rank of the better passage.
                    seen.position, seen.unit, seen.number, seen.units = position, unit, passage.number, units
    # Overlapping chunks repeat a sentence twice, closing one passage and opening the next. In
    # three passages, or opening two, it is a running title or a disclaimer: never the answer.
    boilerplate = {key for key, at in places.items() if len(at) >= 3 or at == [0, 0]} | titles
    return [c for key, c in first.items() if key not in boilerplate], boilerplate


def _following(units: tuple[Unit, ...], position: int) -> int:
    """How many units follow the one at `position` in its section of its passage (at most 3)."""
    section = units[position].section
    return sum(1 for unit in units[position + 1:position + 4] if unit.section == section)


# Words that open a sentence about what the one before it said: "This is very useful if ...".
_REFERS_BACK = frozenset("this these that those it its they such thus so esto este esta estos estas eso esa "
                         "ello asi dicho dicha dichos dichas".split())


def _window(chosen: _Candidate, informative: set[str], held: Counter, count: int, boilerplate: set[str],
            used: set[str], room: int) -> tuple[list[tuple[str, int]], list[Unit], _Candidate]:
    """A chosen sentence and what follows it in its section of its passage, while it goes on
    about the same thing, within `room` characters: the lines of code after it ("You can
    clean the source tree as simply as:" / "$ debuild -- clean"), what a sentence ending in
    ":" introduces, and the sentences of its paragraph that share a rare word with it or an
    informative one with the question ("However, you can override this by holding Shift"),
    or refer back to it ("This setting is kept in /etc/papersize"). A chosen sentence opening
    with "This" or "Esto" comes after the one it refers to."""
    # Rare: held by at most half of the sentences.
    linked = informative | {term for term in chosen.unit.own_terms if 2 * held[term] <= count}
    units, start = list(chosen.units), chosen.position
    before = units[start - 1] if start else None
    if (before and before.section == chosen.unit.section and before.key not in boilerplate
            and (before.literal or before.paragraph == chosen.unit.paragraph)
            and _first_word(chosen.unit.text) in _REFERS_BACK):
        start -= 1
    taken, pieces, size, lines = [], [], 0, 0
    for unit in units[start:]:
        if taken and (unit.section != chosen.unit.section or unit.key in boilerplate or unit.key in used):
            break
        if unit.literal:
            if lines == _LITERAL_LINES:
                break
            code = _as_code(_shortened(unit.text))
            if pieces:
                pieces[-1] += f" {code}"
            else:
                pieces.append(code)
            size, lines = size + len(code), lines + 1
        else:
            if taken and unit is not chosen.unit:
                previous = taken[-1]
                introduced = previous.text.endswith(":")
                goes_on = (unit.paragraph == previous.paragraph or previous.literal) and (
                    unit.own_terms & linked or _first_word(unit.text) in _REFERS_BACK)
                if not (introduced or goes_on) or size + len(unit.text) > room:
                    break
            text = f"{unit.lead_in}; {unit.text}" if unit.lead_in and not taken else unit.text
            pieces.append(text)
            size, lines = size + len(text), 0
        taken.append(unit)
    return [(piece, chosen.number) for piece in pieces], taken, chosen


def _first_word(text: str) -> str:
    words = _TERM.findall(fold(text[:20]))
    return words[0] if words else ""


def _with_code(candidate: _Candidate) -> str:
    """A sentence and the lines of code right after it, which it introduces."""
    code = []
    for unit in candidate.units[candidate.position + 1:candidate.position + 1 + _LITERAL_LINES]:
        if not unit.literal or unit.section != candidate.unit.section:
            break
        code.append(_as_code(_shortened(unit.text)))
    return " ".join([candidate.unit.text, *code])


def _shortened(line: str) -> str:
    return line if len(line) <= _LITERAL_CHARS else line[:_LITERAL_CHARS].rsplit(" ", 1)[0] + " …"


def _as_code(line: str) -> str:
    """A line of code as Markdown code: "# adduser fish" is not a title there."""
    fence = "``" if "`" in line else "`"
    return f"{fence}{line.strip(chr(96)) if fence == chr(96) else line}{fence}"


def _units_in(lead: _Candidate, window) -> list[Unit]:
    texts = {text for text, _ in window}
    return [lead.unit, *(u for u in lead.units[lead.position + 1:] if u.text in texts)]


def _score(candidate: _Candidate, asked: set[str], weight: dict[str, float]) -> float:
    unit = candidate.unit
    if unit.fields:
        # A record matches by its values. Naming the asked column ("price"), or holding a value
        # the question names whole ("Kenya", "Sencha Kirishima"), breaks a tie with prose.
        score = sum(weight.get(term, 0) for term in unit.terms & asked)
        if score and any(f.name_terms & asked for f in unit.fields):
            score += _RECORD_BONUS
        if score and any(f.value_terms and f.value_terms <= asked for f in unit.fields):
            score += _RECORD_BONUS
    else:
        score = sum(weight.get(term, 0) for term in unit.terms & asked)
        if _opens_section(candidate):
            # The first sentence under a title naming what is asked ("aptitude safe-upgrade" /
            # "This command will upgrade...", an FAQ's question / its answer) is what the title
            # announces; the later ones go on to details.
            # The more of the title the question asks, the more the title is the question.
            named = unit.heading_terms & asked
            share = len(named) / len(unit.heading_terms) if unit.heading_terms else 0
            score += _OPENING_BONUS * share * sum(weight.get(term, 0) for term in named)
        if _FOOTNOTE.match(unit.text):
            score *= _FOOTNOTE_SHARE
    if unit.literal:
        score *= _LITERAL_SHARE  # a command answers less often than the sentence that explains it
    return score / (1 + RANK_PENALTY * candidate.rank)


# "How many mines...?", "¿Cuántas minas...?", "At what frequency...?", "¿Qué voltaje...?": a
# sentence giving a number answers it.
_MEASURES = ("frequency|voltage|voltages|range|size|length|speed|rate|port|version|value|number|level|limit|"
             "temperature|resolution|current|resistance|capacitance|capacity|time|date|year|percentage|width|height|"
             "frecuencia|voltaje|tensi[oó]n|rango|tama[ñn]o|longitud|velocidad|tasa|puerto|versi[oó]n|valor|n[uú]mero|"
             "nivel|l[ií]mite|temperatura|resoluci[oó]n|corriente|resistencia|capacidad|tiempo|fecha|a[ñn]o|"
             "porcentaje|ancho|alto")
_ASKS_QUANTITY = re.compile(r"\bhow (?:many|much|long|often|big|large|fast|far|old)\b|\bcu[aá]nt[oa]s?\b"
                            r"|\b(?:what|which|qu[eé]|cu[aá]l(?:es)?)\s+(?:(?:is|are|es|son|el|la|los|las)\s+)?"
                            rf"(?:maximum\s+|minimum\s+|m[aá]xim[oa]\s+|m[ií]nim[oa]\s+)?(?:{_MEASURES})\b"
                            r"|\bat most\b|\bat least\b|\bcomo m[aá]ximo\b|\bcomo m[ií]nimo\b", re.IGNORECASE)
VALUE_SHARE = 0.5  # a sentence giving a number counts this much more, when a quantity is asked
_QUANTITY = re.compile(r"(?<![^\W\d_])\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|"
                       r"hundred|"
                       r"dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|once|doce|veinte|cien|mil)\b",
                       re.IGNORECASE)
# "How do I list the files...?", "¿Cómo rechazo una acción?": the sentence saying "To list ...,
# run ..." / "Para rechazar una acción, pulse r" is the instruction asked for.
_ASKS_HOW = re.compile(r"\bhow (?:do|can|should|could|would) (?:i|we|you|one)\b|\bc[oó]mo\b", re.IGNORECASE)
_PURPOSE = re.compile(r"^(?:to|para)\s+(\w+)", re.IGNORECASE)


# "Which command compares...?", "¿Con qué orden empiezo?", "What do I run?": a command is asked for.
_ASKS_COMMAND = re.compile(r"\b(?:command|commands|program|tool|utility|run|type|orden|[óo]rdenes|comando|comandos"
                           r"|programa|herramienta|ejecut[oa]|escribo)\b", re.IGNORECASE)
COMMAND_SHARE = 0.5  # a sentence followed by the command it introduces counts this much more, when one is asked


KIND_SHARE = 0.3  # of the lead's score, for the best sentence of the kind asked to follow it
KIND_TRIES = 3  # sentences of that kind tried, best first, for one whose quote holds what is asked


def _is_command_line(unit: Unit) -> bool:
    return unit.literal and _is_command(unit.text, False)


def _gives_number(unit: Unit) -> bool:
    return not unit.literal and _holds_amount(unit.text)


# Numbers that are no amount: a manual page's section ("dpkg(1)"), a reference to a part of
# the document ("Section 4.3", "Tabla 1.3", "5.1↑").
_REFERENCE = re.compile(r"\w\(\d\w*\)|\b(?:sections?|secci[oó]n|secciones|chapter|cap[ií]tulo|tables?|tablas?|"
                        r"figures?|figuras?|appendix|ap[ée]ndice)\s+[\dA-Z]+(?:\.\d+)*|\d+(?:\.\d+)*\s*↑",
                        re.IGNORECASE)


def _holds_amount(text: str) -> bool:
    return bool(_QUANTITY.search(_REFERENCE.sub(" ", _FOOTNOTE.sub("", text))))


def _kind_asked(question: str, asked: set[str]):
    """What an answer to the question must hold: a number, a command (or for "how do I...?",
    the instruction "To reject an action, press r" for the action asked), or anything (None)."""
    if _ASKS_QUANTITY.search(question):
        return _gives_number
    if _ASKS_HOW.search(question):
        def instruction(unit: Unit) -> bool:
            purpose = None if unit.literal else _PURPOSE.match(unit.text)
            return _is_command_line(unit) or bool(purpose and _asked_terms(_stems(purpose.group(1))) & asked)
        return instruction
    if _ASKS_COMMAND.search(question):
        return _is_command_line
    return None


def _introduces_command(candidate: _Candidate) -> bool:
    """Whether a line of code that is a command follows the sentence in its passage."""
    after = candidate.units[candidate.position + 1:candidate.position + 2]
    return (not candidate.unit.literal and bool(after) and after[0].literal
            and _is_command(after[0].text, False))


def _favour_the_kind_asked(question: str, candidates, scores: dict, asked: set[str], weight: dict) -> None:
    """A sentence of the kind the question asks for counts more: a number for "how many", an
    instruction opening with the asked action for "how do I", the sentence introducing a
    command for "how do I" and "which command"."""
    quantity, how = bool(_ASKS_QUANTITY.search(question)), bool(_ASKS_HOW.search(question))
    command = how or bool(_ASKS_COMMAND.search(question))
    if not (quantity or how or command):
        return
    for c in candidates:
        if not scores[c] or c.unit.fields:
            continue
        if command and _introduces_command(c):
            scores[c] *= 1 + COMMAND_SHARE
        if quantity and _holds_amount(c.unit.text):
            scores[c] *= 1 + VALUE_SHARE
        bonus = 0.0
        purpose = _PURPOSE.match(c.unit.text) if how else None
        if purpose:
            action = _stems(purpose.group(1))
            bonus += sum(weight.get(term, 0) for term in _asked_terms(action) & asked)
        scores[c] += bonus / (1 + RANK_PENALTY * c.rank)


_OPENING_BONUS = 1.0
# "⁵Dado que el paquete pbuilder está evolucionando...": a footnote adds to a sentence elsewhere.
_FOOTNOTE = re.compile(r"^[⁰¹²³⁴⁵⁶⁷⁸⁹]")
_FOOTNOTE_SHARE = 0.5


def _opens_section(candidate: _Candidate) -> bool:
    """Whether the candidate is the first sentence under a heading of its passage."""
    unit, position = candidate.unit, candidate.position
    if not unit.section or unit.literal or not unit.under_title:
        return False
    before = candidate.units[position - 1] if position else None
    return before is None or before.section != unit.section


_RECORD_BONUS = 0.5 + COVERAGE_WEIGHT  # a record naming the column asked for, or a value the question names whole


def _alike_records(lead: _Candidate, candidates: list[_Candidate], asked: set[str]) -> list[_Candidate]:
    """Other records matching all the lead matched ("teas from Japan"), never a neighbour
    that merely shares a word (another "Sencha")."""
    wanted = lead.unit.terms & asked
    return [c for c in candidates if c is not lead and c.unit.fields and c.unit.terms >= wanted]


def _informative(asked: set[str], weight: dict[str, float]) -> set[str]:
    """The question's informative words: held by at most half of the sentences, and at least
    half as rare as the rarest found. "Tea", in a tea shop's every other sentence, does not
    make one relevant to "Can opened tea be returned?"."""
    rarest = max(weight[term] for term in asked if term in weight)
    return {term for term in asked if weight.get(term, 0) >= max(0.5 * rarest, _HALF_OF_THEM)}


def _related_sentences(lead, candidates, informative, scores) -> list[_Candidate]:
    """Sentences at least half as relevant as the lead that hold one of the question's informative words."""
    related = [c for c in candidates if c is not lead and not c.unit.fields and not c.unit.literal
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
