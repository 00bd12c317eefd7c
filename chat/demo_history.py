"""Demo data owned by chat (chat.demo runs it): two weeks of visitors' questions to the demo bot, asked
through the real reply flow (answers, cache hits, "I don't know"s, timings all real) and then
dated back over the last 14 days, so the analytics page and the knowledge gaps have something
to show on a fresh demo. Added once: a second run finds them and changes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from bots.demo import demo_bot
from chat.models import Conversation, Feedback, Message, QueryLog
from chat.reply import question_ask
from chat.texts import ChatError

VISITOR = "demo-history-"
ANSWERED = ["¿Hacen envíos a Medellín?", "¿Cuánto tarda el envío a Cali?", "¿Puedo pagar contra entrega?",
            "¿Aceptan Nequi?", "¿Cómo devuelvo un producto?", "¿Puedo aplicar aceite esencial directo en la piel?",
            "¿Aceptan PSE?", "¿Cuánto tarda el envío a Bogotá?"]
# What the demo knowledge base does not say: three gaps, asked in several ways each.
GAPS = ["¿Tienen tienda física en Cali?", "tienen tienda fisica en cali", "¿Hay una tienda física en Cali?",
        "¿Venden al por mayor?", "¿Venden al por mayor para tiendas?", "venden por mayor",
        "¿Tienen tarjetas de regalo?", "¿Venden tarjetas de regalo?"]
CHANNELS = ["PAGE", "WIDGET", "WIDGET", "PAGE", "API"]


def seed(tenant) -> str:
    """seed_demo's step: the question history, when the demo bot has none yet."""
    bot = demo_bot(tenant)
    if bot is None or bot.documents.filter(status="PROCESSED").count() == 0:
        return "Question history: skipped (no processed demo knowledge base)."
    if Conversation.objects.filter(bot=bot, visitor_id__startswith=VISITOR).exists():
        return "Question history: already there."
    questions = [*ANSWERED, *GAPS, *ANSWERED[:4]]  # the repeats come from the response cache
    now = timezone.now()
    for n, question in enumerate(questions):
        try:
            conversation, events = question_ask(bot=bot, question=question, channel=CHANNELS[n % len(CHANNELS)],
                                                visitor_id=f"{VISITOR}{n}")
            answer = next((e.message for e in events if e.type == "done"), None)
        except ChatError:  # the plan's monthly questions are used up: the history stops here
            break
        if answer is not None and n % 5 == 1:
            Feedback.objects.create(message=answer, rating=1)
        elif answer is not None and question in GAPS[:1]:
            Feedback.objects.create(message=answer, rating=-1, comment="Solo quería saber si puedo ir a la tienda.")
            # A person took it then and gave it back to the bot since (analytics counts it).
            Conversation.objects.filter(pk=conversation.pk).update(
                handover_code="feedback", handover_reason="Thumbs down: “Solo quería saber si puedo ir a la tienda.”")
        _date_back(conversation, now - timedelta(days=13 - n % 14, hours=n % 9))
    count = QueryLog.objects.filter(bot=bot, conversation__visitor_id__startswith=VISITOR).count()
    return f"Question history: {count} questions over the last 14 days."


def _date_back(conversation: Conversation, when) -> None:
    """Move a just-asked conversation, its messages and its log to `when`, keeping their order."""
    shift = when - timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(created_at=F("created_at") + shift,
                                                           updated_at=F("updated_at") + shift)
    Message.objects.filter(conversation=conversation).update(created_at=F("created_at") + shift)
    Feedback.objects.filter(message__conversation=conversation).update(created_at=F("created_at") + shift,
                                                                       updated_at=F("updated_at") + shift)
    QueryLog.objects.filter(conversation=conversation).update(created_at=F("created_at") + shift)
