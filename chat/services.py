"""The reply flow every channel shares, and the writes around conversations.

    reply(conversation, text)
      ├─ curated answer matching the question closely  → served as is
      ├─ cached answer (same question, knowledge, prompt) → served as is, marked
      ├─ documents.search.retrieve → nothing above the bot's threshold → "I don't know"
      └─ chat model (built-in extractive or OpenAI-compatible, streamed)
    then one Message with its sources and timings, and one QueryLog row.

The question is stored before any work starts, so a crash or a dropped stream loses
nothing the visitor wrote; whatever was streamed is stored when the stream ends, early or not.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import F
from django.utils import timezone
from pgvector.django import CosineDistance
from psycopg.types.json import Jsonb

from bots.models import Bot, BotPrompt
from chat.models import Conversation, CuratedAnswer, Feedback, Message, QueryLog, ResponseCache
from documents.search import retrievals_record_statement, retrieve
from kaiu.accounts.models import Tenant
from kaiu.ai.chat import ChatModel, ChatModelError, ChatRequest, Passage, chat_model_for
from kaiu.ai.embeddings import BuiltinEmbedder, EmbeddingError, fold
from kaiu.local_cache import LocalCache

logger = logging.getLogger(__name__)

CURATED_MIN_SIMILARITY = 0.8  # built-in embeddings: rewordings of one question score above this
_bots_with_curated_answers: LocalCache[bool] = LocalCache("bots with curated answers")  # per process, seconds

MESSAGES = {
    "unknown": {
        "es": "No encontré esa información en mis documentos. ¿Puedes reformular la pregunta o darme más detalles?",
        "en": "I couldn't find that in my documents. Could you rephrase the question or give me more detail?",
    },
    "error": {
        "es": "Lo siento, ahora mismo no puedo responder. Inténtalo de nuevo en un momento.",
        "en": "Sorry, I can't answer right now. Please try again in a moment.",
    },
    "quota": {
        "es": "Este asistente alcanzó su límite de preguntas de este mes. Vuelve a intentarlo más adelante.",
        "en": "This assistant has reached its question limit for this month. Please try again later.",
    },
    "too_long": {
        "es": "Tu mensaje es demasiado largo: el máximo es de {limit} caracteres.",
        "en": "Your message is too long: the limit is {limit} characters.",
    },
    "empty": {
        "es": "Escribe una pregunta.",
        "en": "Please write a question.",
    },
}


def message_for(key: str, language: str, **values) -> str:
    texts = MESSAGES[key]
    return texts.get(language, texts["en"]).format(**values)


class ChatError(Exception):
    """A question refused before any answer: `code` for APIs, the message for visitors."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


# --- Conversations ------------------------------------------------------------------------


def conversation_start(*, bot: Bot, channel: str, visitor_id: str = "") -> Conversation:
    conversation = _conversation_new(bot=bot, channel=channel, visitor_id=visitor_id)
    conversation.save()
    return conversation


def _conversation_new(*, bot: Bot, channel: str, visitor_id: str) -> Conversation:
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
    return feedback


def curated_answer_create(*, bot: Bot, question: str, answer: str, user=None,
                          source_message: Message | None = None) -> CuratedAnswer:
    """The tenant's own answer to a question, served as is to questions that match it closely."""
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise ChatError("invalid", "Both the question and the answer are needed.")
    [vector] = BuiltinEmbedder().embed([question])
    return CuratedAnswer.objects.create(tenant_id=bot.tenant_id, bot=bot, question=question[:500], answer=answer,
                                        question_vector=vector, created_by=user, source_message=source_message)


# --- Quota --------------------------------------------------------------------------------


def _month_start(today: date | None = None) -> date:
    return (today or timezone.now().date()).replace(day=1)


def questions_this_month(tenant: Tenant) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT questions FROM chat_monthlyusage WHERE tenant_id = %s AND month = %s",
                       [tenant.pk, _month_start()])
        row = cursor.fetchone()
    return row[0] if row else 0


# Count one question against the plan, atomically: no row comes back once the month's quota is used.
_QUOTA_TAKE = """INSERT INTO chat_monthlyusage (tenant_id, month, questions)
    SELECT %s, %s, 1 WHERE %s > 0
    ON CONFLICT (tenant_id, month) DO UPDATE SET questions = chat_monthlyusage.questions + 1
    WHERE chat_monthlyusage.questions < %s
    RETURNING questions"""


def _question_store(bot: Bot, conversation: Conversation, question: str,
                    cache_key: tuple[str, str] | None) -> tuple[bool, _CacheLookup]:
    """Count the question against the plan and store it, with its conversation when that is
    new, and look its answer up in the response cache (`cache_key`, None: no lookup), in one
    statement: (False, nothing found) and nothing stored once the month's quota is used up.

    The knowledge version is read here, before retrieval, not from `bot` (which may come a
    few seconds old from a process's cache, bots.selectors.bot_get_for_public), and a new answer
    is cached under it: knowledge that changes while the answer is written makes the entry
    unreachable, never an answer from the old knowledge cached under the new version."""
    limit = bot.tenant.plan.max_queries_per_month
    writes = [_insert(Message(conversation=conversation, role=Message.Role.USER, content=question),
                      only_if="EXISTS (SELECT FROM quota)")]
    if conversation._state.adding:
        writes.insert(0, _insert(conversation, only_if="EXISTS (SELECT FROM quota)"))
    ctes, params = _with(writes)
    prompt_key, question_hash = cache_key or (None, None)
    with connection.cursor() as cursor:
        # Raw SQL for the lookup too: the ORM took 0.7 ms to compile it, three times the query.
        cursor.execute(
            f"""WITH quota AS ({_QUOTA_TAKE}), {ctes}
                SELECT (SELECT count(*) FROM quota), b.knowledge_version, c.id, c.answer, c.sources, c.top_score
                FROM bots_bot b LEFT JOIN chat_responsecache c
                  ON c.bot_id = b.id AND c.knowledge_version = b.knowledge_version AND c.prompt_key = %s
                 AND c.question_hash = %s AND c.expires_at > %s
                WHERE b.id = %s""",
            [bot.tenant_id, _month_start(), limit, limit, *params, prompt_key, question_hash, timezone.now(), bot.pk])
        row = cursor.fetchone()
    if row is None:  # the bot was deleted a moment ago: its conversation cannot be stored
        raise IntegrityError(f"Bot {bot.pk} no longer exists")
    taken, knowledge_version, entry_id, answer, sources, top_score = row
    if not taken:
        return False, _CacheLookup()
    conversation._state.adding, conversation._state.db = False, connection.alias
    if cache_key is None:
        return True, _CacheLookup()
    entry = None
    if entry_id is not None:
        sources = json.loads(sources) if isinstance(sources, str) else sources
        entry = ResponseCache(pk=entry_id, answer=answer, sources=sources, top_score=top_score)
    return True, _CacheLookup(key=(knowledge_version, *cache_key), entry=entry)


# --- The reply flow -----------------------------------------------------------------------


@dataclass
class ReplyEvent:
    type: str  # "delta" (a piece of the answer) or "done" (the stored message)
    text: str = ""
    message: Message | None = None


@dataclass
class _CacheLookup:
    key: tuple[int, str, str] | None = None  # (knowledge version, prompt, question); None: not cacheable
    entry: ResponseCache | None = None  # the answer found under it


@dataclass
class _Outcome:
    origin: str = "model"  # model, cache, curated, unknown, error
    answered: bool = True
    sources: list[dict] = field(default_factory=list)
    top_score: float | None = None
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    error: str = ""
    cache_key: tuple[int, str, str] | None = None  # (knowledge version, prompt, question): may be cached
    cache_entry_id: int | None = None  # the cached answer served
    retrieved_documents: set[str] = field(default_factory=set)  # counted with the stored answer
    timings: dict = field(default_factory=lambda: {"embed": 0.0, "retrieve": 0.0, "llm": 0.0, "total": 0.0})


def normalize_question(text: str) -> str:
    return " ".join(re.findall(r"[0-9a-zñ]+", fold(text)))


def clean_question(bot: Bot, text: str) -> str:
    question = (text or "").strip()
    if not question:
        raise ChatError("empty", message_for("empty", bot.language))
    if len(question) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ChatError("too_long", message_for("too_long", bot.language, limit=settings.CHAT_MAX_MESSAGE_CHARS))
    return question


def reply(conversation: Conversation, text: str, *, history: list[tuple[str, str]] | None = None,
          prompt: BotPrompt | None = None, bot: Bot | None = None) -> Iterator[ReplyEvent]:
    """Answer `text` in `conversation`, streaming. Raises ChatError before anything is
    stored when the question is refused (empty, too long, monthly quota used up).
    `history` replaces the conversation's stored turns (the API is sent them by the client);
    `prompt` replaces the active prompt (the playground tries drafts); `bot` saves loading the
    conversation's bot again when the caller has it (with its tenant, plan and prompt)."""
    if bot is None or bot.pk != conversation.bot_id:
        bot = Bot.objects.select_related("tenant__plan", "tenant__settings", "active_prompt").get(
            pk=conversation.bot_id)
    if prompt is not None and prompt.bot_id == bot.pk:
        bot.active_prompt = prompt  # for this answer only; never saved
    question = clean_question(bot, text)
    if history is None:
        history = _history(conversation) if conversation.message_count else []
    model = chat_model_for(bot)
    # Answers that depend on earlier turns are neither looked up nor cached.
    cache_key = None if history else _cache_key(bot, model.model_name, question)
    stored, cache = _question_store(bot, conversation, question, cache_key)
    if not stored:
        raise ChatError("quota", message_for("quota", bot.language))
    return _answer(bot, conversation, question, history, model, cache)


def question_ask(*, bot: Bot, question: str, channel: str, conversation: Conversation | None = None,
                 visitor_id: str = "", history: list[tuple[str, str]] | None = None,
                 prompt: BotPrompt | None = None) -> tuple[Conversation, Iterator[ReplyEvent]]:
    """Ask in `conversation`, or in a new one stored in the same statement as the question,
    so a refused question (quota) leaves no empty conversation behind. Returns the
    conversation and the reply's events."""
    if conversation is None:  # stored with the question (_question_store)
        conversation = _conversation_new(bot=bot, channel=channel, visitor_id=visitor_id)
    try:
        return conversation, reply(conversation, question, history=history, prompt=prompt, bot=bot)
    except IntegrityError:
        # The bot was deleted a moment ago; public channels may hold it a few more seconds
        # (bots.selectors.bot_get_for_public).
        if not Bot.objects.filter(pk=bot.pk).exists():
            raise ChatError("not_found", "This assistant no longer exists.") from None
        raise


def _answer(bot: Bot, conversation: Conversation, question: str, history, model: ChatModel,
            cache: _CacheLookup) -> Iterator[ReplyEvent]:
    started = time.perf_counter()
    outcome = _Outcome()
    parts: list[str] = []
    try:
        for piece in _compose(bot, question, history, outcome, model, cache):
            parts.append(piece)
            yield ReplyEvent("delta", text=piece)
    except GeneratorExit:  # the visitor left mid-stream: keep what was said
        outcome.error = outcome.error or "The client disconnected before the end of the answer."
        raise
    except Exception as exc:  # a bug must cost one answer, not the visitor's page
        logger.exception("Reply failed for bot %s", bot.pk)
        outcome.origin, outcome.answered, outcome.error = "error", False, f"{type(exc).__name__}: {exc}"[:300]
        parts = [message_for("error", bot.language)]
        yield ReplyEvent("delta", text=parts[0])
    finally:
        outcome.timings["total"] = round((time.perf_counter() - started) * 1000, 2)
        message = _store_unless_bot_deleted(bot, conversation, question, "".join(parts), outcome)
    if message is not None:
        yield ReplyEvent("done", message=message)


def _compose(bot: Bot, question: str, history, outcome: _Outcome, model: ChatModel,
             cache: _CacheLookup) -> Iterator[str]:
    """The answer's pieces; fills `outcome` on the way."""
    curated = _curated_match(bot, question)
    if curated is not None:
        outcome.origin, outcome.model = "curated", "curated"
        CuratedAnswer.objects.filter(pk=curated.pk).update(times_served=F("times_served") + 1)
        yield curated.answer
        return

    cached = cache.entry
    if cached is not None:
        outcome.origin, outcome.model, outcome.cache_entry_id = "cache", model.model_name, cached.pk
        outcome.sources, outcome.top_score = cached.sources, cached.top_score
        yield cached.answer
        return

    rag = bot.rag_config or {}
    try:
        retrieval = retrieve(bot, question, record=False)  # counted in _store, in its statement
    except EmbeddingError as error:  # vector mode and the provider is down
        outcome.origin, outcome.answered, outcome.error = "error", False, str(error)[:300]
        yield message_for("error", bot.language)
        return
    # Hybrid search answered from keywords alone (the embedding provider failed): the answer
    # stands, the provider's error is logged for the tenant, and the answer is not cached.
    outcome.error = retrieval.warning[:300]
    outcome.timings["embed"] = round(retrieval.embed_ms, 2)
    outcome.timings["retrieve"] = round(retrieval.search_ms, 2)
    outcome.top_score = retrieval.top_score
    outcome.retrieved_documents = {hit.document_id for hit in retrieval.hits}
    threshold = float(rag.get("score_threshold", 0))
    hits = [hit for hit in retrieval.hits if hit.relevance is None or hit.relevance >= threshold]
    if not hits:
        outcome.origin, outcome.answered = "unknown", False
        yield message_for("unknown", bot.language)
        return

    passages = [Passage(number=n, text=hit.text, document_name=hit.document_name, page=hit.page)
                for n, hit in enumerate(hits, start=1)]
    outcome.sources = [
        {"n": n, "document": hit.document_id, "document_name": hit.document_name, "chunk": hit.chunk_id,
         "page": hit.page, "score": None if hit.relevance is None else round(hit.relevance, 4),
         "text": hit.text[:1200]}
        for n, hit in enumerate(hits, start=1)]
    request = ChatRequest(
        system_prompt=bot.active_prompt.content if bot.active_prompt else "", question=question,
        passages=passages, history=history, language=bot.language, temperature=bot.temperature,
        model=bot.chat_model)
    outcome.model = model.model_name
    llm_started = time.perf_counter()
    try:
        yield from model.stream(request)
    except ChatModelError as error:
        outcome.origin, outcome.answered, outcome.error = "error", False, str(error)[:300]
        yield message_for("error", bot.language)
    finally:
        outcome.timings["llm"] = round((time.perf_counter() - llm_started) * 1000, 2)
        outcome.model = model.model_name
        outcome.tokens_in, outcome.tokens_out = model.usage.tokens_in, model.usage.tokens_out
    if outcome.origin == "model":
        outcome.cache_key = cache.key


def _history(conversation: Conversation) -> list[tuple[str, str]]:
    """Earlier turns, newest first until the budget is spent, returned oldest first."""
    budget, turns = settings.CHAT_HISTORY_CHARS, []
    rows = (Message.objects.filter(conversation=conversation, role__in=[Message.Role.USER, Message.Role.ASSISTANT])
            .order_by("-created_at").values_list("role", "content")[:20])
    for role, content in rows:
        budget -= len(content)
        if budget < 0:
            break
        turns.append((role, content))
    return turns[::-1]


def _curated_match(bot: Bot, question: str) -> CuratedAnswer | None:
    has_curated_answers = _bots_with_curated_answers.get_or_load(
        bot.pk, lambda: CuratedAnswer.objects.filter(bot=bot, is_enabled=True).exists())
    if not has_curated_answers:  # most bots: no query, no embedding
        return None
    [vector] = BuiltinEmbedder().embed([question])
    close = (CuratedAnswer.objects.filter(bot=bot, is_enabled=True)
             .annotate(distance=CosineDistance("question_vector", vector))
             .filter(distance__lte=1 - CURATED_MIN_SIMILARITY).order_by("distance")[:50])
    # A number changes the question (a year, an order, a size) though it is one word of many:
    # an answer curated for "2018" is not an answer for "2022".
    numbers = _numbers(question)
    return next((curated for curated in close if _numbers(curated.question) == numbers), None)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(text))


# --- Response cache -----------------------------------------------------------------------


def _cache_key(bot: Bot, model_name: str, question: str) -> tuple[str, str]:
    """(prompt_key, question_hash): everything besides knowledge that shapes the answer."""
    rag = json.dumps(bot.rag_config or {}, sort_keys=True)
    prompt = bot.active_prompt.content if bot.active_prompt else ""  # its text: a draft can still change
    provider = getattr(getattr(bot.tenant, "settings", None), "base_url", "")
    shape = "\0".join([prompt, model_name, provider, bot.chat_model, str(bot.temperature), bot.language, rag])
    prompt_key = hashlib.sha256(shape.encode()).hexdigest()[:40]
    return prompt_key, hashlib.sha256(normalize_question(question).encode()).hexdigest()


def _cache_put_statement(bot: Bot, key, question: str, answer: str, outcome: _Outcome) -> tuple[str, list]:
    """The upsert that keeps the answer under the knowledge version read before retrieval
    (see _question_store), to run in _store's statement."""
    knowledge_version, prompt_key, question_hash = key
    now = timezone.now()
    return (
        """INSERT INTO chat_responsecache (bot_id, knowledge_version, prompt_key, question_hash, question, answer,
                                           sources, top_score, hits, created_at, expires_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s)
           ON CONFLICT (bot_id, knowledge_version, prompt_key, question_hash) DO UPDATE
           SET question = excluded.question, answer = excluded.answer, sources = excluded.sources,
               top_score = excluded.top_score, expires_at = excluded.expires_at""",
        [bot.pk, knowledge_version, prompt_key, question_hash, question[:2000], answer, Jsonb(outcome.sources),
         outcome.top_score, now, now + timedelta(seconds=settings.RESPONSE_CACHE_TTL_SECONDS)])


def response_cache_prune() -> int:
    deleted, _ = ResponseCache.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted


# --- Storing ------------------------------------------------------------------------------


def _store(bot: Bot, conversation: Conversation, question: str, answer: str, outcome: _Outcome) -> Message:
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    for source in outcome.sources:
        source["cited"] = source["n"] in cited
    message = Message(
        conversation=conversation, role=Message.Role.ASSISTANT, content=answer, sources=outcome.sources,
        model=outcome.model, tokens_in=outcome.tokens_in, tokens_out=outcome.tokens_out,
        timings=outcome.timings, top_score=outcome.top_score, answered=outcome.answered, origin=outcome.origin)
    log = QueryLog(
        tenant_id=bot.tenant_id, bot=bot, conversation=conversation, message=message,
        channel=conversation.channel, question=question, origin=outcome.origin, answered=outcome.answered,
        top_score=outcome.top_score, embed_ms=outcome.timings["embed"], retrieve_ms=outcome.timings["retrieve"],
        llm_ms=outcome.timings["llm"], total_ms=outcome.timings["total"], tokens_in=outcome.tokens_in,
        tokens_out=outcome.tokens_out, model=outcome.model, error=outcome.error)
    writes = [_insert(message), _insert(log)]
    if outcome.cache_key and outcome.answered and not outcome.error and answer:
        writes.append(_cache_put_statement(bot, outcome.cache_key, question, answer, outcome))
    if outcome.cache_entry_id is not None:
        writes.append(("UPDATE chat_responsecache SET hits = hits + 1 WHERE id = %s", [outcome.cache_entry_id]))
    if outcome.retrieved_documents:
        writes.append(retrievals_record_statement(outcome.retrieved_documents))
    ctes, params = _with(writes)
    with connection.cursor() as cursor:
        # Every write of the answer in one statement, so one round trip and one transaction:
        # as ORM calls in a transaction they were a quarter of an answer's Python time and
        # six round trips (benchmarks/chat.py).
        cursor.execute(
            f"""WITH {ctes}
                UPDATE chat_conversation
                SET message_count = message_count + 2, updated_at = %s,
                    title = CASE WHEN title = '' THEN %s ELSE title END
                WHERE id = %s""",
            [*params, timezone.now(), question[:120], conversation.pk])
    message._state.adding, message._state.db = False, connection.alias
    message._just_written = True  # no feedback to look up when it is shown
    if not conversation.title:
        conversation.title = question[:120]
    conversation.message_count += 2
    return message


def _with(writes: list[tuple[str, list]]) -> tuple[str, list]:
    """Statements and their parameters as the body of a WITH clause (`write_0 AS (...), ...`):
    PostgreSQL runs every data-modifying CTE, in one statement and one transaction."""
    return (", ".join(f"write_{n} AS ({sql})" for n, (sql, _) in enumerate(writes)),
            [value for _, values in writes for value in values])


def _insert(instance, *, only_if: str = "true") -> tuple[str, list]:
    """An INSERT of `instance` with the values Django would write (defaults, auto_now and
    auto_now_add, JSON), to run inside a statement of our own, when `only_if` holds there;
    what the database fills in (ids, generated columns) is left out."""
    fields, sql = _insert_template(type(instance), only_if)
    return sql, [field.get_db_prep_save(field.pre_save(instance, add=True), connection) for field in fields]


@functools.cache
def _insert_template(model, only_if: str) -> tuple[list, str]:
    fields = [field for field in model._meta.concrete_fields if not field.db_returning]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    return fields, f"INSERT INTO {model._meta.db_table} ({columns}) SELECT {placeholders} WHERE {only_if}"


def _store_unless_bot_deleted(bot: Bot, conversation: Conversation, *args, **kwargs) -> Message | None:
    """_store, or None when the bot (and with it the conversation) was deleted while the
    answer was being written: there is nothing left to store it in, and the stream just ends."""
    try:
        return _store(bot, conversation, *args, **kwargs)
    except IntegrityError:
        if Bot.objects.filter(pk=bot.pk).exists():
            raise
        logger.info("Bot %s was deleted while answering in conversation %s", bot.pk, conversation.pk)
        return None


def curated_answer_delete(*, answer: CuratedAnswer) -> None:
    answer.delete()
