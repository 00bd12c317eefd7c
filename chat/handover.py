"""Handover: when the bot steps aside and a person of the business answers.

The reply flow (chat.reply) calls in here, so every channel that has a customer on the other
end (the public page, the widget, WhatsApp) gets the same rules. A conversation goes to people

  - when the customer asks for one ("quiero hablar con un asesor", "human please") or presses
    "talk to a person" (code "asked" / "button");
  - after the bot's N-th unanswered answer in a row (Bot.handover_after_unanswered; "unanswered");
  - after a thumbs-down with a comment ("feedback");
  - when the plan's monthly question quota is used up: a person answers instead of a refusal ("quota");
  - when the shop cannot do what was asked: sold out, or no order with the details given
    ("out_of_stock", "order_not_found"; chat.shop_order, chat.shop_status).

Then the bot is off (`is_bot_active`), the conversation is HANDED_OVER and waits in the inbox
(`waiting_since`); the bot says once, in the customer's language, that a person will reply and
roughly when (the tenant's business hours); later messages are stored and not answered.
The API and the playground never hand over: no customer waits there.
"""

from __future__ import annotations

import re

from django.db.models import F
from django.utils import timezone

from chat.models import Channel, Conversation, Message
from kaiu.accounts import hours
from kaiu.ai.embeddings import fold

HANDOVER_CHANNELS = (Channel.PAGE, Channel.WIDGET, Channel.WHATSAPP)

REASONS = {
    "asked": "The customer asked for a person.",
    "button": "The customer pressed “talk to a person”.",
    "unanswered": "{count} questions in a row the bot could not answer.",
    "feedback": "Thumbs down: “{detail}”",
    "quota": "The plan's monthly question quota is used up.",
    "out_of_stock": "The customer wanted a product that is sold out.",
    "order_not_found": "No order matched the details the customer gave.",
}
TEXTS = {
    "es": {
        "open": "Te comunico con una persona de nuestro equipo: te responderá aquí mismo en unos minutos. "
                "Puedes seguir escribiendo mientras tanto.",
        "closed": "Te comunico con una persona de nuestro equipo. Ahora estamos fuera del horario de atención; "
                  "te responderemos aquí mismo {when}. Puedes dejar tu mensaje mientras tanto.",
        "closed_unknown": "Te comunico con una persona de nuestro equipo. Ahora estamos fuera del horario de "
                          "atención; te responderemos aquí mismo lo antes posible.",
        "button": "Quiero hablar con una persona",
    },
    "en": {
        "open": "I'm passing you to a person on our team, who will reply right here in a few minutes. "
                "You can keep writing meanwhile.",
        "closed": "I'm passing you to a person on our team. We're outside our opening hours now; we'll reply "
                  "right here {when}. You can leave your message meanwhile.",
        "closed_unknown": "I'm passing you to a person on our team. We're outside our opening hours now; we'll "
                          "reply right here as soon as we can.",
        "button": "I'd like to talk to a person",
    },
}

# --- Does the customer ask for a person? -------------------------------------------------------
# On folded text (lower case, no accents). A person named as who to talk to, not as a topic:
# "quiero hablar con un asesor" yes, "¿las personas mayores tienen descuento?" no.

_WHO_ES = r"(?:asesor|asesora|asesores|agente|agentes|persona|personas|humano|humana|operador|operadora|" \
          r"representante|ejecutivo|ejecutiva|encargado|encargada|vendedor|vendedora|alguien|gente|soporte)"
_WHO_EN = r"(?:person|human|humans|agent|representative|rep|operator|someone|somebody|people|staff|support|" \
          r"employee|real person|live agent|live person)"
_ARTICLE = r"(?:(?:un|una|el|la|los|las|algun|alguna|a|an|the|some|your|su|tu|vuestro)\s+)?"
_ASKS = [
    # "hablar con un asesor", "comunícame con alguien", "pásame con una persona"
    rf"\b(?:hablar|hablo|habla|comunicar(?:me)?|comunicame|contactar|chatear|conversar|pasar(?:me)?|pasame|"
    rf"pasen(?:me)?|atender(?:me)?|atienda|escribir(?:le)?)\s+(?:con|a)\s+{_ARTICLE}{_WHO_ES}\b",
    # "quiero un asesor", "necesito una persona real", "me atiende un humano"
    rf"\b(?:quiero|necesito|prefiero|pido|solicito|me atienda|me atiende)\s+{_ARTICLE}{_WHO_ES}\b"
    r"(?!\s+(?:mayor|mayores|que\s+(?:use|usa|tenga|sufr)))",
    r"\b(?:atencion|asistencia)\s+(?:humana|personal(?:izada)?)\b",
    r"\bpersona\s+(?:real|de verdad)\b|\bcon\s+un\s+humano\b",
    # "talk to an agent", "speak with someone", "connect me to a human"
    rf"\b(?:talk|speak|chat|connect me|transfer me|put me through|get me)\s+(?:to|with)\s+{_ARTICLE}"
    rf"(?:real\s+|live\s+|customer service\s+|support\s+)?{_WHO_EN}\b",
    rf"\b(?:i want|i need|i'd like|i would like|can i have|can i get)\s+{_ARTICLE}(?:real\s+|live\s+)?"
    r"(?:person|human|agent|representative|operator)\b",
    r"\b(?:customer service|customer support)\s+(?:representative|agent)\b|\blive\s+(?:agent|person|chat)\b",
]
_ASKS_RE = [re.compile(pattern) for pattern in _ASKS]
# The whole message is the request: "una persona por favor", "human please", "¡un asesor!"
_ALONE = re.compile(rf"^\W*(?:hola\W+|hi\W+|hello\W+)?{_ARTICLE}(?:real\s+)?"
                    r"(?:asesor|asesora|persona|humano|agente|operador|operadora|representante|"
                    r"person|human|agent|representative|operator)(?:\s+(?:real|de verdad))?"
                    r"(?:\W+(?:por favor|porfa|porfavor|please|pls|plz|ya|now))*\W*$")


def asks_for_person(text: str) -> bool:
    folded = fold(text or "").replace("’", "'")
    if len(folded) > 300:  # a long message is about something else, even if it names an agent
        return False
    return bool(_ALONE.match(folded)) or any(pattern.search(folded) for pattern in _ASKS_RE)


# --- What the bot says -------------------------------------------------------------------------


def texts_for(language: str) -> dict:
    return TEXTS.get(language, TEXTS["en"])


def handover_text(bot, now=None) -> str:
    """"A person will reply, and roughly when", in the bot's language, from the tenant's hours."""
    tenant, now = bot.tenant, now or timezone.now()
    texts = texts_for(bot.language)
    if hours.is_open(tenant, now):
        return texts["open"]
    opening = hours.next_opening(tenant, now)
    if opening is None:
        return texts["closed_unknown"]
    return texts["closed"].format(when=hours.opening_phrase(opening, now, bot.language))


def reason_text(code: str, *, detail: str = "", count: int = 0) -> str:
    return REASONS.get(code, code).format(detail=detail[:150], count=count)[:200]


# --- Writes --------------------------------------------------------------------------------------


def can_hand_over(conversation: Conversation) -> bool:
    return conversation.channel in HANDOVER_CHANNELS


def unanswered_limit_reached(bot, conversation: Conversation) -> bool:
    """Whether one more unanswered answer makes N in a row (N = 0: never hand over for that)."""
    limit = bot.handover_after_unanswered
    return bool(limit) and conversation.unanswered_streak + 1 >= limit


def handover_start(conversation: Conversation, code: str, *, reason: str = "") -> bool:
    """Hand the conversation to people: False when it already was (or cannot be). One
    conditional UPDATE, so a second trigger at the same moment changes nothing."""
    if not can_hand_over(conversation):
        return False
    now = timezone.now()
    fields = {"is_bot_active": False, "status": Conversation.Status.HANDED_OVER, "handover_code": code,
              "handover_reason": (reason or reason_text(code))[:200], "waiting_since": now, "assigned_to": None}
    changed = Conversation.objects.filter(pk=conversation.pk, is_bot_active=True).update(**fields, updated_at=now)
    if changed:
        for name, value in fields.items():
            setattr(conversation, name, value)
    return bool(changed)


def bot_message_add(conversation: Conversation, text: str) -> Message:
    """The bot's own note to the customer outside an answer (after a thumbs-down)."""
    message = Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT, content=text,
                                     origin="handover", model="kaiu-handover")
    Conversation.objects.filter(pk=conversation.pk).update(message_count=F("message_count") + 1,
                                                           updated_at=timezone.now())
    return message


def handover_after_feedback(message: Message, comment: str) -> Message | None:
    """A thumbs-down with a comment: a person looks at it. The bot's note to the customer, or
    None when nothing changed (API, playground, already with a person)."""
    conversation = Conversation.objects.select_related("bot__tenant").get(pk=message.conversation_id)
    if not conversation.is_bot_active or not handover_start(
            conversation, "feedback", reason=reason_text("feedback", detail=comment)):
        return None
    return bot_message_add(conversation, handover_text(conversation.bot))


def waiting_message_store(conversation: Conversation, text: str) -> Message:
    """A customer's message while people have the conversation: stored, not answered, not
    taken from the bot's quota. The conversation waits again if an agent had replied."""
    message = Message.objects.create(conversation=conversation, role=Message.Role.USER, content=text)
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(message_count=F("message_count") + 1, updated_at=now)
    Conversation.objects.filter(pk=conversation.pk, waiting_since__isnull=True,
                                status=Conversation.Status.HANDED_OVER).update(waiting_since=now)
    conversation.message_count += 1
    return message


def question_store_unmetered(conversation: Conversation, text: str) -> None:
    """The question when the quota is used up and a person answers instead: stored without
    taking from the quota (with its conversation, when new)."""
    if conversation._state.adding:
        conversation.save()
    Message.objects.create(conversation=conversation, role=Message.Role.USER, content=text)
