"""Curated answers: the tenant's own answer to a question, served as is to questions that
match it closely. Compared with the built-in embedder, so matching works with or without an
AI provider and never spends the tenant's tokens."""

from __future__ import annotations

import re

from django.db.models import F
from pgvector.django import CosineDistance

from bots.models import Bot
from chat.models import CuratedAnswer, Message
from chat.texts import ChatError
from kaiu.ai.embeddings import BuiltinEmbedder
from kaiu.local_cache import LocalCache

CURATED_MIN_SIMILARITY = 0.8  # built-in embeddings: rewordings of one question score above this

# Whether a bot has any enabled curated answer, per process (kaiu.local_cache).
_bots_with_curated_answers: LocalCache[bool] = LocalCache("bots with curated answers")


def curated_answer_create(*, bot: Bot, question: str, answer: str, user=None,
                          source_message: Message | None = None) -> CuratedAnswer:
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise ChatError("invalid", "Both the question and the answer are needed.")
    [vector] = BuiltinEmbedder().embed([question])
    return CuratedAnswer.objects.create(tenant_id=bot.tenant_id, bot=bot, question=question[:500], answer=answer,
                                        question_vector=vector, created_by=user, source_message=source_message)


def curated_answer_delete(*, answer: CuratedAnswer) -> None:
    answer.delete()


def curated_answer_match(bot: Bot, question: str) -> CuratedAnswer | None:
    """The enabled curated answer whose question is closest to `question`, if close enough."""
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


def curated_answer_served(answer: CuratedAnswer) -> None:
    CuratedAnswer.objects.filter(pk=answer.pk).update(times_served=F("times_served") + 1)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(text))
