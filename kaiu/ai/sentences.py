"""Where a sentence ends, and where a line break cut one.

Shared by extraction (documents.reflow joins the lines a PDF broke) and the built-in answer
(kaiu.ai.extractive, which meets the same breaks in passages stored before that, and in
hard-wrapped Markdown).
"""

from __future__ import annotations

import re

ENDS_SENTENCE = re.compile(r"[.!?…:][\"'”’»)\]]*$")
LIST_ITEM = re.compile(r"^(?:[-*+•▪◦·–—]|\d{1,3}[.)]|[a-z]\))\s")
_OPENING = "(\"'“‘«¿¡"
# Words a sentence does not end with: a line ending on one was cut by the page's width.
_CARRIES_ON = frozenset(
    "a an the and or nor but of to in on at by for with from into as than that which who whose is are was were "
    "be been can cannot could will would should must may might not our your their its his her my this these "
    "those per via about over under between after before during within without "
    "el la los las un una unos unas lo le les de del al en con por para sin sobre entre hasta desde hacia "
    "según y e o u ni que se su sus mi mis tu tus nuestro nuestra nuestros nuestras es son está están fue "
    "ser muy más menos como cuando donde pero si este esta estos estas ese esa cada".split())


# A line a page width broke before a number: "... a la consola" / "3, desde el intérprete",
# "... within" / "24 months of delivery". A heading's number ("3.1 Installing") is no such line.
_GOES_ON_WITH_NUMBER = re.compile(r"^\d[\d.,]*(?:[,;)]|\s+[a-záéíóúñü])")


def left_open(text: str) -> bool:
    """Whether `text` stops where no sentence stops: on a comma, or a word like "with" or "de"."""
    text = text.rstrip()
    if not text or ENDS_SENTENCE.search(text):
        return False
    last = text.rsplit(None, 1)[-1]
    return last.endswith((",", ";", "-", "–", "(")) or last.lower() in _CARRIES_ON


def carries_on(line: str, following: str) -> bool:
    """Whether the line `following` continues the sentence that `line` left open: it starts
    in lower case, or `line` stops where no sentence stops. Headings, table rows and list
    items keep their own line."""
    if ENDS_SENTENCE.search(line) or line.startswith(("#", "|")) or following.startswith(("#", "|")):
        return False
    if LIST_ITEM.match(following):
        return False
    return (following.lstrip(_OPENING)[:1].islower() or left_open(line)
            or bool(_GOES_ON_WITH_NUMBER.match(following)))


def join_broken_lines(block: str) -> list[str]:
    """The non-blank lines of `block`, each line that carries on a sentence joined to it."""
    lines: list[str] = []
    for line in block.split("\n"):
        line = line.strip()
        if not line:
            continue
        if lines and carries_on(lines[-1], line):
            lines[-1] = f"{lines[-1]} {line}"
        else:
            lines.append(line)
    return lines


def lines_in_blocks(text: str) -> list[tuple[str, int]]:
    """join_broken_lines over the whole text, each line with the number of the block (lines
    between blank lines) it starts in: a paragraph, where a line is one sentence of it."""
    lines: list[tuple[str, int]] = []
    block, blank, fenced, previous_fence = 0, False, False, False
    for line in text.split("\n"):
        line = line.strip()
        if not line:
            blank = True
            continue
        # Code keeps its lines: a fence or a line inside one is never joined to another ("};" /
        # "```" read as one line would leave the code open to the passage's end).
        fence = line.startswith(("```", "~~~"))
        code = fence or fenced or previous_fence
        fenced, previous_fence = fenced != fence, fence
        if lines and not code and carries_on(lines[-1][0], line):
            lines[-1] = (f"{lines[-1][0]} {line}", lines[-1][1])
        else:
            if blank and lines:
                block += 1
            lines.append((line, block))
        blank = False
    return lines
