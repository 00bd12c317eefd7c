"""Curated answers: the tenant's own answer to a question, served as is to questions that
match it closely. Compared with the built-in embedder, so matching works with or without an
AI provider and never spends the tenant's tokens."""

from __future__ import annotations

import re

from django.db import connection
from django.db.models import F

from bots.models import Bot
from chat.models import CuratedAnswer, Message
from chat.texts import ChatError
from documents.profile import bot_profile
from documents.relevance import Term, calibrated, coverage, question_terms
from kaiu.ai.embeddings import BuiltinEmbedder
from kaiu.local_cache import LocalCache

# How close a new question must come to a curated one (paraphrase score, 0-1), per the bot's
# "curated_certainty"; measured on the paraphrases in tests/chat/test_curated.py.
CURATED_CERTAINTY = {"strict": 0.92, "balanced": 0.7, "lenient": 0.55}
CANDIDATES = 20  # the closest curated questions by meaning, then judged one by one

# Whether a bot has any enabled curated answer, per process (kaiu.local_cache).
_bots_with_curated_answers: LocalCache[bool] = LocalCache("bots with curated answers")


def curated_answer_create(*, bot: Bot, question: str, answer: str, user=None,
                          source_message: Message | None = None) -> CuratedAnswer:
    question, answer = _cleaned(question, answer)
    [vector] = BuiltinEmbedder().embed([question])
    return CuratedAnswer.objects.create(tenant_id=bot.tenant_id, bot=bot, question=question, answer=answer,
                                        question_vector=vector, created_by=user, source_message=source_message)


def curated_answer_update(*, answer: CuratedAnswer, question: str, text: str, is_enabled: bool) -> CuratedAnswer:
    answer.question, answer.answer = _cleaned(question, text)
    [answer.question_vector] = BuiltinEmbedder().embed([answer.question])
    answer.is_enabled = is_enabled
    answer.save()  # clears the per-process caches (chat.apps)
    return answer


def _cleaned(question: str, answer: str) -> tuple[str, str]:
    question, answer = question.strip(), answer.strip()
    if not question or not answer:
        raise ChatError("invalid", "Both the question and the answer are needed.")
    return question[:500], answer


def curated_answer_delete(*, answer: CuratedAnswer) -> None:
    answer.delete()


def curated_answer_match(bot: Bot, question: str) -> CuratedAnswer | None:
    """The enabled curated answer whose question the new one rewords, if any: judged with the
    signals of documents.relevance (informative words weighted in this bot, meaning), and the
    same names, codes and numbers on both sides."""
    has_curated_answers = _bots_with_curated_answers.get_or_load(
        bot.pk, lambda: CuratedAnswer.objects.filter(bot=bot, is_enabled=True).exists())
    if not has_curated_answers:  # most bots: no query, no embedding
        return None
    [vector] = BuiltinEmbedder().embed([question])
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.id, c.question, 1 - (c.question_vector <=> %s::vector),
                      tsvector_to_array(kaiu_search_vector(%s, c.question)),
                      tsvector_to_array(kaiu_search_vector(%s, %s))
               FROM chat_curatedanswer c WHERE c.bot_id = %s AND c.is_enabled
               ORDER BY c.question_vector <=> %s::vector LIMIT %s""",
            [str(vector), bot.language, bot.language, question, bot.pk, str(vector), CANDIDATES])
        rows = cursor.fetchall()
    if not rows:
        return None
    profile = bot_profile(bot)
    asked = question_terms(question, rows[0][4] or (), profile)
    threshold = CURATED_CERTAINTY.get((bot.rag_config or {}).get("curated_certainty"), CURATED_CERTAINTY["balanced"])
    numbers = _numbers(question)
    for pk, curated_question, similarity, lexemes, _ in rows:
        curated_terms = question_terms(curated_question, lexemes or (), profile)
        if _numbers(curated_question) != numbers or not _same_names(asked, curated_terms):
            continue  # an answer for order 1042, or for Sencha Kirishima, is not one for 1043 or Sencha Uji
        if paraphrase_score(asked, curated_terms, similarity) >= threshold:
            answer = CuratedAnswer.objects.filter(pk=pk).first()  # None if deleted a moment ago
            if answer is not None:
                return answer
    return None


def paraphrase_score(asked: list[Term], curated: list[Term], similarity: float) -> float:
    """0-1: both questions' informative words found in the other, and their closeness in meaning
    (the built-in embedder's, which every curated question is stored with)."""
    words = 0.5 * (coverage(asked, {t.lexeme for t in curated}) + coverage(curated, {t.lexeme for t in asked}))
    return 0.5 * words + 0.5 * (calibrated(similarity, BuiltinEmbedder.model_name) or 0.0)


def _same_names(asked: list[Term], curated: list[Term]) -> bool:
    """Every name either question writes as one (capitalised, a code) is in the other."""
    asked_lexemes, curated_lexemes = {t.lexeme for t in asked}, {t.lexeme for t in curated}
    return (all(t.lexeme in curated_lexemes for t in asked if t.entity)
            and all(t.lexeme in asked_lexemes for t in curated if t.entity))


def curated_answer_served(answer: CuratedAnswer) -> None:
    CuratedAnswer.objects.filter(pk=answer.pk).update(times_served=F("times_served") + 1)


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _numbers(text: str) -> frozenset[str]:
    return frozenset(_NUMBER.findall(text))
