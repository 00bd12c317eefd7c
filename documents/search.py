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
from documents.profile import BotProfile, bot_profile
from documents.relevance import (
    DEFAULT_CERTAINTY,
    Judgement,
    Term,
    judge,
    names_unsaid,
    passage_relevance,
    question_terms,
)
from documents.search_sql import (
    COMMON_SCORED_ROWS,
    KEYWORD_SCORED_ROWS,
    MODES,
    RARE_SCORED_ROWS,
    VectorScope,
    search_statement,
)
from kaiu.ai.embeddings import BuiltinEmbedder, EmbeddingError, embedder_for


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
    lexemes: frozenset = frozenset()  # the passage's search terms
    relevance: float | None = None  # 0-1, the one figure every screen shows (documents.relevance)
    positions: dict = field(default_factory=dict)  # {question lexeme: its word positions in the passage}
    focus: float | None = None  # the relevance of the passage's closest question terms (closest_terms)

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
    terms: list[Term] = field(default_factory=list)  # the question's terms, weighted in this bot

    @property
    def top_score(self) -> float | None:
        """The best relevance among the hits (see Hit.relevance)."""
        values = [hit.relevance for hit in self.hits if hit.relevance is not None]
        return max(values) if values else None

    def judge(self, certainty: str = DEFAULT_CERTAINTY) -> Judgement:
        """Whether the passages answer the question (documents.relevance)."""
        return judge(self.terms, self.hits, certainty)


# The bot's passage count and term frequencies come from documents.profile.bot_profile.
RERANK_POOL = 16  # passages read to choose the top k from by relevance
FOCUS_WEIGHT = 0.3  # of the reranking, the relevance of a passage's closest question terms (_rerank_key)
CONTENTS_SHARE_OF_KEY = 0.5  # a table of contents ranks as if half as relevant (documents.chunking.is_contents)
FOCUS_WINDOW = 30  # words: about two sentences
BUILTIN_EXACT_MAX_CHUNKS = 4000  # above this, built-in vectors rank the keyword pool (VectorScope)


def retrieve(bot, query: str, *, k: int | None = None, mode: str | None = None, record: bool = True) -> Retrieval:
    """The bot's top `k` passages for `query`. `record` counts the hits per document (the
    dashboard's "test retrieval" passes False so trying things out skews no statistics)."""
    rag = bot.rag_config or {}
    mode = mode or rag.get("search_mode", "hybrid")
    if mode not in MODES:
        raise ValueError(f"Unknown search mode {mode!r}")
    k = max(1, min(int(k or rag.get("top_k", 5)), 50))
    query = query.strip()[:2000]
    if bot.language != "en":
        query = spanish_accents_restored(query)
    result = Retrieval(mode=mode)
    if not query:
        return result

    profile = bot_profile(bot)
    # A bot with no knowledge has no partition yet to look in. The profile may be a few
    # seconds old (the bot came from a process's cache), so an empty one is checked.
    if not profile.chunks and not chunk_partition_exists(bot.pk):
        return result
    params = _search_params(bot, query, k, profile)
    started = time.perf_counter()
    result.terms, term_params = question_params(bot, query, profile)
    params.update(term_params)
    if mode != "keyword":
        _embed_query(bot, query, params, result)
    result.embed_ms = (time.perf_counter() - started) * 1000

    started = time.perf_counter()
    # hnsw.iterative_scan and hnsw.ef_search are set on every connection (settings.py), which
    # spares each search a transaction and two SETs: round trips are most of its time.
    scope = _vector_scope(params["model"], profile)
    rows = _search(_on_partition(search_statement(result.mode, query, scope=scope), bot.pk), params)
    result.search_ms = (time.perf_counter() - started) * 1000
    result.hits = [_hit(rank, row) for rank, row in enumerate(rows, start=1)]
    _weigh(result, query, rows, profile, params["model"])
    result.hits = sorted(result.hits, key=_rerank_key)[:k]
    for rank, hit in enumerate(result.hits, start=1):  # the order returned, not the order fetched
        hit.rank = rank
    if record and result.hits:
        retrievals_record({hit.document_id for hit in result.hits})
    return result


def _search_params(bot, query: str, k: int, profile: BotProfile) -> dict:
    """The search statement's parameters, but for the question's terms and vector."""
    # A few more passages than asked for, ordered again by relevance (documents.relevance): on
    # the labelled set, reading 12 for 4 put the answer in the top 4 two to four points more often,
    # and 16 once the keyword ranking's first passages always take part (search_sql.KEYWORD_FULL_RANKS).
    fetched = max(k, min(RERANK_POOL, 4 * k))
    return {"bot": bot.pk, "query": query, "language": bot.language, "k": fetched, "candidates": max(40, 4 * k),
            "scored": KEYWORD_SCORED_ROWS, "rare_scored": RARE_SCORED_ROWS,
            "common_scored": COMMON_SCORED_ROWS, "model": "", "vector": None,
            "common": profile.common_terms_array}


def _vector_scope(model_name: str, profile: BotProfile) -> str:
    """Where the vector half looks (search_sql.VectorScope): a real model's vectors through the
    HNSW index, the built-in ones exactly, or among the keyword candidates in a large bot."""
    if model_name != BuiltinEmbedder.model_name:
        return VectorScope.INDEX
    return VectorScope.EXACT if profile.chunks <= BUILTIN_EXACT_MAX_CHUNKS else VectorScope.KEYWORD_POOL


# Spanish full text keeps accents until its stemmer has cut a word's ending (migration 0002), so
# "configuracion" written without its accent is not "configuración" ("configur"): the stemmer only
# knows the suffix "-ación". Words whose ending is only ever written with an accent get it back;
# an ending that may or may not carry one ("historia", "categoría") is left as written.
_UNACCENTED_ENDINGS = re.compile(r"\b(\w{2,}?)(aci|uci)on\b|\b(\w+?)logia(s?)\b", re.IGNORECASE)


def spanish_accents_restored(query: str) -> str:
    """`query` with the accents of "-ación", "-ución" and "-logía" put back where left out."""
    def accent(match: re.Match) -> str:
        if match.group(1) is not None:
            stem, ending = match.group(1), match.group(2)
            on = "ÓN" if match.group(0).isupper() else "ón"
            return f"{stem}{ending}{on}"
        on = "LOGÍA" if match.group(0).isupper() else "logía"
        return f"{match.group(3)}{on}{match.group(4)}"
    return _UNACCENTED_ENDINGS.sub(accent, query)


def _rerank_key(hit: Hit) -> float:
    """Relevance, and a little of the relevance of the passage's words closest together: the
    sentence answering a question usually holds its terms, where a passage that only mentions
    them here and there is about something else. A table of contents names what the question
    asks and answers nothing: it goes after the passages that may."""
    key = (1 - FOCUS_WEIGHT) * (hit.relevance or 0) + FOCUS_WEIGHT * (hit.focus or 0)
    return -key * (CONTENTS_SHARE_OF_KEY if hit.metadata.get("contents") else 1)


def closest_terms(terms: list[Term], positions: dict, window: int = FOCUS_WINDOW) -> frozenset:
    """The question's terms (weighted) found together within `window` words of a passage, given
    each term's word positions in it: the best such group."""
    weight = {term.lexeme: term.weight for term in terms}
    events = sorted((position, lexeme) for lexeme in weight for position in positions.get(lexeme, ()))
    best, best_weight, start = frozenset(), 0.0, 0
    for end in range(len(events)):
        while events[end][0] - events[start][0] >= window:
            start += 1
        found = frozenset(lexeme for _, lexeme in events[start:end + 1])
        found_weight = sum(weight[lexeme] for lexeme in found)
        if found_weight > best_weight:
            best, best_weight = found, found_weight
    return best


def _embed_query(bot, query: str, params: dict, result: Retrieval) -> None:
    """The query's vector into `params`; hybrid search that cannot embed falls back to
    keywords (`result.mode`), saying why in `result.warning`."""
    embedder = embedder_for(bot, live=True)
    try:
        [vector] = embedder.embed([query])
    except EmbeddingError as error:
        if result.mode == "vector":
            raise
        # Hybrid keeps answering from keywords while the embedding provider is down.
        result.mode = "keyword"
        result.warning = f"Keyword search only: {error}"
    else:
        params["model"] = embedder.model_name
        params["vector"] = _vector_literal(vector)


def _hit(rank: int, row: tuple) -> Hit:
    return Hit(chunk_id=row[0], document_id=str(row[1]), document_name=row[2], text=row[3],
               metadata=json.loads(row[4]) if isinstance(row[4], str) else (row[4] or {}),
               rank=rank, score=None if row[5] is None else float(row[5]),
               rrf=None if row[6] is None else float(row[6]), coverage=None if row[7] is None else float(row[7]),
               lexemes=frozenset(row[8] or ()),
               positions=(json.loads(row[9]) if isinstance(row[9], str) else row[9]) or {})


def question_params(bot, query: str, profile: BotProfile) -> tuple[list[Term], dict]:
    """The question's terms weighted in this bot, and the search statement's parameters for them."""
    lexemes = question_lexemes(bot.language, query)
    terms = question_terms(query, lexemes, profile)
    return terms, term_weights_params(lexemes, terms)


def question_lexemes(language: str, query: str) -> list[str]:
    """The question's search terms as the index stems them (one short round trip: the search
    statement weighs them by their rarity in the bot, which only Python knows)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tsvector_to_array(kaiu_search_vector(%s, %s))", [language, query])
        return list(cursor.fetchone()[0] or ())


def term_weights_params(lexemes: list[str], terms: list[Term]) -> dict:
    """The search statement's `term_lexemes` and `term_weights`: each of the question's
    lexemes with its information weight, so a passage holding its rare words outranks one
    holding its common ones in the keyword ranking. The words that only make a sentence a
    question weigh nothing, unless they are all the question has."""
    weight = {term.lexeme: term.weight for term in terms}
    weights = [weight.get(lexeme, 0.0) for lexeme in lexemes]
    if not any(weights):
        weights = [1.0] * len(lexemes)
    return {"term_lexemes": lexemes, "term_weights": weights, "total_weight": sum(weights) or 1.0}


def _weigh(result: Retrieval, query: str, rows, profile: BotProfile, model_name: str) -> None:
    """Each hit's relevance, from the question's terms weighted in this bot (documents.relevance)."""
    if not rows:
        return
    vector = result.mode != "keyword" and bool(model_name)  # in keyword mode, score is the word coverage
    for hit in result.hits:
        unsaid = names_unsaid(result.terms, hit.lexemes, f"{hit.metadata.get('heading') or ''}\n{hit.text}")
        if unsaid:  # searched by their stems, but a name counts only said whole
            hit.lexemes = hit.lexemes - unsaid
            hit.positions = {lexeme: at for lexeme, at in hit.positions.items() if lexeme not in unsaid}
        similarity = hit.score if vector else None
        hit.relevance = passage_relevance(result.terms, hit.lexemes, similarity, model_name,
                                          found_by_words=hit.coverage is not None)
        hit.focus = passage_relevance(result.terms, closest_terms(result.terms, hit.positions), similarity,
                                      model_name, found_by_words=hit.coverage is not None)


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
        cursor.execute(*retrieval_days_record_statement(document_ids))


def retrievals_record_statement(document_ids: set[str]) -> tuple[str, list]:
    """retrievals_record's UPDATE, for a caller that runs it in a statement of its own (chat
    stores an answer and its counts in one)."""
    return ("UPDATE documents_document SET retrieval_count = retrieval_count + 1, last_retrieved_at = now() "
            "WHERE id = ANY(%s::uuid[])", [sorted(document_ids)])


def retrieval_days_record_statement(document_ids: set[str]) -> tuple[str, list]:
    """One more retrieval on today's (UTC) row of each document: analytics counts a range's
    retrievals from these rows. Selected from the documents, so one deleted a moment ago is
    skipped rather than failing the answer that cited it."""
    return ("INSERT INTO documents_retrievalday (document_id, day, count) "
            "SELECT id, (now() AT TIME ZONE 'UTC')::date, 1 FROM documents_document WHERE id = ANY(%s::uuid[]) "
            "ON CONFLICT (document_id, day) DO UPDATE SET count = documents_retrievalday.count + 1",
            [sorted(document_ids)])
