"""Retrieval: the passages of one bot closest to a question, by vector, keyword or both.

Every statement filters by bot in SQL, so nothing a document says can widen what is
searched, and PostgreSQL reads that bot's partition only (migration 0003). Vector search
walks the bot's own HNSW graph; keyword search uses the generated tsvector (accents folded, Spanish or English
stemming); hybrid fuses both rankings with reciprocal rank fusion in one statement.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass, field

from django.db import ProgrammingError, connection
from psycopg.errors import UndefinedTable

from documents.partitions import chunk_partition_exists, chunk_partition_name
from kaiu.ai.embeddings import BuiltinEmbedder, EmbeddingError, embedder_for
from kaiu.local_cache import LocalCache

MODES = ("hybrid", "vector", "keyword")
RRF_K = 60  # the usual constant: damps the difference between rank 1 and rank 2
KEYWORD_SCORED_ROWS = 1000  # passages holding every word of the question, ranked per question
RARE_SCORED_ROWS = 160  # passages holding the most rare words, scored for full coverage (see _KEYWORD_CTES)
COMMON_SCORED_ROWS = 250  # passages holding only common words: weak evidence, a sample is scored


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
    coverage: float | None = None  # share of the question's terms the passage holds, if keyword search found it

    @property
    def page(self):
        return self.metadata.get("page")

    @property
    def relevance(self) -> float | None:
        """The stronger of the two kinds of evidence: how close in meaning, and how many of
        the question's words. Short questions score low in cosine against long passages even
        when every word matches, so thresholds are applied to this."""
        values = [value for value in (self.score, self.coverage) if value is not None]
        return max(values) if values else None


@dataclass
class Retrieval:
    mode: str
    hits: list[Hit] = field(default_factory=list)
    embed_ms: float = 0.0
    search_ms: float = 0.0
    warning: str = ""  # set when the search had to do with less (the provider was unreachable)

    @property
    def top_score(self) -> float | None:
        """The best relevance among the hits (see Hit.relevance)."""
        values = [hit.relevance for hit in self.hits if hit.relevance is not None]
        return max(values) if values else None


# Quotes, a leading minus or the word "or" mean the person wrote a search expression: honour
# it. Anything else is a question, whose words should each count (OR), not all be required.
_EXPLICIT = re.compile(r'"|(^|\s)-\w|\bor\b', re.IGNORECASE)

_ALL_WORDS = "websearch_to_tsquery(kaiu_ts_config(%(language)s), kaiu_search_text(%(language)s, %(query)s))"

# The question's words that are rare in the bot (in at most COMMON_TERM_SHARE of its
# passages): partial matches are looked for among them first, since a common word matches
# thousands of passages, tells little, and finding them all is most of the cost.
_OR = "(SELECT string_agg(quote_literal(l), ' | ')::tsquery FROM unnest({terms}) l WHERE strpos(l, E'\\\\') = 0)"
_RARE = "array(SELECT l FROM unnest(lexemes) l WHERE l <> ALL(%(common)s::text[]) AND strpos(l, E'\\\\') = 0)"


def _query_cte(query: str) -> str:
    if _EXPLICIT.search(query):  # only passages matching the expression: no partial matches
        any_words, rare_lexemes = "all_words", "'{}'::text[]"
    else:
        any_words, rare_lexemes = _OR.format(terms="lexemes"), _RARE
    return f"""q AS (SELECT all_words, {any_words} AS any_words, {rare_lexemes} AS rare_lexemes, lexemes FROM (
        SELECT {_ALL_WORDS} AS all_words,
               tsvector_to_array(kaiu_search_vector(%(language)s, %(query)s)) AS lexemes) words)"""


# Keyword candidates: passages holding every word of the question (the best keyword
# evidence, ranked by ts_rank_cd), then passages holding some of the words, ranked by
# coverage, the share of the question's terms they hold. Each bot has its own partition
# and GIN index (migration 0003), so a word's postings hold this bot's passages only.
#
# Partial matches are counted in the index, a rare word at a time: how many of the
# question's rare words each passage holds needs no passage text. Only the best of them
# (and, when the rare words find fewer than k, a bounded sample of passages holding common
# words) are read to score their full coverage. Scoring every partial match reads a
# passage's whole tsvector and rebuilds it; it was most of the cost of hybrid search
# (3.3 of 5.3 ms on a 20,000-chunk bot), and one common word can match most of a large bot
# (hybrid p95 0.57 s unbounded).
def _matching_ids(name: str, tsquery: str, *, only_if: str = "true", limit: str = "ALL") -> str:
    """A CTE of the ids of the bot's rows matching `tsquery`. `only_if` is a one-time
    condition: when false, the scan does not run at all."""
    return f"""
    {name} AS MATERIALIZED (
        SELECT c.id FROM documents_chunk c, q
        WHERE c.bot_id = %(bot)s AND c.is_enabled AND c.search_vector @@ q.{tsquery} AND {only_if}
        LIMIT {limit}),"""


def _fewer_than_k(cte: str) -> str:
    return f"(SELECT count(*) FROM (SELECT 1 FROM {cte} LIMIT %(k)s) enough) < %(k)s"


# When k passages hold every word of the question, they are the keyword top k (coverage 1
# ranks first), and passages holding only some of the words would only add to the tail of
# the ranking: skip finding them. Likewise, common words are looked up only when the rare
# ones found fewer than k.
_FEW_FULL_MATCHES = _fewer_than_k("all_ids")
_FEW_RARE_MATCHES = _fewer_than_k("rare_ids")

# A constant bound, so the planner knows the sample is small and fetches its rows by id.
_SAMPLE = "LIMIT %(scored)s"

_KEYWORD_CTES = f"""
    {_matching_ids("all_ids", "all_words")}
    rare_ids AS MATERIALIZED (
        SELECT m.id, count(*) AS rare_terms
        FROM q, unnest(q.rare_lexemes) term,
             LATERAL (SELECT c.id FROM documents_chunk c
                      WHERE c.bot_id = %(bot)s AND c.is_enabled AND c.search_vector @@ quote_literal(term)::tsquery) m
        WHERE {_FEW_FULL_MATCHES}
        GROUP BY m.id
        ORDER BY rare_terms DESC, m.id
        LIMIT %(rare_scored)s),
    {_matching_ids("common_ids", "any_words", only_if=f"{_FEW_FULL_MATCHES} AND {_FEW_RARE_MATCHES}",
                   limit="%(common_scored)s")}
    any_ids AS (SELECT id FROM rare_ids UNION ALL SELECT id FROM common_ids),
    kw AS (
        SELECT DISTINCT ON (id) id, keyword_rank, coverage FROM (
            (SELECT c.id, ts_rank_cd(c.search_vector, q.all_words) AS keyword_rank, 1.0::float AS coverage
             FROM (SELECT id FROM all_ids {_SAMPLE}) s JOIN documents_chunk c ON c.id = s.id AND c.bot_id = %(bot)s, q
             ORDER BY keyword_rank DESC, c.id LIMIT %(candidates)s)
            UNION ALL
            (SELECT c.id, 0.0::float4 AS keyword_rank,
                    (length(c.search_vector) - length(ts_delete(c.search_vector, q.lexemes)))::float
                    / greatest(cardinality(q.lexemes), 1) AS coverage
             FROM any_ids s JOIN documents_chunk c ON c.id = s.id AND c.bot_id = %(bot)s, q
             ORDER BY coverage DESC, c.id LIMIT %(candidates)s)
        ) matches
        ORDER BY id, coverage DESC, keyword_rank DESC),"""

# Vector candidates, three ways (see VectorScope).
_VECTOR_FROM = """
    SELECT id, embedding <=> %(vector)s::vector AS distance
    FROM documents_chunk
    WHERE bot_id = %(bot)s AND is_enabled AND embedding_model = %(model)s {extra}
    ORDER BY {order}
    LIMIT {limit}"""
_KEYWORD_POOL = "AND id IN (SELECT id FROM kw)"


class VectorScope:
    INDEX = "index"  # the bot's HNSW graph: embeddings from a real model
    EXACT = "exact"  # every passage of the bot, by true distance
    # Only the keyword half's candidates, by true distance. The built-in embedder hashes
    # words and word pieces, so its best matches share words with the question; HNSW cannot
    # navigate its vectors (recall@10 0.46 on a 20,000-chunk bot, measured in a table of that
    # bot alone) and an exact scan of a large bot reads every row (33 ms). Ranking the keyword
    # candidates also found the question's source passage more often than the wider pool of
    # every keyword match (source@10 0.71 vs 0.57, benchmarks/retrieval.py).
    KEYWORD_POOL = "keyword_pool"


def _vector_cte(scope: str, *, limit: str = "%(candidates)s") -> str:
    """Vector candidates: `candidates` of them for fusion, only k when they are the answer
    (each one is a row fetched to check it, at random places in the bot's heap)."""
    if scope == VectorScope.INDEX:
        return _VECTOR_FROM.format(extra="", order="embedding <=> %(vector)s::vector", limit=limit)
    # "+ 0" hides the distance from the HNSW index, so the planner cannot use it.
    extra = _KEYWORD_POOL if scope == VectorScope.KEYWORD_POOL else ""
    return _VECTOR_FROM.format(extra=extra, order="(embedding <=> %(vector)s::vector) + 0", limit=limit)


_HIT_COLUMNS = """
    c.id, c.document_id, d.name, c.text, c.metadata,
    CASE WHEN %(model)s <> '' AND c.embedding_model = %(model)s
         THEN 1 - (c.embedding <=> %(vector)s::vector) END AS similarity
"""
_HITS_JOIN = ("JOIN documents_chunk c ON c.id = {alias}.id AND c.bot_id = %(bot)s "
              "JOIN documents_document d ON d.id = c.document_id")


def _statement(mode: str, query: str, *, scope: str = VectorScope.INDEX) -> str:
    keyword_ctes = f"{_query_cte(query)}, {_KEYWORD_CTES}"
    if mode == "vector" and scope == VectorScope.KEYWORD_POOL:
        return f"""
            WITH {keyword_ctes} v AS ({_vector_cte(scope, limit="%(k)s")})
            SELECT {_HIT_COLUMNS}, NULL AS fused, NULL AS coverage
            FROM v {_HITS_JOIN.format(alias="v")}
            ORDER BY v.distance LIMIT %(k)s"""
    if mode == "vector":
        # One flat statement: the index walk yields the rows in order and each is read once
        # (a CTE of ids joined back to the table planned and read the bot's partition twice:
        # 1.5 -> 1.1 ms p50 on a 20,000-chunk bot).
        distance = "(c.embedding <=> %(vector)s::vector)" + (" + 0" if scope == VectorScope.EXACT else "")
        return f"""
            SELECT {_HIT_COLUMNS}, NULL AS fused, NULL AS coverage
            FROM documents_chunk c JOIN documents_document d ON d.id = c.document_id
            WHERE c.bot_id = %(bot)s AND c.is_enabled AND c.embedding_model = %(model)s
            ORDER BY {distance} LIMIT %(k)s"""
    if mode == "keyword":
        return f"""
            WITH {keyword_ctes.rstrip(",")}
            SELECT c.id, c.document_id, d.name, c.text, c.metadata, kw.coverage AS similarity, NULL AS fused,
                   kw.coverage
            FROM kw {_HITS_JOIN.format(alias="kw")}
            ORDER BY kw.coverage DESC, kw.keyword_rank DESC, c.id LIMIT %(k)s"""
    return f"""
        WITH {keyword_ctes}
        v AS (SELECT id, row_number() OVER (ORDER BY distance) AS r, 1.0 AS weight FROM ({_vector_cte(scope)}) vc),
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
        SELECT {_HIT_COLUMNS}, f.fused, kw.coverage
        FROM fused f {_HITS_JOIN.format(alias="f")} LEFT JOIN kw ON kw.id = f.id
        ORDER BY f.fused DESC, c.id"""


# --- What the search needs to know of a bot -----------------------------------------------


@dataclass(frozen=True)
class BotProfile:
    chunks: int
    common_terms: list[str]

    @functools.cached_property
    def common_terms_array(self) -> str:
        """common_terms as a PostgreSQL array literal, written once per profile: adapting
        a list of a few hundred terms for every search took about 0.5 ms of Python."""
        return "{" + ",".join('"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'
                              for term in self.common_terms) + "}"


COMMON_TERM_SHARE = 0.05
PROFILE_MIN_CHUNKS = 500  # smaller bots have no common terms: finding every match is cheap there
PROFILE_SAMPLE = 2000  # passages sampled for term frequencies
BUILTIN_EXACT_MAX_CHUNKS = 4000  # above this, built-in vectors rank the keyword pool (VectorScope)
# Per process, under the bot's knowledge version: a change of its passages is a new key.
_profiles: LocalCache[BotProfile] = LocalCache("bot search profiles")


def bot_profile(bot) -> BotProfile:
    """The bot's passage count and common search terms, from a sample of its passages (a
    few ms to compute; kept per process, see kaiu.local_cache)."""
    return _profiles.get_or_load((bot.pk, bot.knowledge_version), lambda: _bot_profile_load(bot.pk))


def _bot_profile_load(bot_id) -> BotProfile:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM documents_chunk WHERE bot_id = %s AND is_enabled", [bot_id])
        [chunks] = cursor.fetchone()
        common = []
        if chunks > PROFILE_MIN_CHUNKS:
            sample = min(chunks, PROFILE_SAMPLE)
            cursor.execute(
                "SELECT word FROM ts_stat(format('SELECT search_vector FROM documents_chunk "
                "WHERE bot_id = %%L AND is_enabled LIMIT %%s', %s::uuid, %s)) WHERE ndoc > %s",
                [bot_id, sample, COMMON_TERM_SHARE * sample])
            common = sorted(row[0] for row in cursor.fetchall())
    return BotProfile(chunks=chunks, common_terms=common)


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

    profile = bot_profile(bot)
    # A bot with no knowledge has no partition yet to look in. The profile may be a few
    # seconds old (the bot came from a process's cache), so an empty one is checked.
    if not profile.chunks and not chunk_partition_exists(bot.pk):
        return result
    params = {"bot": bot.pk, "query": query, "language": bot.language, "k": k, "candidates": max(40, 4 * k),
              "scored": KEYWORD_SCORED_ROWS, "rare_scored": RARE_SCORED_ROWS,
              "common_scored": COMMON_SCORED_ROWS, "model": "", "vector": None,
              "common": profile.common_terms_array}
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
            params["vector"] = _vector_literal(vector)
    result.embed_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    # hnsw.iterative_scan and hnsw.ef_search are set on every connection (settings.py), which
    # spares each search a transaction and two SETs: round trips are most of its time.
    scope = VectorScope.INDEX
    if params["model"] == BuiltinEmbedder.model_name:
        scope = VectorScope.EXACT if profile.chunks <= BUILTIN_EXACT_MAX_CHUNKS else VectorScope.KEYWORD_POOL
    rows = _search(_on_partition(_statement(mode, query, scope=scope), bot.pk), params)
    result.search_ms = (time.perf_counter() - started) * 1000

    result.hits = [
        Hit(chunk_id=row[0], document_id=str(row[1]), document_name=row[2], text=row[3],
            metadata=json.loads(row[4]) if isinstance(row[4], str) else (row[4] or {}),
            rank=rank, score=None if row[5] is None else float(row[5]),
            rrf=None if row[6] is None else float(row[6]), coverage=None if row[7] is None else float(row[7]))
        for rank, row in enumerate(rows, start=1)
    ]
    if record and result.hits:
        retrievals_record({hit.document_id for hit in result.hits})
    return result


@functools.cache
def _vector_format(dimensions: int) -> str:
    return "[" + ",".join(["%.7g"] * dimensions) + "]"


def _vector_literal(vector) -> str:
    """The vector as pgvector's text input, float32's 7 significant digits: one format
    string for all of it is twice as fast as formatting 768 floats one by one."""
    return _vector_format(len(vector)) % tuple(vector)


def _on_partition(statement: str, bot_id) -> str:
    """The statement on the bot's own partition rather than the parent table: planned for
    that bot's rows and statistics alone, with no partitions to prune, so it can be prepared
    once per bot and connection (see _search)."""
    return re.sub(r"\bdocuments_chunk\b", f'"{chunk_partition_name(bot_id)}"', statement)


def _search(statement: str, params: dict) -> list[tuple]:
    """Run a search statement. Its parameters are bound server-side like every query's
    (settings.py), so a query vector's 768 floats are not written into 16 KB of SQL text to
    escape and parse (0.2-0.5 ms). Prepared like any statement run often (after
    DATABASE_PREPARE_THRESHOLD runs on a connection): planning this statement cost a third
    of its time, 3 of 10 ms of PostgreSQL CPU on a 20,000-chunk bot (benchmarks/chat.py).
    Most of its conditions read earlier CTEs, which no plan knows in advance, so a generic
    plan is as good as a fresh one."""
    try:
        with connection.cursor() as cursor, connection.wrap_database_errors:
            cursor.cursor.execute(statement, params)
            return cursor.fetchall()
    except ProgrammingError as error:
        # The bot was deleted a moment ago, its partition with it, while a public channel
        # still held it (bots.selectors.bot_get_for_public): there is nothing left to find.
        if isinstance(error.__cause__, UndefinedTable):
            return []
        raise


def retrievals_record(document_ids: set[str]) -> None:
    """Count one retrieval for each document (the knowledge page shows how often each is used)."""
    with connection.cursor() as cursor:
        cursor.execute(*retrievals_record_statement(document_ids))


def retrievals_record_statement(document_ids: set[str]) -> tuple[str, list]:
    """retrievals_record's UPDATE, for a caller that runs it in a statement of its own (chat
    stores an answer and its counts in one)."""
    return ("UPDATE documents_document SET retrieval_count = retrieval_count + 1, last_retrieved_at = now() "
            "WHERE id = ANY(%s::uuid[])", [sorted(document_ids)])
