"""Retrieval: the passages of one bot closest to a question, by vector, keyword or both.

Every statement filters by bot in SQL, so nothing a document says can widen what is
searched. Vector search uses the HNSW index with iterative scans, so the bot filter keeps
recall; keyword search uses the generated tsvector (accents folded, Spanish or English
stemming); hybrid fuses both rankings with reciprocal rank fusion in one statement.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from django.db import connection

from kaiu.ai.embeddings import BuiltinEmbedder, EmbeddingError, embedder_for

MODES = ("hybrid", "vector", "keyword")
RRF_K = 60  # the usual constant: damps the difference between rank 1 and rank 2
KEYWORD_SCORED_ROWS = 1000  # partial keyword matches scored per question (see _KEYWORD_CTES)
SMALL_BOT_CHUNKS = 5000  # below this, keyword matching reads the bot's rows instead of the GIN


@dataclass
class Hit:
    chunk_id: int
    document_id: str
    document_name: str
    text: str
    metadata: dict
    rank: int
    score: float | None  # cosine similarity (vector, hybrid) or share of the question's terms found (keyword)
    rrf: float | None = None

    @property
    def page(self):
        return self.metadata.get("page")


@dataclass
class Retrieval:
    mode: str
    hits: list[Hit] = field(default_factory=list)
    embed_ms: float = 0.0
    search_ms: float = 0.0
    warning: str = ""  # set when the search had to do with less (the provider was unreachable)

    @property
    def top_score(self) -> float | None:
        return self.hits[0].score if self.hits else None


# Quotes, a leading minus or the word "or" mean the person wrote a search expression: honour
# it. Anything else is a question, whose words should each count (OR), not all be required.
_EXPLICIT = re.compile(r'"|(^|\s)-\w|\bor\b', re.IGNORECASE)


_ALL_WORDS = "websearch_to_tsquery(kaiu_ts_config(%(language)s), kaiu_search_text(%(language)s, %(query)s))"


def _any_words_sql(query: str) -> str:
    if _EXPLICIT.search(query):
        return _ALL_WORDS
    return f"replace({_ALL_WORDS}::text, ' & ', ' | ')::tsquery"


# The built-in embedder's vectors have little contrast between passages (the best and the
# 10th-best of a 20,000-chunk bot differ by a few hundredths), which HNSW cannot navigate
# (recall@10 0.41 measured): for them the order expression is changed so that the planner
# scans the bot's rows exactly through the btree on bot instead.
_VECTOR_CANDIDATES = """
    SELECT id, embedding <=> %(vector)s::vector AS distance
    FROM documents_chunk
    WHERE bot_id = %(bot)s AND is_enabled AND embedding_model = %(model)s
    ORDER BY {order}
    LIMIT %(candidates)s
"""
_HNSW_ORDER = "embedding <=> %(vector)s::vector"
_EXACT_ORDER = "(embedding <=> %(vector)s::vector) + 0"

# Keyword candidates: passages holding every word of the question (the best keyword
# evidence, ranked by ts_rank_cd), then passages holding some of the words, ranked by
# coverage, the share of the question's terms they hold. Matching rows are found first as
# bare ids and only a bounded sample is scored: one common word can match most of a large
# bot, and reading every such row to score it costs far more than it tells (hybrid p95
# 0.57 s on a 20,000-chunk bot unbounded). The GIN index is shared by all bots, so a common
# word walks every bot's postings (40 ms for 175,000 rows measured); a small bot is cheaper
# to check row by row through the btree on bot. Each statement holds both plans and a
# one-time filter on the bot's size runs just one of them.
def _matching_ids(name: str, tsquery: str, *, only_if: str = "true") -> str:
    """A CTE of the ids of the bot's rows matching `tsquery`, through the GIN index for a
    large bot or row by row for a small one (IS TRUE hides the @@ from the index). `only_if`
    is a one-time condition: when false, the scan does not run at all."""
    rows = "c.bot_id = %(bot)s AND c.is_enabled"
    match = f"c.search_vector @@ q.{tsquery}"
    return f"""
    {name} AS MATERIALIZED (
        SELECT c.id FROM documents_chunk c, q
        WHERE {rows} AND {match} AND NOT (SELECT yes FROM small) AND {only_if}
        UNION ALL
        SELECT c.id FROM documents_chunk c, q
        WHERE {rows} AND ({match}) IS TRUE AND (SELECT yes FROM small) AND {only_if}),"""


# When enough passages hold every word of the question, passages holding only some of them
# add nothing to the candidates, and finding them is the expensive half (a common word walks
# the postings of every bot): skip it.
_FEW_FULL_MATCHES = "(SELECT count(*) FROM (SELECT 1 FROM all_ids LIMIT %(candidates)s) enough) < %(candidates)s"


# A constant bound, so the planner knows the sample is small and fetches its rows by id.
_SAMPLE = "LIMIT %(scored)s"

_KEYWORD_CTES = f"""
    small AS (SELECT count(*) < %(small_bot)s AS yes FROM (
        SELECT 1 FROM documents_chunk WHERE bot_id = %(bot)s LIMIT %(small_bot)s) sized),
    {_matching_ids("all_ids", "all_words")}
    {_matching_ids("any_ids", "any_words", only_if=_FEW_FULL_MATCHES)}
    kw AS (
        SELECT DISTINCT ON (id) id, keyword_rank, coverage FROM (
            (SELECT c.id, ts_rank_cd(c.search_vector, q.all_words) AS keyword_rank, 1.0::float AS coverage
             FROM (SELECT id FROM all_ids {_SAMPLE}) s JOIN documents_chunk c ON c.id = s.id, q
             ORDER BY keyword_rank DESC, c.id LIMIT %(candidates)s)
            UNION ALL
            (SELECT c.id, 0.0::float4 AS keyword_rank,
                    (length(c.search_vector) - length(ts_delete(c.search_vector, q.lexemes)))::float
                    / greatest(cardinality(q.lexemes), 1) AS coverage
             FROM (SELECT id FROM any_ids {_SAMPLE}) s JOIN documents_chunk c ON c.id = s.id, q
             ORDER BY coverage DESC, c.id LIMIT %(candidates)s)
        ) matches
        ORDER BY id, coverage DESC, keyword_rank DESC)
"""

_HIT_COLUMNS = """
    c.id, c.document_id, d.name, c.text, c.metadata,
    CASE WHEN %(model)s <> '' AND c.embedding_model = %(model)s
         THEN 1 - (c.embedding <=> %(vector)s::vector) END AS similarity
"""


def _statement(mode: str, query: str, *, exact: bool = False) -> str:
    q = (f"q AS (SELECT {_ALL_WORDS} AS all_words, {_any_words_sql(query)} AS any_words, "
         "tsvector_to_array(kaiu_search_vector(%(language)s, %(query)s)) AS lexemes)")
    vector_candidates = _VECTOR_CANDIDATES.format(order=_EXACT_ORDER if exact else _HNSW_ORDER)
    if mode == "vector":
        return f"""
            WITH v AS ({vector_candidates})
            SELECT {_HIT_COLUMNS}, NULL AS fused
            FROM v JOIN documents_chunk c ON c.id = v.id JOIN documents_document d ON d.id = c.document_id
            ORDER BY v.distance LIMIT %(k)s"""
    if mode == "keyword":
        return f"""
            WITH {q}, {_KEYWORD_CTES}
            SELECT c.id, c.document_id, d.name, c.text, c.metadata, kw.coverage AS similarity, NULL AS fused
            FROM kw JOIN documents_chunk c ON c.id = kw.id JOIN documents_document d ON d.id = c.document_id
            ORDER BY kw.coverage DESC, kw.keyword_rank DESC, c.id LIMIT %(k)s"""
    return f"""
        WITH {q},
        v AS (SELECT id, row_number() OVER (ORDER BY distance) AS r, 1.0 AS weight FROM ({vector_candidates}) vc),
        {_KEYWORD_CTES},
        kr AS (SELECT id, row_number() OVER (ORDER BY coverage DESC, keyword_rank DESC, id) AS r,
                      coverage AS weight
               FROM kw),
        fused AS (
            -- Reciprocal rank fusion; a keyword hit counts in proportion to its coverage, since
            -- matching one word of a five-word question is weak evidence.
            SELECT id, sum(weight / ({RRF_K} + r)) AS fused
            FROM (SELECT id, r, weight FROM v UNION ALL SELECT id, r, weight FROM kr) both_rankings
            GROUP BY id ORDER BY fused DESC, id LIMIT %(k)s
        )
        SELECT {_HIT_COLUMNS}, f.fused
        FROM fused f JOIN documents_chunk c ON c.id = f.id JOIN documents_document d ON d.id = c.document_id
        ORDER BY f.fused DESC, c.id"""


def retrieve(bot, query: str, *, k: int | None = None, mode: str | None = None, record: bool = True) -> Retrieval:
    """The bot's top `k` passages for `query`. `record` counts the hits per document (the
    dashboard's "test retrieval" passes False so trying things out skews no statistics)."""
    rag = bot.rag_config or {}
    mode = mode or rag.get("search_mode", "hybrid")
    if mode not in MODES:
        raise ValueError(f"Unknown search mode {mode!r}")
    k = max(1, min(int(k or rag.get("top_k", 5)), 50))
    query = query.strip()[:2000]
    result = Retrieval(mode=mode)
    if not query:
        return result

    params = {"bot": bot.pk, "query": query, "language": bot.language, "k": k,
              "candidates": max(40, 4 * k), "scored": KEYWORD_SCORED_ROWS, "small_bot": SMALL_BOT_CHUNKS, "model": "", "vector": None}
    started = time.perf_counter()
    if mode != "keyword":
        embedder = embedder_for(bot)
        try:
            [vector] = embedder.embed([query])
        except EmbeddingError as error:
            if mode == "vector":
                raise
            # Hybrid keeps answering from keywords while the embedding provider is down.
            mode = result.mode = "keyword"
            result.warning = f"Keyword search only: {error}"
        else:
            params["model"] = embedder.model_name
            params["vector"] = "[" + ",".join(f"{v:.7g}" for v in vector) + "]"
    result.embed_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    # hnsw.iterative_scan and hnsw.ef_search are set on every connection (settings.py), which
    # spares each search a transaction and two SETs: round trips are most of its time.
    exact = params["model"] == BuiltinEmbedder.model_name
    with connection.cursor() as cursor:
        cursor.execute(_statement(mode, query, exact=exact), params)
        rows = cursor.fetchall()
    result.search_ms = (time.perf_counter() - started) * 1000

    result.hits = [
        Hit(chunk_id=row[0], document_id=str(row[1]), document_name=row[2], text=row[3],
            metadata=json.loads(row[4]) if isinstance(row[4], str) else (row[4] or {}),
            rank=rank, score=None if row[5] is None else float(row[5]),
            rrf=None if row[6] is None else float(row[6]))
        for rank, row in enumerate(rows, start=1)
    ]
    if record and result.hits:
        _record_retrievals({hit.document_id for hit in result.hits})
    return result


def _record_retrievals(document_ids: set[str]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE documents_document SET retrieval_count = retrieval_count + 1, last_retrieved_at = now() "
            "WHERE id = ANY(%s::uuid[])", [sorted(document_ids)])
