"""The SQL of a search: one statement per mode, written once per (mode, query shape).

`search_statement(mode, query, scope=...)` returns a statement with named parameters
(documents.search.retrieve fills them): the keyword half's CTEs, the vector half's, and
reciprocal rank fusion of both for hybrid. Every statement filters by bot.
"""

from __future__ import annotations

import re

MODES = ("hybrid", "vector", "keyword")
RRF_K = 60  # the usual constant: damps the difference between rank 1 and rank 2
KEYWORD_SCORED_ROWS = 1000  # passages holding every word of the question, ranked per question
# The keyword ranking's first passages count in full however little of the question they hold:
# the built-in vectors rank passages sharing only function words and word pieces above them, and
# weighed by coverage they never reached the passages reranked (documents.search.RERANK_POOL).
KEYWORD_FULL_RANKS = 2
RARE_SCORED_ROWS = 160  # passages holding the most rare words, scored for full coverage (see _KEYWORD_CTES)
COMMON_SCORED_ROWS = 250  # passages holding only common words: weak evidence, a sample is scored


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
        SELECT {_ALL_WORDS} AS all_words, %(term_lexemes)s::text[] AS lexemes) words),
    w AS (SELECT lexeme, quote_literal(lexeme)::tsquery AS query, weight
          FROM unnest(%(term_lexemes)s::text[], %(term_weights)s::float8[]) AS t(lexeme, weight)
          WHERE strpos(lexeme, E'\\\\') = 0)"""


# Keyword candidates: passages holding every word of the question (the best keyword
# evidence, ranked by ts_rank_cd), then passages holding some of the words, ranked by
# coverage, the share of the question's information they hold: each term weighs its rarity in
# the bot (documents.relevance.term_weight), so "aptitude" in every passage of a manual and
# the question's "juego" found once do not count the same. Each bot has its own partition
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
        SELECT m.id, sum(w.weight) AS rare_weight
        FROM q, w,
             LATERAL (SELECT c.id FROM documents_chunk c
                      WHERE c.bot_id = %(bot)s AND c.is_enabled AND c.search_vector @@ w.query) m
        WHERE w.lexeme = ANY(q.rare_lexemes) AND {_FEW_FULL_MATCHES}
        GROUP BY m.id
        ORDER BY rare_weight DESC, m.id
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
                    (SELECT coalesce(sum(w.weight), 0) FROM w WHERE c.search_vector @@ w.query)
                    / %(total_weight)s::float8 AS coverage
             FROM any_ids s JOIN documents_chunk c ON c.id = s.id AND c.bot_id = %(bot)s
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
# What documents.relevance weighs: the passage's terms and the question's, as the index has them.
_TERMS = """, tsvector_to_array(c.search_vector) AS lexemes,
    (SELECT json_object_agg(t.lexeme, t.positions) FROM unnest(c.search_vector) t
     WHERE t.lexeme = ANY(%(term_lexemes)s::text[])) AS positions"""
_HITS_JOIN = ("JOIN documents_chunk c ON c.id = {alias}.id AND c.bot_id = %(bot)s "
              "JOIN documents_document d ON d.id = c.document_id")


def search_statement(mode: str, query: str, *, scope: str = VectorScope.INDEX) -> str:
    keyword_ctes = f"{_query_cte(query)}, {_KEYWORD_CTES}"
    if mode == "vector" and scope == VectorScope.KEYWORD_POOL:
        return f"""
            WITH {keyword_ctes} v AS ({_vector_cte(scope, limit="%(k)s")})
            SELECT {_HIT_COLUMNS}, NULL AS fused, NULL AS coverage {_TERMS}
            FROM v {_HITS_JOIN.format(alias="v")}
            ORDER BY v.distance LIMIT %(k)s"""
    if mode == "vector":
        # One flat statement: the index walk yields the rows in order and each is read once
        # (a CTE of ids joined back to the table planned and read the bot's partition twice:
        # 1.5 -> 1.1 ms p50 on a 20,000-chunk bot).
        distance = "(c.embedding <=> %(vector)s::vector)" + (" + 0" if scope == VectorScope.EXACT else "")
        return f"""
            SELECT {_HIT_COLUMNS}, NULL AS fused, NULL AS coverage {_TERMS}
            FROM documents_chunk c JOIN documents_document d ON d.id = c.document_id
            WHERE c.bot_id = %(bot)s AND c.is_enabled AND c.embedding_model = %(model)s
            ORDER BY {distance} LIMIT %(k)s"""
    if mode == "keyword":
        return f"""
            WITH {keyword_ctes.rstrip(",")}
            SELECT c.id, c.document_id, d.name, c.text, c.metadata, kw.coverage AS similarity, NULL AS fused,
                   kw.coverage {_TERMS}
            FROM kw {_HITS_JOIN.format(alias="kw")}
            ORDER BY kw.coverage DESC, kw.keyword_rank DESC, c.id LIMIT %(k)s"""
    return f"""
        WITH {keyword_ctes}
        v AS (SELECT id, row_number() OVER (ORDER BY distance) AS r, 1.0 AS weight FROM ({_vector_cte(scope)}) vc),
        kr AS (SELECT id, r, CASE WHEN r <= {KEYWORD_FULL_RANKS} THEN 1.0 ELSE coverage END AS weight
               FROM (SELECT id, coverage, row_number() OVER (ORDER BY coverage DESC, keyword_rank DESC, id) AS r
                     FROM kw) ranked),
        fused AS (
            -- Reciprocal rank fusion; past its first ranks, a keyword hit counts in proportion to
            -- its coverage, since matching one word of a five-word question is weak evidence.
            SELECT id, sum(weight / ({RRF_K} + r)) AS fused
            FROM (SELECT id, r, weight FROM v UNION ALL SELECT id, r, weight FROM kr) both_rankings
            GROUP BY id ORDER BY fused DESC, id LIMIT %(k)s
        )
        SELECT {_HIT_COLUMNS}, f.fused, kw.coverage {_TERMS}
        FROM fused f {_HITS_JOIN.format(alias="f")} LEFT JOIN kw ON kw.id = f.id
        ORDER BY f.fused DESC, c.id"""
