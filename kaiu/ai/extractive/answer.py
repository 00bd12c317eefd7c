"""`pick`: the units that answer a question, from the passages retrieved for it."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from kaiu.ai.extractive.kinds import (
    KIND_SHARE,
    KIND_TRIES,
    _favour_the_kind_asked,
    _gives_number,
    _introduces_command,
    _kind_asked,
)
from kaiu.ai.extractive.quoting import ANSWER_BUDGET, Quote, _quote, _window
from kaiu.ai.extractive.reading import OPENS_ITEM, _pairs
from kaiu.ai.extractive.scoring import (
    CARRIED_WEIGHT,
    COVERAGE_WEIGHT,
    _alike_records,
    _candidates,
    _carried_only,
    _informative,
    _related_sentences,
    _score,
)
from kaiu.ai.extractive.words import _CONCEPT_OF, _GENERIC, _GROUP_OF, GENERIC_SHARE, _stems

RUNNER_UP_SHARE = 0.9  # of the lead's score, for a sentence of a better-ranked passage to be quoted beside it


@dataclass
class _Answer:
    """The windows quoted so far, with their length, the terms they cover and the units used."""
    windows: list = field(default_factory=list)
    size: int = 0
    covered: frozenset[str] = frozenset()
    used: set[str] = field(default_factory=set)

    def add(self, window) -> None:
        self.windows.append(window)
        self.size += sum(len(quote.text) for quote in window[0])
        self.covered |= frozenset().union(*(unit.terms for unit in window[1]))
        self.used |= {unit.key for unit in window[1]}


def pick(question: str, passages, limit: int = 3, carried: tuple[str, ...] = ()) -> list[Quote]:
    """What answers `question` from `passages` (objects with .number, .text and
    .document_name), each with the number of the passage it quotes: the unit that best
    covers the question's rare words first, with what follows it in its passage (the
    command its sentence introduces, the sentences that go on about the same thing), then
    up to `limit` - 1 sentences of other passages that bear on what that left uncovered."""
    asked = _asked(question)
    candidates, boilerplate = _candidates(passages)
    if not candidates:
        return []
    rarity, weight = _weights(question, carried, asked, candidates)
    pairs = _pairs(_stems(question))
    scores = {c: _score(c, asked, weight, pairs) for c in candidates}
    _favour_the_kind_asked(question, candidates, scores, asked, weight)
    lead = max(candidates, key=lambda c: (scores[c], -c.rank, -c.position))
    if not scores[lead]:
        return [Quote(_quote(candidates[0], asked), candidates[0].number)]  # nothing shared: the best passage's start
    if lead.unit.fields:
        others = _alike_records(lead, candidates, asked)
        picked = [lead, *sorted(others[:limit - 1], key=lambda c: (c.rank, c.position))]
        return [Quote(_quote(c, asked), c.number, OPENS_ITEM) for c in picked]  # records as a list
    informative = _informative(asked, rarity)
    held = Counter(term for c in candidates for term in c.unit.own_terms)
    named = informative - _carried_only(question, carried)  # what this question itself names

    def window_of(chosen, answer: _Answer):
        return _window(chosen, informative, held, len(candidates), boilerplate, answer.used,
                       ANSWER_BUDGET - answer.size, named=named)

    answer = _Answer()
    answer.add(window_of(lead, answer))
    _add_runner_up(lead, candidates, scores, answer, window_of)
    _add_the_kind_asked(question, asked, candidates, scores, lead, answer, window_of)
    _add_related(lead, candidates, informative, scores, limit, answer, window_of)
    first, *others = answer.windows
    others.sort(key=lambda window: (window[2].rank, window[2].position))
    return [piece for pieces, _, _ in [first, *others] for piece in pieces]


def _asked(question: str) -> set[str]:
    """The question's terms: its stems, a word of a concept as the concept's marker alone (so
    "envío" is one term, not two), a column's word as itself and as its column's group."""
    stems = _stems(question)
    asked = {f"c{_CONCEPT_OF[stem]}" if stem in _CONCEPT_OF else stem for stem in stems}
    asked |= {f"g{_GROUP_OF[stem]}" for stem in stems if stem in _GROUP_OF}
    asked |= {stem for stem in stems if stem in _GROUP_OF}  # a column is named by its own word too
    return asked


def _weights(question: str, carried: tuple[str, ...], asked: set[str], candidates) -> tuple[dict, dict]:
    """Each asked term's rarity among the candidates, and its weight: the rarity plus what any
    word found counts."""
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
    return rarity, weight


def _add_the_kind_asked(question, asked, candidates, scores, lead, answer: _Answer, window) -> None:
    """"How many...?" answered without a number, "How do I...?" without the command: the best
    sentence that gives one follows, if it bears on the question at all."""
    kind = _kind_asked(question, asked)
    if not kind or any(kind(unit) for window in answer.windows for unit in window[1]):
        return
    giving = [c for c in candidates if c.unit.key not in answer.used and scores[c] >= KIND_SHARE * scores[lead]
              and not c.unit.fields and (kind(c.unit) or (kind is not _gives_number and _introduces_command(c)))]
    for best in sorted(giving, key=lambda c: (-scores[c], c.rank, c.position))[:KIND_TRIES]:
        found = window(best, answer)
        if found[0] and any(kind(unit) for unit in found[1]):
            answer.add(found)
            return


def _add_related(lead, candidates, informative, scores, limit: int, answer: _Answer, window) -> None:
    """Up to `limit` windows in all, from the sentences that bear on the question beside the lead."""
    for c in _related_sentences(lead, candidates, informative, scores):
        if len(answer.windows) == limit:
            break
        # Beside the lead, in its passage, a sentence bearing on the question is welcome; from
        # elsewhere, only one that says what the lead's did not.
        if c.unit.key in answer.used or answer.size + len(c.unit.text) > ANSWER_BUDGET:
            continue
        if c.units is not lead.units and not (c.unit.terms & informative) - answer.covered:
            continue
        answer.add(window(c, answer))


def _add_runner_up(lead, candidates, scores, answer: _Answer, window) -> None:
    """The lead from a passage retrieval ranked lower, and a sentence of a better-ranked passage
    nearly as relevant (RUNNER_UP_SHARE of the lead's score): which of the two answers is a toss
    of a few words, so the runner-up is quoted too, within the budget."""
    others = [c for c in candidates if c.rank < lead.rank and not c.unit.fields and not c.unit.literal
              and c.unit.key not in answer.used and scores[c] >= RUNNER_UP_SHARE * scores[lead]]
    if not others:
        return
    best = max(others, key=lambda c: (scores[c], -c.rank, -c.position))
    if answer.size + len(best.unit.text) <= ANSWER_BUDGET:
        answer.add(window(best, answer))
