"""Follow-up questions made standalone before retrieval.

"Do you ship to Denmark?" then "How long does it take?": searched alone, the second finds
delivery times for anywhere and says them. Made standalone, it is a question about Denmark,
which the bot may well not know. With a chat model the model rewrites the question from the
conversation; offline, a question that depends on earlier turns (it is short, or points back
with "it", "there", "eso"...) carries the informative words of the visitor's previous question,
and a short question naming nothing itself carries the names that question gave.
"""

from __future__ import annotations

import re

from documents.relevance import QUESTION_WORDS, names_in
from kaiu.ai.chat import ChatModelError
from kaiu.ai.embeddings import fold

# Words that point back to something said before.
POINTING_WORDS = frozenset("""
    it its this that these those they them there then one ones same also else too
    eso esa ese esos esas esto este esta estos estas ello lo la los las le les alli ahi alla aqui tambien
    mismo misma mismos mismas otro otra
    """.split())
_STOP = QUESTION_WORDS | POINTING_WORDS | frozenset("""
    a an the of to in on at for from with and or but by as be not no yes ok okay thanks
    el la los las un una unos unas de del al a en con por para y o u pero sin sobre si no gracias
    """.split())
SHORT_QUESTION_WORDS = 4  # a question with this few words of its own leans on the conversation


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


def content_words(text: str) -> list[str]:
    return [word for word in _words(text) if fold(word) not in _STOP]


CONTINUING = ("y ", "and ", "what about", "how about", "y si", "tambien", "also", "and if", "e ")


def depends_on_earlier_turns(question: str) -> bool:
    """A question that goes on from the last one: it points back ("it", "eso"), opens like a
    continuation ("¿Y cuánto tarda?", "What about Sweden?"), or has no words of its own. A
    short question with a subject of its own ("Do you accept Swish?") stands alone."""
    text = fold(question).lstrip("¿¡ ")
    words = _words(text)
    own = [word for word in words if word not in _STOP]
    if len(own) > SHORT_QUESTION_WORDS:
        return False
    return not own or text.startswith(CONTINUING) or any(word in POINTING_WORDS for word in words)


def keeps_the_names_of_earlier_turns(question: str) -> bool:
    """A short question naming nothing itself ("How long does delivery take?" after "Do you
    ship to Denmark?") is still about the place or product named before: a visitor does not
    repeat it."""
    own = [word for word in _words(fold(question)) if word not in _STOP]
    return len(own) <= SHORT_QUESTION_WORDS and not names_in(question)


def standalone_offline(question: str, history: list[tuple[str, str]]) -> str:
    """The question with the informative words of the visitor's last question it depends on,
    or with only the names that question gave when it merely keeps to them."""
    earlier = next((content for role, content in reversed(history) if role == "user"), "")
    if depends_on_earlier_turns(question):
        carried = content_words(earlier)
    elif keeps_the_names_of_earlier_turns(question):
        carried = sorted(names_in(earlier), key=earlier.index)
    else:
        return question
    asked = {fold(word) for word in _words(question)}
    carried = [word for word in carried if fold(word) not in asked]
    if not carried:
        return question
    return f"{question} ({' '.join(carried)})"


_CARRIED = re.compile(r"\s\(([^()]*)\)$")


def carried_words(question: str, searched: str) -> tuple[str, ...]:
    """The words standalone_offline added to `question` to make `searched`, if it did."""
    if searched == question or not searched.startswith(question):
        return ()
    match = _CARRIED.fullmatch(searched[len(question):])
    return tuple(match.group(1).split()) if match else ()


def standalone_question(question: str, history: list[tuple[str, str]], model) -> str:
    """What to search for: the question, made standalone when it depends on earlier turns, by
    the chat model when it can (one short extra call), else offline."""
    if not history:
        return question
    if not depends_on_earlier_turns(question):
        return standalone_offline(question, history)  # at most the names said before
    rewrite = getattr(model, "rewrite_question", None)
    if rewrite is not None:
        try:
            rewritten = rewrite(history, question)
        except ChatModelError:
            rewritten = ""
        if rewritten:
            return rewritten
    return standalone_offline(question, history)
