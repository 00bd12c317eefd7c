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

The package, by responsibility: `words` (stems, stop words, column and concept groups),
`reading` (a passage into units), `scoring` (candidates and their scores), `kinds` (the kind
of answer asked: a number, a command, an instruction), `quoting` (what of a unit is quoted)
`answer` (`pick`) and `layout` (the quotes as Markdown, cited: `cited_runs`).
"""

from kaiu.ai.extractive.answer import RUNNER_UP_SHARE, pick
from kaiu.ai.extractive.kinds import COMMAND_SHARE, KIND_SHARE, KIND_TRIES, PLACE_SHARE, VALUE_SHARE
from kaiu.ai.extractive.layout import cited_runs
from kaiu.ai.extractive.quoting import ANSWER_BUDGET
from kaiu.ai.extractive.reading import Field, Unit, _read
from kaiu.ai.extractive.scoring import CARRIED_WEIGHT, COVERAGE_WEIGHT, LENGTH_PENALTY, PHRASE_SHARE, RANK_PENALTY
from kaiu.ai.extractive.words import GENERIC_SHARE, SHORTEST_STEM

__all__ = [
    "ANSWER_BUDGET", "CARRIED_WEIGHT", "COMMAND_SHARE", "COVERAGE_WEIGHT", "GENERIC_SHARE", "KIND_SHARE",
    "KIND_TRIES", "LENGTH_PENALTY", "PHRASE_SHARE", "PLACE_SHARE", "RANK_PENALTY", "RUNNER_UP_SHARE", "SHORTEST_STEM",
    "VALUE_SHARE", "Field", "Unit", "_read", "cited_runs", "pick",
]
