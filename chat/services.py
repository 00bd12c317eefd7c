"""Writes around conversations: start one, store a question and its answer, rate an answer.

A question is stored before any work on its answer starts, so a crash or a dropped stream
loses nothing the visitor wrote; the answer is stored when its stream ends, early or not.
Both are single statements (kaiu.statements): one round trip each on the chat's hot path.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, connection
from django.utils import timezone

from bots.models import Bot
from bots.selectors import bot_knowledge_version_statement
from chat import handover, response_cache
from chat.models import Conversation, Feedback, Message, QueryLog
from chat.response_cache import CacheLookup
from chat.texts import ChatError
from documents.search import retrieval_days_record_statement, retrievals_record_statement
from kaiu.accounts.quotas import quota_take_statement
from kaiu.statements import insert_statement, mark_saved, with_clause

logger = logging.getLogger(__name__)


def conversation_start(*, bot: Bot, channel: str, visitor_id: str = "") -> Conversation:
    conversation = conversation_new(bot=bot, channel=channel, visitor_id=visitor_id)
    conversation.save()
    return conversation


def conversation_new(*, bot: Bot, channel: str, visitor_id: str = "") -> Conversation:
    """An unsaved conversation, stored with its first question (question_store)."""
    return Conversation(tenant_id=bot.tenant_id, bot=bot, channel=channel, visitor_id=visitor_id[:64])


def feedback_set(*, message: Message, rating, comment: str = "") -> Feedback:
    """Thumbs up or down on an answer; a second vote replaces the first. `rating` may come
    straight from a request: anything but 1 or -1 is refused."""
    if message.role != Message.Role.ASSISTANT:
        raise ChatError("invalid", "Only answers can be rated.")
    if isinstance(rating, bool) or rating not in (1, -1, "1", "-1"):
        raise ChatError("invalid", "The rating must be 1 or -1.")
    rating = int(rating)
    feedback, _ = Feedback.objects.update_or_create(
        message=message, defaults={"rating": rating, "comment": comment.strip()[:1000]})
    if rating == -1 and feedback.comment:
        handover.handover_after_feedback(message, feedback.comment)
    return feedback


# --- The question -------------------------------------------------------------------------


def question_store(bot: Bot, conversation: Conversation, question: str,
                   cache_key: tuple[str, str] | None) -> tuple[bool, CacheLookup]:
    """Take the question from the plan's monthly quota and store it, with its conversation
    when that is new, and look its answer up in the response cache (`cache_key` None: no
    lookup), in one statement. (False, nothing found) and nothing stored once the quota is
    used up. The knowledge version is read here, before retrieval, not from `bot`, which may
    be a few seconds old (bots.selectors.bot_get_for_public)."""
    quota_sql, quota_params = quota_take_statement(bot.tenant, "questions_month")
    knowledge_sql, knowledge_params = bot_knowledge_version_statement(bot.pk)
    writes = [insert_statement(Message(conversation=conversation, role=Message.Role.USER, content=question),
                               only_if="EXISTS (SELECT FROM quota)")]
    if conversation._state.adding:
        writes.insert(0, insert_statement(conversation, only_if="EXISTS (SELECT FROM quota)"))
    ctes, params = with_clause(writes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH quota AS ({quota_sql}), {ctes}, knowledge AS ({knowledge_sql})
                SELECT (SELECT count(*) FROM quota), knowledge.version, {response_cache.LOOKUP_COLUMNS}
                FROM knowledge {response_cache.LOOKUP_JOIN}""",
            [*quota_params, *params, *knowledge_params, *response_cache.lookup_params(bot, cache_key)])
        row = cursor.fetchone()
    if row is None:  # the bot was deleted a moment ago: its conversation cannot be stored
        raise IntegrityError(f"Bot {bot.pk} no longer exists")
    taken, knowledge_version, *cached = row
    if not taken:
        return False, CacheLookup()
    mark_saved(conversation)
    return True, response_cache.lookup_result(knowledge_version, cache_key, cached)


# --- The answer ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """How an answer came about, filled in while it is composed and stored with it."""

    origin: str = "model"  # model, cache, curated, unknown, error, fallback
    answered: bool = True
    sources: list[dict] = field(default_factory=list)
    cards: list[dict] = field(default_factory=list)  # products shown as cards (chat.shop)
    top_score: float | None = None
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    error: str = ""  # what went wrong (a provider's error), for the tenant
    reason: str = ""  # why it is not answered, or answered another way ("not found: …")
    searched_as: str = ""  # the follow-up question made standalone, when it was (chat.followup)
    cache_key: tuple[int, str, str] | None = None  # (knowledge version, prompt, question): may be cached
    cache_entry_id: int | None = None  # the cached answer served
    retrieved_documents: set[str] = field(default_factory=set)  # counted with the stored answer
    handover: str = ""  # the conversation goes to people after this answer: the reason's code (chat.handover)
    timings: dict = field(default_factory=lambda: {"embed": 0.0, "retrieve": 0.0, "llm": 0.0, "total": 0.0})


def answer_store(bot: Bot, conversation: Conversation, question: str, answer: str,
                 outcome: Outcome) -> Message | None:
    """The answer, its QueryLog row, its cache entry and the retrieval counts, in one
    statement; None when the bot (and with it the conversation) was deleted meanwhile."""
    try:
        return _answer_store(bot, conversation, question, answer, outcome)
    except IntegrityError:
        if Bot.objects.filter(pk=bot.pk).exists():
            raise
        logger.info("Bot %s was deleted while answering in conversation %s", bot.pk, conversation.pk)
        return None


def _answer_store(bot: Bot, conversation: Conversation, question: str, answer: str, outcome: Outcome) -> Message:
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    for source in outcome.sources:
        source["cited"] = source["n"] in cited
    message = Message(
        conversation=conversation, role=Message.Role.ASSISTANT, content=answer, sources=outcome.sources,
        cards=outcome.cards, model=outcome.model, tokens_in=outcome.tokens_in, tokens_out=outcome.tokens_out,
        timings=outcome.timings, top_score=outcome.top_score, answered=outcome.answered, origin=outcome.origin,
        note=_note(outcome))
    writes = [insert_statement(message), insert_statement(_query_log(bot, conversation, message, question, outcome))]
    if outcome.cache_key and outcome.answered and not outcome.error and answer:
        writes.append(response_cache.response_cache_put_statement(
            bot, outcome.cache_key, question, answer, outcome.sources, outcome.top_score))
    if outcome.cache_entry_id is not None:
        writes.append(response_cache.response_cache_hit_statement(outcome.cache_entry_id))
    if outcome.retrieved_documents:
        writes.append(retrievals_record_statement(outcome.retrieved_documents))
        writes.append(retrieval_days_record_statement(outcome.retrieved_documents))
    ctes, params = with_clause(writes)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH {ctes}
                UPDATE chat_conversation
                SET message_count = message_count + 2, updated_at = %s,
                    title = CASE WHEN title = '' THEN %s ELSE title END,
                    unanswered_streak = CASE WHEN %s THEN unanswered_streak + 1 ELSE 0 END
                WHERE id = %s""",
            [*params, timezone.now(), question[:120], _counts_unanswered(outcome), conversation.pk])
    mark_saved(message)
    message._just_written = True  # no feedback to look up when it is shown
    if not conversation.title:
        conversation.title = question[:120]
    conversation.message_count += 2
    conversation.unanswered_streak = conversation.unanswered_streak + 1 if _counts_unanswered(outcome) else 0
    return message


def _counts_unanswered(outcome: Outcome) -> bool:
    """An answer that did not answer, toward a handover (chat.handover); a failure is no judgement."""
    return not outcome.answered and outcome.origin != "error"


def _note(outcome: Outcome) -> str:
    """Why the answer is what it is, for the playground and the transcript."""
    parts = [outcome.error or outcome.reason]
    if outcome.searched_as:
        parts.append(f"searched as “{outcome.searched_as}”")
    return " · ".join(part for part in parts if part)[:300]


def _query_log(bot: Bot, conversation: Conversation, message: Message, question: str, outcome: Outcome) -> QueryLog:
    return QueryLog(
        tenant_id=bot.tenant_id, bot=bot, conversation=conversation, message=message,
        channel=conversation.channel, question=question, origin=outcome.origin, answered=outcome.answered,
        top_score=outcome.top_score, embed_ms=outcome.timings["embed"], retrieve_ms=outcome.timings["retrieve"],
        llm_ms=outcome.timings["llm"], total_ms=outcome.timings["total"], tokens_in=outcome.tokens_in,
        tokens_out=outcome.tokens_out, model=outcome.model, error=outcome.error[:300], reason=outcome.reason[:300])
