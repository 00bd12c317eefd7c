"""The reply flow every channel shares (page, widget, API, playground):

    question_ask / reply(conversation, text)
      ├─ a person has the conversation → the message is stored, the bot stays quiet (chat.handover)
      ├─ clean the question, take it from the quota and store it (chat.services.question_store);
      │  quota used up → a person answers instead (page, widget, WhatsApp; elsewhere refused)
      ├─ the customer asks for a person                  → handed over (chat.handover)
      ├─ a curated answer matching it closely            → served as is  (chat.curated)
      ├─ only a greeting, thanks or a goodbye            → said back     (chat.small_talk)
      ├─ a cached answer (same question, knowledge, prompt) → served as is (chat.response_cache)
      ├─ documents.search.retrieve → nothing above the bot's threshold → "I don't know"
      └─ the chat model (built-in extractive or OpenAI-compatible), streamed
    then the answer, its sources and timings, and its QueryLog row (chat.services.answer_store);
    the N-th unanswered answer in a row, or a shop request that cannot be done, hands over too.

Each source of an answer is one small function that yields the answer's pieces and fills
in the Outcome; the first that answers ends the flow.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError

from bots.models import Bot, BotPrompt
from chat import handover, selectors
from chat.answer_stream import NotInPassages, Renumbering, unless_not_in_passages
from chat.curated import curated_answer_match, curated_answer_served
from chat.followup import carried_words, standalone_question
from chat.models import Conversation, Message
from chat.response_cache import CacheLookup, response_cache_key
from chat.services import Outcome, answer_store, conversation_new, question_store
from chat.shop import ShopAnswer, live_product_passages, shop_flow_active, shop_reply
from chat.small_talk import small_talk_kind, small_talk_reply
from chat.texts import ChatError, message_for
from documents.relevance import certainty_for
from documents.search import retrieve
from kaiu.ai.chat import ChatModel, ChatModelError, ChatRequest, Passage, chat_model_for
from kaiu.ai.embeddings import EmbeddingError

logger = logging.getLogger(__name__)

PASSAGE_SHARE_OF_BEST = 0.5  # passages below half the best one's relevance are left out


@dataclass
class ReplyEvent:
    # "delta" (a piece of the answer), "done" (the stored answer), or "waiting": a person has
    # the conversation, `message` is the customer's stored message and no answer follows.
    type: str
    text: str = ""
    message: Message | None = None


def clean_question(bot: Bot, text: str) -> str:
    question = (text or "").strip()
    if not question:
        raise ChatError("empty", message_for("empty", bot.language))
    if len(question) > settings.CHAT_MAX_MESSAGE_CHARS:
        raise ChatError("too_long", message_for("too_long", bot.language, limit=settings.CHAT_MAX_MESSAGE_CHARS))
    return question


def question_ask(*, bot: Bot, question: str, channel: str, conversation: Conversation | None = None,
                 visitor_id: str = "", history: list[tuple[str, str]] | None = None,
                 prompt: BotPrompt | None = None, ask_for_person: bool = False,
                 ) -> tuple[Conversation, Iterator[ReplyEvent]]:
    """Ask in `conversation`, or in a new one stored in the same statement as the question,
    so a refused question (quota) leaves no empty conversation behind. Returns the
    conversation and the reply's events."""
    if conversation is None:  # stored with the question (question_store)
        conversation = conversation_new(bot=bot, channel=channel, visitor_id=visitor_id)
    try:
        return conversation, reply(conversation, question, history=history, prompt=prompt, bot=bot,
                                   ask_for_person=ask_for_person)
    except IntegrityError:
        # The bot was deleted a moment ago; public channels may hold it a few more seconds
        # (bots.selectors.bot_get_for_public).
        if not Bot.objects.filter(pk=bot.pk).exists():
            raise ChatError("not_found", "This assistant no longer exists.") from None
        raise


def reply(conversation: Conversation, text: str, *, history: list[tuple[str, str]] | None = None,
          prompt: BotPrompt | None = None, bot: Bot | None = None,
          ask_for_person: bool = False) -> Iterator[ReplyEvent]:
    """Answer `text` in `conversation`, streaming. Raises ChatError before anything is
    stored when the question is refused (empty, too long, monthly quota used up where no
    person can answer instead: chat.handover). While a person has the conversation, the
    message is stored and the only event is "waiting".
    `history` replaces the conversation's stored turns (the API is sent them by the client);
    `prompt` replaces the active prompt (the playground tries drafts); `bot` saves loading the
    conversation's bot again when the caller has it (with its tenant, plan and prompt);
    `ask_for_person`: the customer pressed "talk to a person"."""
    if bot is None or bot.pk != conversation.bot_id:
        bot = Bot.objects.select_related("tenant__plan", "tenant__settings", "active_prompt").get(
            pk=conversation.bot_id)
    if prompt is not None and prompt.bot_id == bot.pk:
        bot.active_prompt = prompt  # for this answer only; never saved
    question = clean_question(bot, text)
    if not conversation._state.adding and not conversation.is_bot_active:
        return _waiting(conversation, question)
    if history is None:
        history = selectors.turn_list_for_conversation(conversation) if conversation.message_count else []
    model = chat_model_for(bot)
    asked = _person_asked(conversation, question, ask_for_person)
    # Answers that depend on earlier turns are neither looked up nor cached.
    cache_key = None if history or asked else response_cache_key(bot, model.model_name, question)
    stored, cache = question_store(bot, conversation, question, cache_key)
    if not stored:
        if not handover.can_hand_over(conversation):
            raise ChatError("quota", message_for("quota", bot.language))
        handover.question_store_unmetered(conversation, question)
        asked = "quota"
    return _answer(bot, conversation, question, history, model, cache, asked)


def _person_asked(conversation: Conversation, question: str, button: bool) -> str:
    """The handover's code when the customer asks for a person, else ""."""
    if not handover.can_hand_over(conversation):
        return ""
    return "button" if button else "asked" if handover.asks_for_person(question) else ""


def _waiting(conversation: Conversation, question: str) -> Iterator[ReplyEvent]:
    """A person has the conversation: the message is stored now, and the bot says nothing."""
    message = handover.waiting_message_store(conversation, question)

    def events() -> Iterator[ReplyEvent]:  # a generator, as every reply is (channels close it)
        yield ReplyEvent("waiting", message=message)

    return events()


def _answer(bot: Bot, conversation: Conversation, question: str, history, model: ChatModel,
            cache: CacheLookup, asked: str = "") -> Iterator[ReplyEvent]:
    started = time.perf_counter()
    outcome = Outcome(handover=asked)
    parts: list[str] = []
    try:
        for piece in _compose(bot, conversation, question, history, outcome, model, cache):
            parts.append(piece)
            yield ReplyEvent("delta", text=piece)
        if _hands_over_after(bot, conversation, outcome):
            outcome.handover = "unanswered"
            parts.append("\n\n" + handover.handover_text(bot))
            yield ReplyEvent("delta", text=parts[-1])
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
        message = answer_store(bot, conversation, question, "".join(parts), outcome)
        if message is not None and outcome.handover:  # even if the visitor left: they asked
            handover.handover_start(conversation, outcome.handover, reason=handover.reason_text(
                outcome.handover, count=conversation.unanswered_streak))
    if message is not None:
        yield ReplyEvent("done", message=message)


def _hands_over_after(bot: Bot, conversation: Conversation, outcome: Outcome) -> bool:
    """This answer is the N-th in a row that did not answer (a failure is no judgement)."""
    return (not outcome.handover and not outcome.answered and outcome.origin != "error"
            and handover.can_hand_over(conversation) and handover.unanswered_limit_reached(bot, conversation))


def _compose(bot: Bot, conversation: Conversation, question: str, history, outcome: Outcome, model: ChatModel,
             cache: CacheLookup) -> Iterator[str]:
    """The answer's pieces, from the first source that has one; fills `outcome` on the way.
    An order being taken in the chat goes first (its "sí" is no question for curated answers
    or the cache); then curated answers, a greeting or thanks (chat.small_talk), the shop, the
    cache and the knowledge base."""
    if outcome.handover:  # the customer asked for a person, or the quota is used up
        yield from _from_handover(bot, outcome)
        return
    in_shop_flow = shop_flow_active(bot, conversation)
    shop = shop_reply(bot, conversation, question, history, model) if in_shop_flow else None
    curated = curated_answer_match(bot, question) if shop is None else None
    small_talk = small_talk_kind(question) if shop is None and curated is None else None
    if shop is None and curated is None and small_talk is None and not in_shop_flow:
        shop = shop_reply(bot, conversation, question, history, model)
    if shop is not None:
        yield from _from_shop(bot, conversation, shop, outcome)
    elif curated is not None:
        yield from _from_curated(curated, outcome)
    elif small_talk is not None:
        yield from _from_small_talk(bot, small_talk, outcome)
    elif cache.entry is not None:
        yield from _from_cache(cache, model, outcome)
    else:
        yield from _from_knowledge(bot, question, history, model, cache, outcome)


def _from_curated(curated, outcome: Outcome) -> Iterator[str]:
    outcome.origin, outcome.model = "curated", "curated"
    curated_answer_served(curated)
    yield curated.answer


def _from_small_talk(bot: Bot, kind: str, outcome: Outcome) -> Iterator[str]:
    outcome.origin, outcome.model = "small_talk", "kaiu-small-talk"
    yield small_talk_reply(kind, bot.language, bot.welcome_message)


def _from_handover(bot: Bot, outcome: Outcome) -> Iterator[str]:
    outcome.origin, outcome.model = "handover", "kaiu-handover"
    yield handover.handover_text(bot)


_CLOSING_QUESTION = re.compile(r"\s*¿?[^.!?¿]*\?\s*$")


def _from_shop(bot: Bot, conversation: Conversation, answer: ShopAnswer, outcome: Outcome) -> Iterator[str]:
    """Live prices and orders: never cached (the price may change before the next question).
    What the shop cannot do (sold out, no such order) goes to a person."""
    outcome.origin, outcome.model, outcome.answered = "shop", "kaiu-shop", answer.answered
    outcome.cards, outcome.reason = answer.cards, answer.reason
    if not (answer.handover and handover.can_hand_over(conversation)):
        yield answer.text
        return
    # A person takes it from here: the shop's own next question ("¿Quieres otro producto?")
    # would contradict that.
    outcome.handover = answer.handover
    yield (_CLOSING_QUESTION.sub("", answer.text) or answer.text) + "\n\n" + handover.handover_text(bot)


def _from_cache(cache: CacheLookup, model: ChatModel, outcome: Outcome) -> Iterator[str]:
    cached = cache.entry
    outcome.origin, outcome.model, outcome.cache_entry_id = "cache", model.model_name, cached.pk
    outcome.sources, outcome.top_score = cached.sources, cached.top_score
    yield cached.answer


def _from_knowledge(bot: Bot, question: str, history, model: ChatModel, cache: CacheLookup,
                    outcome: Outcome) -> Iterator[str]:
    """Retrieval of the question made standalone, the judgement whether the passages answer it,
    then the model over the passages that bear on it."""
    searched = standalone_question(question, history, model)
    if searched != question:
        outcome.searched_as = searched
    try:
        retrieval = retrieve(bot, searched, record=False)  # counted in answer_store, in its statement
    except EmbeddingError as error:  # vector mode and the provider is down
        outcome.origin, outcome.answered, outcome.error = "error", False, str(error)[:300]
        yield message_for("error", bot.language)
        return
    # Hybrid search answered from keywords alone (the embedding provider failed): the answer
    # stands, the provider's error is logged for the tenant, and the answer is not cached.
    outcome.error = retrieval.warning[:300]
    outcome.timings["embed"] = round(retrieval.embed_ms, 2)
    outcome.timings["retrieve"] = round(retrieval.search_ms, 2)
    has_products = live_product_passages(bot, retrieval)  # prices and stock as they are now
    outcome.retrieved_documents = {hit.document_id for hit in retrieval.hits}
    judgement = retrieval.judge(certainty_for(bot))
    outcome.top_score = judgement.confidence
    if not judgement.answerable:  # said, logged unanswered with the reason, nothing cited
        outcome.origin, outcome.answered, outcome.reason = "unknown", False, judgement.reason
        yield message_for("unknown", bot.language)
        return
    # The passages that bear on the question: a weak one beside a strong one only adds noise.
    hits = [hit for hit in retrieval.hits if (hit.relevance or 0) >= PASSAGE_SHARE_OF_BEST * judgement.confidence]
    outcome.sources = [_source(n, hit) for n, hit in enumerate(hits, start=1)]
    # A chat model reads the conversation itself; the extractive one picks sentences for the
    # standalone question.
    asked = question if model.reads_history else searched
    renumbering = Renumbering()
    try:
        yield from renumbering(unless_not_in_passages(_from_model(bot, asked, history, hits, model, outcome,
                                                                  carried=carried_words(question, asked))))
    except NotInPassages:
        outcome.origin, outcome.answered, outcome.reason = "unknown", False, "the model found no answer in the passages"
        outcome.sources = []
        yield message_for("unknown", bot.language)
        return
    outcome.sources = renumbering.sources(outcome.sources)
    if outcome.origin == "model" and not has_products:
        outcome.cache_key = cache.key


def _from_model(bot: Bot, question: str, history, hits, model: ChatModel, outcome: Outcome,
                carried: tuple[str, ...] = ()) -> Iterator[str]:
    request = ChatRequest(
        system_prompt=bot.active_prompt.content if bot.active_prompt else "", question=question,
        passages=[Passage(number=n, text=hit.text, document_name=hit.document_name, page=hit.page)
                  for n, hit in enumerate(hits, start=1)],
        history=history, language=bot.language, temperature=bot.temperature, model=bot.chat_model, carried=carried)
    outcome.model = model.model_name
    if model.fallback_reason:  # the provider is paused: the built-in model answers at once
        outcome.origin, outcome.error = "fallback", f"Answered by the built-in model. {model.fallback_reason}"[:300]
    started = time.perf_counter()
    try:
        yield from model.stream(request)
    except ChatModelError as error:
        outcome.origin, outcome.answered, outcome.error = "error", False, str(error)[:300]
        yield message_for("error", bot.language)
    finally:
        outcome.timings["llm"] = round((time.perf_counter() - started) * 1000, 2)
        outcome.model = model.model_name
        outcome.tokens_in, outcome.tokens_out = model.usage.tokens_in, model.usage.tokens_out


def _source(n: int, hit) -> dict:
    return {"n": n, "document": hit.document_id, "document_name": hit.document_name, "chunk": hit.chunk_id,
            "page": hit.page, "score": None if hit.relevance is None else round(hit.relevance, 4),
            "text": hit.text[:1200]}
