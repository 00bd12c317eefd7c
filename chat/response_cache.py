"""The response cache: an answer served again for the same first question (case, accents and
punctuation aside) while the bot's knowledge, prompt, model and settings are unchanged.

The key has two halves. `response_cache_key` hashes everything but knowledge that shapes
an answer; the knowledge version is read in the statement that stores the question
(chat.services.question_store), before retrieval, and a new answer is cached under that
version: knowledge that changes while the answer is written makes the entry unreachable,
never an answer from the old knowledge cached under the new version.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from psycopg.types.json import Jsonb

from bots.models import Bot
from chat.models import ResponseCache
from kaiu.ai.embeddings import fold


@dataclass
class CacheLookup:
    key: tuple[int, str, str] | None = None  # (knowledge version, prompt, question); None: not cacheable
    entry: ResponseCache | None = None  # the answer found under it


def normalize_question(text: str) -> str:
    return " ".join(re.findall(r"[0-9a-zñ]+", fold(text)))


def response_cache_key(bot: Bot, model_name: str, question: str) -> tuple[str, str]:
    """(prompt_key, question_hash): everything besides knowledge that shapes the answer."""
    rag = json.dumps(bot.rag_config or {}, sort_keys=True)
    prompt = bot.active_prompt.content if bot.active_prompt else ""  # its text: a draft can still change
    provider = getattr(getattr(bot.tenant, "settings", None), "base_url", "")
    shape = "\0".join([prompt, model_name, provider, bot.chat_model, str(bot.temperature), bot.language, rag])
    prompt_key = hashlib.sha256(shape.encode()).hexdigest()[:40]
    return prompt_key, hashlib.sha256(normalize_question(question).encode()).hexdigest()


# The lookup, joined to the bot's knowledge version in question_store's statement. Raw SQL:
# the ORM took 0.7 ms to compile it, three times the query.
LOOKUP_JOIN = """LEFT JOIN chat_responsecache c
    ON c.bot_id = %s AND c.knowledge_version = knowledge.version AND c.prompt_key = %s
   AND c.question_hash = %s AND c.expires_at > %s"""
LOOKUP_COLUMNS = "c.id, c.answer, c.sources, c.top_score"


def lookup_params(bot: Bot, key: tuple[str, str] | None) -> list:
    prompt_key, question_hash = key or (None, None)
    return [bot.pk, prompt_key, question_hash, timezone.now()]


def lookup_result(knowledge_version: int, key: tuple[str, str] | None, row) -> CacheLookup:
    """What LOOKUP_COLUMNS found, as a CacheLookup (`key` None: the answer is not cacheable)."""
    if key is None:
        return CacheLookup()
    entry_id, answer, sources, top_score = row
    entry = None
    if entry_id is not None:
        sources = json.loads(sources) if isinstance(sources, str) else sources
        entry = ResponseCache(pk=entry_id, answer=answer, sources=sources, top_score=top_score)
    return CacheLookup(key=(knowledge_version, *key), entry=entry)


def response_cache_put_statement(bot: Bot, key, question: str, answer: str, sources: list,
                                 top_score: float | None) -> tuple[str, list]:
    """The upsert that keeps an answer under `key` = (knowledge version, prompt key, question
    hash), to run in the statement that stores the answer."""
    knowledge_version, prompt_key, question_hash = key
    now = timezone.now()
    return (
        """INSERT INTO chat_responsecache (bot_id, knowledge_version, prompt_key, question_hash, question, answer,
                                           sources, top_score, hits, created_at, expires_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s)
           ON CONFLICT (bot_id, knowledge_version, prompt_key, question_hash) DO UPDATE
           SET question = excluded.question, answer = excluded.answer, sources = excluded.sources,
               top_score = excluded.top_score, expires_at = excluded.expires_at""",
        [bot.pk, knowledge_version, prompt_key, question_hash, question[:2000], answer, Jsonb(sources),
         top_score, now, now + timedelta(seconds=settings.RESPONSE_CACHE_TTL_SECONDS)])


def response_cache_hit_statement(entry_id: int) -> tuple[str, list]:
    return "UPDATE chat_responsecache SET hits = hits + 1 WHERE id = %s", [entry_id]


def response_cache_prune() -> int:
    deleted, _ = ResponseCache.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
