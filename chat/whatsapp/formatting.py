"""Answers as WhatsApp text: Markdown to WhatsApp's own marks, citations to a short
"Fuente:" line, product cards to a text list, and long answers cut at WhatsApp's limit on
paragraph or sentence boundaries; the polite replies to what the bot cannot read."""

from __future__ import annotations

import re

MAX_CHARS = 4096  # WhatsApp's limit on a text message's body

_CITATION = re.compile(r"\s?\[(\d{1,2})\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*|__(.+?)__")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")

SOURCE_LABELS = {"es": ("Fuente", "Fuentes"), "en": ("Source", "Sources")}

UNSUPPORTED = {
    "es": {
        "image": "¡Gracias por la imagen! Por ahora solo leo mensajes de texto: ¿me escribes tu pregunta?",
        "audio": "¡Gracias por tu audio! Por ahora no puedo escuchar notas de voz: ¿me escribes tu pregunta?",
        "location": "¡Gracias por compartir tu ubicación! Si quieres saber de envíos a tu ciudad, escríbeme "
                    "el nombre de la ciudad.",
        "sticker": "😊 Cuéntame en un mensaje de texto en qué te puedo ayudar.",
        "other": "Por ahora solo puedo leer mensajes de texto. ¿Me escribes tu pregunta?",
    },
    "en": {
        "image": "Thanks for the picture! For now I can only read text messages: could you type your question?",
        "audio": "Thanks for your voice note! For now I can't listen to audio: could you type your question?",
        "location": "Thanks for sharing your location! To ask about delivery, just type your city's name.",
        "sticker": "😊 Tell me in a text message how I can help.",
        "other": "For now I can only read text messages. Could you type your question?",
    },
}


def unsupported_reply(kind: str, language: str) -> str:
    texts = UNSUPPORTED.get(language, UNSUPPORTED["en"])
    return texts.get(kind, texts["other"])


def whatsapp_text(content: str, *, sources: list[dict] | None = None, cards: list[dict] | None = None,
                  language: str = "es") -> str:
    """A stored answer as the text a WhatsApp customer reads."""
    text = _CITATION.sub("", content or "")
    text = _LINK.sub(r"\1 (\2)", text)
    text = _HEADING.sub(r"*\1*", text)
    text = _BOLD.sub(lambda m: f"*{m.group(1) or m.group(2)}*", text)
    missing = [card["line"] for card in cards or [] if card.get("line") and card["line"] not in text]
    if missing:  # the product list, when the answer's text does not hold it already
        text = text.rstrip() + "\n\n" + "\n".join(missing)
    line = sources_line(sources or [], language)
    if line:
        text = text.rstrip() + "\n\n" + line
    return text.strip()


def sources_line(sources: list[dict], language: str) -> str:
    """"Fuente: Políticas de la tienda" — the documents the answer cites (all it drew on when
    it marks none), each once."""
    cited = [s for s in sources if s.get("cited")] or sources
    names = list(dict.fromkeys(str(s.get("document_name") or "").strip() for s in cited))
    names = [name for name in names if name]
    if not names:
        return ""
    one, many = SOURCE_LABELS.get(language, SOURCE_LABELS["en"])
    return f"{one if len(names) == 1 else many}: {', '.join(names)}"


def split_message(text: str, limit: int = MAX_CHARS) -> list[str]:
    """`text` in parts of at most `limit` characters, cut between paragraphs where it can,
    else between sentences, else between words, and only as a last resort mid-word."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        pieces.extend(_pieces(paragraph.strip(), limit))
    parts: list[str] = []
    for piece, joiner in pieces:
        if parts and len(parts[-1]) + len(joiner) + len(piece) <= limit:
            parts[-1] += joiner + piece
        else:
            parts.append(piece)
    return parts


def _pieces(paragraph: str, limit: int) -> list[tuple[str, str]]:
    """(piece, what joins it to the piece before): a paragraph whole, or cut smaller."""
    if len(paragraph) <= limit:
        return [(paragraph, "\n\n")]
    out: list[tuple[str, str]] = []
    joiner = "\n\n"
    for sentence in _SENTENCE_END.split(paragraph):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit + 1)
            cut = cut if cut > 0 else limit
            out.append((sentence[:cut].rstrip(), joiner))
            sentence, joiner = sentence[cut:].lstrip(), " "
        if sentence:
            out.append((sentence, joiner))
        joiner = " "
    return out
