"""What the web channels share: Server-Sent Events framing, message payloads, the CSP and
the checks on anonymous requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from urllib.parse import urlsplit

from django.http import JsonResponse, StreamingHttpResponse

from bots.models import domain_matches
from chat.models import Message
from chat.render import render_answer

UI_TEXTS = {
    "es": {
        "placeholder": "Escribe tu pregunta…",
        "send": "Enviar",
        "new_chat": "Nueva conversación",
        "sources": "Fuentes",
        "helpful": "Útil",
        "not_helpful": "No útil",
        "thanks": "¡Gracias por tu opinión!",
        "comment": "¿Qué faltó? (opcional)",
        "page": "p.",
        "error": "No se pudo enviar. Revisa tu conexión e inténtalo de nuevo.",
        "typing": "Escribiendo…",
        "close": "Cerrar",
        "feedback_error": "No se pudo guardar tu opinión. Inténtalo de nuevo.",
        "too_long": "Tu mensaje es demasiado largo: {count} caracteres de {max} posibles.",
        "products": "Productos",
        "in_stock": "Disponible",
        "out_of_stock": "Agotado",
        "talk_to_person": "Hablar con una persona",
        "person_request": "Quiero hablar con una persona",
        "waiting": "Una persona de nuestro equipo te responderá aquí.",
    },
    "en": {
        "placeholder": "Type your question…",
        "send": "Send",
        "new_chat": "New chat",
        "sources": "Sources",
        "helpful": "Helpful",
        "not_helpful": "Not helpful",
        "thanks": "Thanks for your feedback!",
        "comment": "What was missing? (optional)",
        "page": "p.",
        "error": "Could not send. Check your connection and try again.",
        "typing": "Typing…",
        "close": "Close",
        "feedback_error": "Your feedback could not be saved. Please try again.",
        "too_long": "Your message is too long: {count} characters of {max} allowed.",
        "products": "Products",
        "in_stock": "In stock",
        "out_of_stock": "Out of stock",
        "talk_to_person": "Talk to a person",
        "person_request": "I'd like to talk to a person",
        "waiting": "A person on our team will reply here.",
    },
}


def ui_texts(language: str) -> dict:
    return UI_TEXTS.get(language, UI_TEXTS["en"])


def sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


def message_payload(message: Message, *, debug: bool = False) -> dict:
    """A message as the chat page shows it. `debug` (the playground) adds every passage with
    its score, the time split and the tokens; visitors see only the cited passages."""
    sources = [source for source in message.sources if debug or source.get("cited")]
    payload = {
        "id": str(message.pk), "role": message.role, "html": render_answer(_without_card_lines(message))
        if message.role in (Message.Role.ASSISTANT, Message.Role.AGENT) else "", "text": message.content,
        "author": message.author_name if message.role == Message.Role.AGENT else "",
        "cards": cards_payload(message),
        "answered": message.answered, "cache_hit": message.cache_hit,
        "handover": message.origin == "handover",  # "a person will reply": nothing to rate
        "sources": [{key: source.get(key) for key in ("n", "document_name", "page", "text", "cited")
                     + (("score",) if debug else ())} for source in sources],
    }
    payload["rating"] = _rating(message)
    if debug:
        payload.update(origin=message.origin, model=message.model, timings=message.timings, note=message.note,
                       tokens={"in": message.tokens_in, "out": message.tokens_out}, top_score=message.top_score)
    return payload


CARD_KEYS = ("product", "name", "variant", "price", "in_stock", "image")


def cards_payload(message: Message) -> list[dict]:
    """The products an answer shows as cards (chat.shop), as they were when it was given."""
    return [{key: card.get(key) for key in CARD_KEYS} for card in message.cards or []]


def _without_card_lines(message: Message) -> str:
    """The answer's text as the page shows it beside its cards: without the plain-text list
    of the same products (the API's and the transcript's form)."""
    if not message.cards:
        return message.content
    lines = {card.get("line") for card in message.cards}
    return "\n".join(line for line in message.content.split("\n") if line not in lines)


def _rating(message: Message) -> int:
    """The answer's rating, without a query for a message that cannot have one yet."""
    if message.role != Message.Role.ASSISTANT or getattr(message, "_just_written", False):
        return 0
    feedback = getattr(message, "feedback", None)  # loaded by select_related in transcripts
    return feedback.rating if feedback else 0


def event_stream(events, *, first: dict, debug: bool = False) -> StreamingHttpResponse:
    def frames() -> Iterator[str]:
        try:
            yield sse("conversation", first)
            for event in events:
                if event.type == "delta":
                    yield sse("delta", {"text": event.text})
                elif event.type == "waiting":  # a person has the conversation: no answer now
                    yield sse("waiting", message_payload(event.message))
                else:
                    yield sse("done", message_payload(event.message, debug=debug))
        finally:
            events.close()  # a visitor who left: the reply stores what was said, now

    response = StreamingHttpResponse(frames(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


def json_error(status: int, code: str, message: str, *, retry_after: int | None = None) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


# --- Origins and CSP ------------------------------------------------------------------------


def origin_allowed(request, allowed_domains) -> bool:
    """Anonymous POSTs come from our own pages (the public page, the widget's frame) or from
    a page on one of the bot's allowed domains; browsers always say which in Origin."""
    origin = request.headers.get("Origin", "")
    host = urlsplit(origin).netloc.lower() if origin else ""
    if not host:
        return False
    if host == request.get_host().lower():
        return True
    return any(domain_matches(host, domain) for domain in allowed_domains)


def chat_csp(*, frame_ancestors: list[str]) -> str:
    """Our chat pages load only our own script, style and images and talk only to us, so a
    Markdown image or link in an answer cannot send the conversation anywhere else."""
    ancestors = " ".join(frame_ancestors) if frame_ancestors else "'none'"
    return ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            f"font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}")
