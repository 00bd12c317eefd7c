"""Reading a passage once into units: its whole sentences and lines of code, each with the
headings above it, or, when it holds records, its records."""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass

from kaiu.ai.embeddings import fold
from kaiu.ai.extractive.words import _GROUP_OF, _TERM, _stems, _stems_of, _with_concepts
from kaiu.ai.sentences import ENDS_SENTENCE, LIST_ITEM, left_open, lines_in_blocks

# A sentence ends at . ! ? … followed by one that starts as sentences do: "a las 2 p. m. de
# un día hábil" is one sentence, not two.
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“'(¿¡*_\d]|[^\W\d_](?<=[A-ZÁÉÍÓÚÜÑ]))")
_FIELD = re.compile(r"^([^:\n]{1,60}?):[ \t]+(\S.*)$")
# Menus ("inicio | tienda | contacto"), table-of-contents lines ("Returns ...... 12"), links.
_NAVIGATION = re.compile(r"^[^|·•»›]{1,40}(?:\s[|·•»›]\s[^|·•»›]{1,40}){2,}$|(?:\.\s?){4,}\s*\d+$"
                         r"|^(?:back to top|volver arriba|skip to content|ir al contenido)$")


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
    pairs: frozenset[tuple[str, str]] = frozenset()  # its stems that follow one another ("package", "name")
    item: str = ""  # in a list: OPENS_ITEM (its first sentence) or IN_ITEM (a later one); "" in prose


OPENS_ITEM, IN_ITEM = "opens", "in"


def _pairs(stems: list[str]) -> frozenset[tuple[str, str]]:
    """Each stem with the next, stop words left out between them: a phrase of a question
    ("package name") found as a phrase, not as two words apart ("packages ... their names")."""
    return frozenset((first, second) for first, second in itertools.pairwise(stems) if first != second)


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
        stems = _stems_of(words)
        own = _with_concepts(stems)
        heading = _with_concepts(_stems(piece.heading))
        terms = own | heading | _with_concepts(_stems(piece.lead_in))
        read.append(Unit(piece.text, " ".join(words), terms, (), piece.literal, piece.paragraph, piece.section,
                         piece.lead_in, own, heading, piece.under_title, _pairs(stems), piece.item))
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
    item: str = ""  # Unit.item


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
    lines = lines_in_blocks(text)
    for index, (line, paragraph) in enumerate(lines):
        # "El paquete no trae datos precompilados." / "Necesitas configurarlo como:" in one
        # paragraph: the line ending in ":" goes on from the sentence before it, no title.
        goes_on = paragraph == previous_block and bool(ENDS_SENTENCE.search(previous_line)) \
            and not previous_line.endswith(":")
        previous_block, previous_line = paragraph, line
        if line.startswith(("```", "~~~")):
            fenced = not fenced
            continue
        bare = _BULLET.sub("", line)
        if fenced or _is_command(line, markdown) or (introduced and _is_bare_command(bare)):
            out.append(_Piece(line if fenced or not introduced else bare, _context(headings), True, paragraph,
                              section, ""))
            introduced = False
            continue
        if _NAVIGATION.search(fold(line)):
            continue
        # What a sentence ending in ":" introduces is its content, however short ("i.e. do:" /
        # "adduser user group"), not a title.
        level = 0 if introduced or (goes_on and line.endswith(":")) else _heading_level(line)
        if level == _SHAPED_TITLE and not _NUMBERING.match(line) and _heads_nothing(lines, index, markdown):
            level = 0
        introduced = line.endswith(":") and not level and not _BULLET.match(line)
        if level:
            headings = _under_heading(headings, level, line)
            section, group, titled = section + 1, "", not line.rstrip("| ").endswith(":")
            continue
        lead_in, group = _lead_in(line, group)
        if not out:
            whole_first = bool(section) or bool(_BULLET.match(line))
        out += _pieces(_BULLET.sub("", line), _context(headings), paragraph, section, lead_in, titled,
                       bool(_BULLET.match(line)))
    return _without_cut_ends(out, whole_first)


def _under_heading(headings: dict[int, str], level: int, line: str) -> dict[int, str]:
    """The headings above what follows the heading `line` at depth `level`."""
    headings = {depth: title for depth, title in headings.items() if depth < level}
    headings[level] = _NUMBERING.sub("", line.lstrip("#| ")).rstrip(":| ")
    return headings


def _lead_in(line: str, group: str) -> tuple[str, str]:
    """The line's lead-in, and the group of "column: value" lines it leaves open."""
    # "Option: X" / "Default: y" / "Description: ...": the first line of such a group
    # names what the others describe.
    field = _FIELD.match(line)
    if not field or (group and field.group(1) == group.split(":", 1)[0]):
        group = ""  # the next "Option: ..." opens a group of its own
    return group, (group or line) if field else ""


def _pieces(line: str, context: str, paragraph: int, section: int, lead_in: str, titled: bool,
            item: bool) -> list[_Piece]:
    """The line's sentences (a list item's: the first opens the item, the rest go on in it)."""
    sentences = [sentence.strip() for sentence in _SENTENCE_END.split(line) if len(sentence.strip()) > 3]
    return [_Piece(sentence, context, False, paragraph, section, lead_in, titled,
                   (IN_ITEM if index else OPENS_ITEM) if item else "")
            for index, sentence in enumerate(sentences)]


def _without_cut_ends(out: list[_Piece], whole_first: bool) -> list[_Piece]:
    """Without the pieces a chunk boundary left: a first sentence starting in lower case, a last one left open."""
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


def _is_command_text(line: str) -> bool:
    """Whether a line of code is a command: after a prompt ("$ dpkg -L foo"), or bare ("dpkg -L foo")."""
    return _is_command(line, False) or _is_bare_command(line)


# "To identify the package that produced the file, execute either:" / "dpkg --search foo": a
# program's name in lower case, then its options, a redirection or a pipe, and no full stop.
_BARE_COMMAND = re.compile(r"^[a-z][\w.+-]*(?:[ \t]+\S+){1,8}$")
_SHELL_SYNTAX = re.compile(r"\s--?[A-Za-z]|\s[|<>]|&&|\$\(")


def _is_bare_command(line: str) -> bool:
    return bool(_BARE_COMMAND.match(line) and _SHELL_SYNTAX.search(line)) and not line.endswith((".", ",", ";", ":"))


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
        return min(_SHAPED_TITLE, 6 + len(re.findall(r"\d+", numbering.group())))
    if _is_question(line) or _is_heading(line):
        return _SHAPED_TITLE
    return 0


_SHAPED_TITLE = 9  # _heading_level of a line taken for a title by its shape alone


def _heads_nothing(lines: list[tuple[str, int]], index: int, markdown: bool) -> bool:
    """Whether the line at `index`, shaped like a title, comes straight before a heading that
    says it is one (Markdown's "#", a numbered title): it heads nothing, it is the last item
    of what came before ("Transistor NPN (2N2222)" closing a list of a kit's parts)."""
    if index + 1 == len(lines):
        return False
    following = lines[index + 1][0]
    if following.startswith("#"):
        return markdown and not _is_command(following, markdown)
    return 0 < _heading_level(following) < _SHAPED_TITLE and bool(_NUMBERING.match(following))


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
        # Its values' phrases, as a sentence's: "árbol de té" in the name says what the question says.
        pairs = frozenset().union(*(_pairs(_stems(f.value)) for f in fields))
        units.append(Unit("\n".join(block), key, frozenset().union(*(f.value_terms for f in fields)), fields,
                          pairs=pairs))
    return tuple(units)


def _field(name: str, value: str) -> Field:
    stems = set(_stems(name.replace("_", " ")))
    groups = {f"g{_GROUP_OF[stem]}" for stem in stems if stem in _GROUP_OF}
    return Field(name.strip(), value.strip(), frozenset(stems | groups), frozenset(_stems(value)))
