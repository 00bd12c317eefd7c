"""Greetings, thanks and goodbyes, answered in kind in the bot's language, never searched for.

A customer's first message is often "hola". Searched in the documents it found nothing, so
the bot's first words were "No encontré esa información en mis documentos", and the owner's
list of unanswered questions filled with "hola" and "gracias". A message that is only
small talk (with "ok", "vale" and the like, punctuation and emoji) is answered here; one that
also asks something ("Hola, ¿hacen envíos a Cali?") is a question and goes on to be answered.
"""

from __future__ import annotations

import re

from chat.texts import message_for
from kaiu.ai.embeddings import fold

_KINDS = {
    "greeting": r"hola|holi|ola|buenas|buen dia|buenos dias|buenas tardes|buenas noches|saludos|que tal|"
                r"hello|hi|hey|hiya|good morning|good afternoon|good evening|greetings",
    # An acknowledgment ("ok", "perfecto") is answered as thanks are.
    "thanks": r"gracias|muchas gracias|mil gracias|muy amable|te agradezco|ok|okay|okey|vale|listo|perfecto|genial|"
              r"super|excelente|thanks|thank you|thank you very much|thanks a lot|many thanks|thx|ty|cheers|"
              r"great|perfect|nice|cool|awesome",
    "goodbye": r"adios|chao|chau|hasta luego|hasta pronto|hasta manana|nos vemos|bye|bye bye|goodbye|see you|"
               r"see you later|have a nice day",
}
# Words that go with small talk and say nothing by themselves.
_FILLERS = r"si|yes|y|and|bueno|bien|muy bien|good|fine|a todos|everyone|all|there|amigo|amiga|friend"
_PHRASE = re.compile("|".join(f"\\b(?P<{kind}>{words})\\b" for kind, words in _KINDS.items()))
_ANY = "|".join([*_KINDS.values(), _FILLERS])
_MESSAGE = re.compile(rf"^(?:{_ANY})(?: (?:{_ANY}))*$")
MAX_WORDS = 8  # longer messages say more than hello


def small_talk_kind(text: str) -> str | None:
    """"greeting", "thanks" or "goodbye" when the message is only that, else None. Thanks or a
    goodbye said with a greeting ("hola, gracias") are what is answered."""
    words = re.findall(r"[^\W\d_]+", fold(text))
    if not words or len(words) > MAX_WORDS:
        return None
    message = " ".join(words)
    if not _MESSAGE.match(message):
        return None
    said = {kind for match in _PHRASE.finditer(message) for kind, found in match.groupdict().items() if found}
    return next((kind for kind in ("goodbye", "thanks", "greeting") if kind in said), None)


def small_talk_reply(kind: str, language: str, welcome: str = "") -> str:
    """What the bot says back (chat.texts): to a greeting, its own welcome message when it has one."""
    if kind == "greeting" and welcome.strip():
        return welcome.strip()
    return message_for(kind, language)
