"""How the quotes `pick` chose are written: Markdown, with their citations."""

from __future__ import annotations

from collections.abc import Iterator

from kaiu.ai.extractive.quoting import Quote
from kaiu.ai.extractive.reading import IN_ITEM, OPENS_ITEM
from kaiu.ai.sentences import ENDS_SENTENCE


def cited_runs(quotes: list[Quote]) -> Iterator[str]:
    """The quotes as Markdown: a citation after each run of whole sentences from one passage
    (not after each sentence), a list's items as a list, with the blank line Markdown needs
    between a list and prose. One item alone is a sentence, not a list."""
    text, started, listing = "", False, False
    quotes = _lone_items_as_prose(quotes)
    for index, quote in enumerate(quotes):
        if quote.item == OPENS_ITEM:
            text += "\n- " if listing else "\n\n- " if started else "- "
            listing = True
        elif quote.item == IN_ITEM and listing:
            text += " "
        else:
            text += "\n\n" if listing else " " if started else ""
            listing = False
        text += quote.text
        started = True
        following = quotes[index + 1] if index + 1 < len(quotes) else None
        # A piece that ends no sentence ("Teléfono: 555 1234", a command) would run into the
        # next one on its line: its citation stands between them.
        runs_into = following is not None and following.item != OPENS_ITEM and not _ends_sentence(quote.text)
        if following is None or following.number != quote.number or runs_into:
            yield f"{text} [{quote.number}]"
            text = ""


def _ends_sentence(text: str) -> bool:
    """kaiu.ai.sentences.ENDS_SENTENCE, inside Markdown's emphasis ("**Nequi y Daviplata.**"),
    or a ";" closing a clause."""
    text = text.rstrip("*_")
    return bool(ENDS_SENTENCE.search(text)) or text.endswith(";")


def _lone_items_as_prose(quotes: list[Quote]) -> list[Quote]:
    """The quotes, a list's item quoted without a sibling beside it marked as prose."""
    out, start = list(quotes), 0
    while start < len(out):
        end = start + 1
        while end < len(out) and out[end].item == IN_ITEM:
            end += 1
        lone = out[start].item == OPENS_ITEM and (start == 0 or not out[start - 1].item) and (
            end == len(out) or out[end].item != OPENS_ITEM)
        if lone:
            out[start:end] = [quote._replace(item="") for quote in out[start:end]]
        start = end
    return out
