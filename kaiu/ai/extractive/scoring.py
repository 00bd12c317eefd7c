"""The candidates of one answer and how much each bears on the question."""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from kaiu.ai.embeddings import fold
from kaiu.ai.extractive.reading import Unit, _is_command_text, _read
from kaiu.ai.extractive.words import _CONCEPT_OF, _TERM, _asked_terms, _stems


@dataclass(slots=True, eq=False)  # told apart by identity: hashing a unit's fields would cost
class _Candidate:
    rank: int  # of its passage in the retrieval
    position: int  # in its passage
    unit: Unit
    number: int  # of its passage, cited
    units: tuple[Unit, ...]  # its passage's, for the text that follows it


_LITERAL_SHARE = 0.75
CARRIED_WEIGHT = 0.5  # of a word carried from earlier turns (chat.followup), beside the question's own
RANK_PENALTY = 0.15  # a sentence of the n-th passage retrieved counts 1 / (1 + RANK_PENALTY * n)
COVERAGE_WEIGHT = 1.0  # of any question word a sentence holds, however many others hold it (pick)


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
            if unit.key and unit.key not in titles and (not unit.literal or _is_command_text(unit.text)):
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


def _score(candidate: _Candidate, asked: set[str], weight: dict[str, float],
           pairs: frozenset[tuple[str, str]] = frozenset()) -> float:
    """How much the candidate bears on the question: the weights of the asked terms it holds, more
    for those it holds as the question's phrases (`pairs`, the question's own: see _pairs)."""
    unit = candidate.unit
    if unit.fields:
        # A record matches by its values. Naming the asked column ("price"), or holding a value
        # the question names whole ("Kenya", "Sencha Kirishima"), breaks a tie with prose.
        score = sum(weight.get(term, 0) for term in unit.terms & asked) + _phrase_score(unit, weight, pairs)
        if score and any(f.name_terms & asked for f in unit.fields):
            score += _RECORD_BONUS
        if score and any(f.value_terms and f.value_terms <= asked for f in unit.fields):
            score += _RECORD_BONUS
    else:
        # "Which characters may a Debian package name use?": "You must choose the package name to
        # consist only of lower case letters" says "package name"; "For more than 80% of packages,
        # the upstream version is less than 8 characters" only names packages and characters.
        score = sum(weight.get(term, 0) for term in unit.terms & asked) + _phrase_score(unit, weight, pairs)
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
        score /= _length_norm(unit.text)
    if unit.literal:
        score *= _LITERAL_SHARE  # a command answers less often than the sentence that explains it
    return score / (1 + RANK_PENALTY * candidate.rank)


def _phrase_score(unit: Unit, weight: dict[str, float], pairs: frozenset[tuple[str, str]]) -> float:
    """What holding the question's own phrases (`pairs`) adds to a unit's score."""
    return PHRASE_SHARE * sum(_weight_of(first, weight) + _weight_of(second, weight)
                              for first, second in pairs & unit.pairs)


def _length_norm(text: str) -> float:
    """What a long sentence's score is divided by: the more words it has, the more of the
    question's it holds by chance. "As you can see, aptitude displays three indicators that
    something has gone wrong: first, ...; second, ...; third, ..." names "wrong", "change" and
    "package" in passing, the row "Undo (Control+u) | Cancel the last change to a package" does
    so to say what it is."""
    return 1 + LENGTH_PENALTY * max(0, len(text.split()) - _SHORT_WORDS) / _SHORT_WORDS


LENGTH_PENALTY = 0.15  # of each further _SHORT_WORDS words, as a share of the score (as BM25's b)
_SHORT_WORDS = 25  # a sentence up to this many words is not long
def _weight_of(stem: str, weight: dict[str, float]) -> float:
    return weight.get(f"c{_CONCEPT_OF[stem]}" if stem in _CONCEPT_OF else stem, 0)


PHRASE_SHARE = 0.25  # of the weights of two question words a sentence holds as the question's phrase
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
