"""The kind of answer a question asks for: a number, a path, a command, or an instruction."""

from __future__ import annotations

import re

from kaiu.ai.extractive.reading import Unit, _is_command_text
from kaiu.ai.extractive.scoring import _FOOTNOTE, RANK_PENALTY, _Candidate
from kaiu.ai.extractive.words import _asked_terms, _stems

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


# "Which file holds...?", "¿En qué archivo se guarda...?", "¿Dónde queda...?": a sentence naming a
# path ("/etc/hostname", "~/.aptitude/config", "cron.daily/apt") answers it. "Where do the names
# come from?", "¿De dónde vienen?" ask for no place.
_ASKS_PLACE = re.compile(r"\b(?:which|what|qu[eé]|cu[aá]l(?:es)?)\s+(?:\w+\s+)?(?:files?|director(?:y|ies)|folders?"
                         r"|paths?|archivos?|ficheros?|directorios?|carpetas?|rutas?)\b"
                         r"|\bwhere\b(?!.*\bfrom\b)|(?<!\bde )\bd[oó]nde\b", re.IGNORECASE)
# An absolute or home path, or a relative one with a dot, an underscore or two slashes
# ("cron.daily/apt", "debian/source/format"): "and/or" and "TCP/IP" are no paths.
_PATH = re.compile(r"(?<![\w/:.])(?:~|\.{1,2})?/[\w.+-]*[^\W\d_][\w.+-]*"
                   r"|\b(?=[\w+-]*[._]\w[\w.+-]*/|[\w.+-]*/[\w+-]*(?:[._]\w|/))[\w.+-]*[^\W\d_][\w.+-]*/[\w.+-]+")
_URL = re.compile(r"\b(?:https?|ftp)://\S+|\bwww\.\S+", re.IGNORECASE)
PLACE_SHARE = 0.5  # a sentence naming a path counts this much more, when a file or a place is asked


def _gives_path(unit: Unit) -> bool:
    return not unit.literal and bool(_PATH.search(_URL.sub(" ", unit.text)))


KIND_SHARE = 0.3  # of the lead's score, for the best sentence of the kind asked to follow it
KIND_TRIES = 3  # sentences of that kind tried, best first, for one whose quote holds what is asked


def _is_command_line(unit: Unit) -> bool:
    return unit.literal and _is_command_text(unit.text)


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
    if _ASKS_PLACE.search(question):
        return _gives_path
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
            and _is_command_text(after[0].text))


def _favour_the_kind_asked(question: str, candidates, scores: dict, asked: set[str], weight: dict) -> None:
    """A sentence of the kind the question asks for counts more: a number for "how many", an
    instruction opening with the asked action for "how do I", the sentence introducing a
    command for "how do I" and "which command"."""
    quantity, how = bool(_ASKS_QUANTITY.search(question)), bool(_ASKS_HOW.search(question))
    command = how or bool(_ASKS_COMMAND.search(question))
    place = bool(_ASKS_PLACE.search(question))
    if not (quantity or how or command or place):
        return
    for c in candidates:
        if not scores[c] or c.unit.fields:
            continue
        if command and _introduces_command(c):
            scores[c] *= 1 + COMMAND_SHARE
        if quantity and _holds_amount(c.unit.text):
            scores[c] *= 1 + VALUE_SHARE
        if place and _gives_path(c.unit):
            scores[c] *= 1 + PLACE_SHARE
        bonus = 0.0
        purpose = _PURPOSE.match(c.unit.text) if how else None
        if purpose:
            action = _stems(purpose.group(1))
            bonus += sum(weight.get(term, 0) for term in _asked_terms(action) & asked)
        scores[c] += bonus / (1 + RANK_PENALTY * c.rank)
