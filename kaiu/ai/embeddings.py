"""Embedders: the built-in offline one and any OpenAI-compatible server.

`embedder_for(bot)` picks the tenant's own provider (BYOK), else the platform key, else the
built-in embedder, so everything runs offline when no key is configured.
"""

from __future__ import annotations

import math
import re
import time
import unicodedata
import uuid
import zlib
from dataclasses import dataclass
from typing import Protocol

import openai
from django.conf import settings

from kaiu.ai.breaker import breaker_failure, breaker_paused, breaker_success
from kaiu.ai.openai_client import ProviderConfig, client_for, describe_provider_error, provider_config_for_tenant


class EmbeddingError(Exception):
    """The provider could not embed; the message is meant for the tenant."""


class Embedder(Protocol):
    model_name: str
    dimensions: int

    def embed(self, texts: list[str]) -> list[list[float]]: ...


# --- Built-in: feature hashing ------------------------------------------------------------

_WORD = re.compile(r"[0-9a-zñ]+(?:[-_.][0-9a-zñ]+)*")


def _fold_slow(text: str) -> str:
    text = text.replace("ñ", "\0")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return text.replace("\0", "ñ")


# Latin letters with accents, precomposed, map straight to their base letters: the same result
# as decomposing and dropping the marks, at a fraction of the cost (every question and every
# passage the built-in models read goes through here).
_FOLD_TABLE = {code: _fold_slow(chr(code)) for code in range(0xC0, 0x250) if _fold_slow(chr(code)) != chr(code)}
_NEEDS_SLOW_PATH = re.compile(r"[^\x00-\u024f]")


def fold(text: str) -> str:
    """Lower-case and strip accents (but keep ñ, which changes meaning in Spanish)."""
    text = text.lower()
    if _NEEDS_SLOW_PATH.search(text):  # other scripts, or marks written as separate characters
        return _fold_slow(text)
    return text.translate(_FOLD_TABLE)


def _features(text: str) -> dict[str, int]:
    words = _WORD.findall(fold(text))
    counts: dict[str, int] = {}

    def add(feature):
        counts[feature] = counts.get(feature, 0) + 1

    for i, word in enumerate(words):
        add("w:" + word)
        if i:
            add("b:" + words[i - 1] + " " + word)
        padded = f"<{word}>"
        for n in (3, 4, 5):
            for start in range(len(padded) - n + 1):
                add("c:" + padded[start:start + n])
    return counts


# Character n-grams are many and individually weak; words carry most of the meaning.
_WEIGHTS = {"w": 1.0, "b": 0.7, "c": 0.35}


class BuiltinEmbedder:
    """Deterministic feature hashing of words, word pairs and character 3-5-grams.

    Signed hashes (so collisions cancel rather than pile up), sublinear term frequency,
    accents folded, L2-normalised. No network and no model: the same text gives the same
    vector on every machine, and texts sharing words or word pieces land near each other.
    """

    model_name = "kaiu-hashing-v1"

    def __init__(self, dimensions: int | None = None):
        self.dimensions = dimensions or settings.EMBEDDING_DIMENSIONS

    def embed_one(self, text: str) -> list[float]:
        vector = [0.0] * self.dimensions
        for feature, count in _features(text).items():
            digest = zlib.crc32(feature.encode())
            sign = 1.0 if digest & 0x80000000 else -1.0
            vector[digest % self.dimensions] += sign * _WEIGHTS[feature[0]] * (1.0 + math.log(count))
        norm = math.hypot(*vector)
        if norm == 0:
            vector[0] = 1.0  # an empty text still gets a valid unit vector
            return vector
        return [v / norm for v in vector]

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [self.embed_one(text) for text in texts]


# --- OpenAI-compatible --------------------------------------------------------------------


@dataclass
class OpenAIEmbedder:
    config: ProviderConfig
    dimensions: int
    max_batch_items: int = 256
    max_batch_chars: int = 200_000  # well under OpenAI's 300k-token request cap
    max_attempts: int = 5
    live: bool = False  # a visitor waits: one retry, no back-off, and the breaker (kaiu.ai.breaker)

    @property
    def model_name(self) -> str:
        return self.config.embedding_model

    @property
    def cache_scope(self) -> tuple[uuid.UUID | None, str]:
        """Whose cached vectors this embedder may reuse: (the tenant, or None for the
        platform's provider; the server). A tenant's server names its models as it likes,
        so its vectors must never be taken for the platform's or another tenant's."""
        return self.config.tenant_id, self.config.server

    def _batches(self, texts: list[str]):
        batch, size = [], 0
        for text in texts:
            if batch and (len(batch) >= self.max_batch_items or size + len(text) > self.max_batch_chars):
                yield batch
                batch, size = [], 0
            batch.append(text)
            size += len(text)
        if batch:
            yield batch

    def embed(self, texts: list[str]) -> list[list[float]]:
        if not self.live:
            return self._embed_all(texts)
        paused = breaker_paused(self.config, "embeddings")
        if paused:
            raise EmbeddingError(paused)
        try:
            vectors = self._embed_all(texts)
        except EmbeddingError as error:
            breaker_failure(self.config, "embeddings", str(error))
            raise
        breaker_success(self.config, "embeddings")
        return vectors

    def _embed_all(self, texts: list[str]) -> list[list[float]]:
        client = client_for(self.config, max_retries=0)  # we retry ourselves, with backoff
        vectors: list[list[float]] = []
        for batch in self._batches(texts):
            vectors.extend(self._embed_batch(client, batch))
        return vectors

    def _embed_batch(self, client, batch: list[str]) -> list[list[float]]:
        kwargs = {"model": self.model_name, "input": batch}
        if self.model_name.startswith("text-embedding-3") or self.config.base_url:
            kwargs["dimensions"] = self.dimensions
        attempts = 2 if self.live else self.max_attempts
        for attempt in range(attempts):
            try:
                response = client.embeddings.create(**kwargs)
                break
            except (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError,
                    openai.APIConnectionError) as exc:
                if attempt == attempts - 1:
                    raise EmbeddingError(describe_provider_error(exc)) from exc
                time.sleep(0 if self.live else min(30.0, 0.5 * 2**attempt))
            except openai.OpenAIError as exc:
                raise EmbeddingError(describe_provider_error(exc)) from exc
        data = sorted(response.data, key=lambda item: item.index)
        if len(data) != len(batch):
            raise EmbeddingError(f"The provider returned {len(data)} embeddings for {len(batch)} texts.")
        for item in data:
            if len(item.embedding) != self.dimensions:
                raise EmbeddingError(
                    f"The embedding model returned vectors of {len(item.embedding)} dimensions; KAIU stores "
                    f"{self.dimensions}. Choose a model that supports {self.dimensions} dimensions."
                )
        return [list(item.embedding) for item in data]


def embedder_for(bot, *, live: bool = False) -> Embedder:
    """The embedder serving `bot`: its tenant's provider, the platform's, or the built-in one.
    `live`: for a question a visitor waits on (fail fast; see OpenAIEmbedder.live)."""
    tenant_settings = getattr(bot.tenant, "settings", None)
    config = provider_config_for_tenant(tenant_settings)
    if config is None:
        return BuiltinEmbedder()
    return OpenAIEmbedder(config=config, dimensions=settings.EMBEDDING_DIMENSIONS, live=live)
