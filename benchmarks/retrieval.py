"""Retrieval benchmark: latency and recall@10 of vector, keyword and hybrid search.

Run from the repository root (numpy is needed for the synthetic data only):

    .venv/bin/pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/retrieval.py               # full size, ~10 minutes on 2 cores
    .venv/bin/python benchmarks/retrieval.py --scale 0.1   # quick run

Each run starts its own throwaway embedded PostgreSQL (fresh temp dir, deleted at exit).

The table holds 200,000 chunks of 768-d over ~100 bots, one partition per bot (documents
migration 0003), loaded with COPY while the HNSW and GIN indexes are dropped, then both
rebuilt and the table VACUUM ANALYZEd. Texts are Spanish-ish sentences from a Zipf
vocabulary plus per-bot domain words, so keyword search has real, partly common matches.
Measured bots come in two sets of three sizes (250, 2,000, 20,000 chunks):

  * "synthetic" bots: clustered synthetic vectors (topic -> bot -> document -> chunk, like
    the ~155k background chunks), standing in for a real embedding model. Vector and
    hybrid modes are run as SQL with documents.search's own statements and settings
    (hnsw.ef_search = 40); query vectors are drawn from the same distribution (a new chunk
    of one of the bot's documents), and hybrid questions are 3-5 words of a chunk of that
    same document.
  * "text" bots: the REAL built-in embeddings (kaiu-hashing-v1) of their texts, so
    documents.search.retrieve() works end to end; keyword, hybrid and vector modes are
    measured through retrieve(record=False), questions made of 3-5 words of one of the
    bot's chunks.

Source@10 is the share of questions whose source chunk (the one its words were taken from)
is among the 10 hits. Recall@10 is against exact search: the same statement with every vector candidate ranked
by true distance (VectorScope.EXACT; the keyword half is the same in both). Latency is
client-side wall time: for SQL modes the statement and its fetch; for retrieve() the whole
call (query embedding included) and, separately, its search_ms. When a target is missed
the slowest query is re-run under EXPLAIN ANALYZE.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

SYNTHETIC = "bench-synthetic-v1"
HASHING = "kaiu-hashing-v1"
K = 10


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1 = quick run)")
    parser.add_argument("--chunks", type=int, default=200_000, help="total chunks in the table")
    parser.add_argument("--sizes", default="250,2000,20000", help="chunks of the measured bots")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per bot size and mode")
    parser.add_argument("--warmup", type=int, default=200,
                        help="untimed queries before each row, so the bot's pages are in memory as on a "
                             "server answering it (a first touch after the build reads from disk)")
    parser.add_argument("--intrinsic-dim", type=int, default=64, help="0 = isotropic noise")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the slowest query of every row")
    return parser.parse_args()


def _embed_worker(texts):
    import numpy as np

    from kaiu.ai.embeddings import BuiltinEmbedder

    return np.asarray(BuiltinEmbedder(dimensions=768).embed(texts), dtype=np.float32)


def hashing_embeddings(texts):
    """The built-in embedder over all cores (it is pure Python)."""
    import multiprocessing
    import os

    import numpy as np

    step = 500
    pieces = [texts[i:i + step] for i in range(0, len(texts), step)]
    with multiprocessing.get_context("fork").Pool(os.cpu_count()) as pool:
        return np.concatenate(pool.map(_embed_worker, pieces))


# --- Building the corpus ------------------------------------------------------------------


def build(args, rng):
    import numpy as np
    from django.db import connection
    from psycopg.types.json import Jsonb

    from documents.ingest import COPY_COLUMNS, COPY_TYPES
    from documents.partitions import vector_index_build

    space = c.ClusterSpace(intrinsic_dim=args.intrinsic_dim)
    texts = c.TextMaker()
    total = max(5000, int(args.chunks * args.scale))
    sizes = [max(50, int(int(s) * args.scale)) for s in args.sizes.split(",")]
    tenants = c.make_tenants(8)

    # Bot plan: the measured bots, then background bots (log-uniform 30-8,000 chunks).
    plan = [("synthetic", s) for s in sizes] + [("text", s) for s in sizes]
    left = total - 2 * sum(sizes)
    while left > 0:
        n = min(left, int(np.exp(rng.uniform(np.log(30), np.log(8000 * max(args.scale, 0.05))))))
        plan.append(("background", n))
        left -= n
    bots = c.make_bots(tenants, len(plan), prefix="retrieval")
    c.log(f"{len(plan)} bots, {total:,} chunks; measured sizes {sizes}")

    # Documents and their chunks, generated bot by bot; rows kept in columns.
    doc_rows = []
    measured = {}
    started = time.perf_counter()
    for bot, (kind, n) in zip(bots, plan, strict=True):
        topic = int(rng.integers(len(space.topics)))
        center = space.bot_center(topic)
        domain = texts.domain_words()
        counts = []
        while sum(counts) < n:
            counts.append(int(rng.integers(20, 400)))
        counts[-1] -= sum(counts) - n
        counts = [x for x in counts if x > 0]
        docs = c.make_documents(bot, len(counts))
        doc_centers = space.doc_centers(topic, center, len(counts))
        bot_texts, bot_vectors, text_docs = [], [], []
        for doc_number, (doc, count, doc_center) in enumerate(zip(docs, counts, doc_centers, strict=True)):
            chunk_texts = texts.texts(count, domain)
            vectors = space.chunks(topic, doc_center, count)
            doc_rows.append((bot, doc, chunk_texts, vectors, kind))
            bot_texts.extend(chunk_texts)
            text_docs.extend([doc_number] * count)
            bot_vectors.append(vectors)
        if kind != "background":
            measured[(kind, n)] = {"bot": bot, "topic": topic, "doc_centers": doc_centers, "texts": bot_texts,
                                   "text_docs": text_docs, "vectors": np.concatenate(bot_vectors)}
    c.log(f"generated texts and vectors in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    text_rows = [r for r in doc_rows if r[4] == "text"]
    hashed = hashing_embeddings([t for r in text_rows for t in r[2]])
    position = 0
    for i, (bot, doc, chunk_texts, _vectors, kind) in enumerate(doc_rows):
        if kind == "text":
            doc_rows[i] = (bot, doc, chunk_texts, hashed[position:position + len(chunk_texts)], kind)
            position += len(chunk_texts)
    c.log(f"built-in embeddings of {len(hashed):,} texts in {time.perf_counter() - started:.1f} s")

    # Load: documents in random order (bots' rows interleave, as in a shared table).
    definitions = c.index_definitions(["chunk_embedding_hnsw", "chunk_search_vector_gin"])
    with connection.cursor() as cursor:
        for name in definitions:
            cursor.execute(f"DROP INDEX {name}")
    random.Random(5).shuffle(doc_rows)
    raw = c.raw_connection()
    copy_sql = f"COPY documents_chunk ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT BINARY)"
    timings = {}
    with c.Timer() as load:
        for start in range(0, len(doc_rows), 50):
            with raw.cursor() as cursor, cursor.copy(copy_sql) as copy:
                copy.set_types(list(COPY_TYPES))
                for bot, doc, chunk_texts, vectors, kind in doc_rows[start:start + 50]:
                    model = HASHING if kind == "text" else SYNTHETIC
                    for index, (text, vector) in enumerate(zip(chunk_texts, vectors, strict=True)):
                        copy.write_row((bot.pk, doc.pk, index, text, c.sha(text), "es", vector, model,
                                        Jsonb({"page": 1 + index // 3}), len(text) // 4, True))
            raw.commit()
    raw.close()
    timings["COPY load (no HNSW, no GIN)"] = (load.seconds, total)
    c.log(f"loaded in {load.seconds:.1f} s")
    with connection.cursor() as cursor:
        with c.Timer() as t:
            cursor.execute(definitions["chunk_search_vector_gin"])
        timings["build chunk_search_vector_gin"] = (t.seconds, total)
        c.log(f"built chunk_search_vector_gin in {t.seconds:.1f} s")
    with c.Timer() as t:  # as `manage.py reindex --rebuild-index` builds it: partitions two at a time
        vector_index_build(workers=2)
    timings["build chunk_embedding_hnsw"] = (t.seconds, total)
    c.log(f"built chunk_embedding_hnsw in {t.seconds:.1f} s")
    with connection.cursor() as cursor:
        with c.Timer() as t:
            cursor.execute("VACUUM ANALYZE documents_chunk")
        timings["VACUUM ANALYZE"] = (t.seconds, total)
    return measured, sizes, timings, space, texts


# --- Running queries ----------------------------------------------------------------------


def vector_literal(vector) -> str:
    from documents.search import _vector_literal

    return _vector_literal(vector)


def _params(bot, query, model, literal, common="{}"):
    """retrieve()'s parameters; `common` is the bot profile's common_terms_array."""
    from documents.profile import bot_profile
    from documents.search import (
        COMMON_SCORED_ROWS,
        KEYWORD_SCORED_ROWS,
        RARE_SCORED_ROWS,
        question_params,
    )

    _, term_params = question_params(bot, query, bot_profile(bot))
    return {"bot": bot.pk, "query": query, "language": bot.language, "k": K, "candidates": max(40, 4 * K),
            "scored": KEYWORD_SCORED_ROWS, "rare_scored": RARE_SCORED_ROWS, "common_scored": COMMON_SCORED_ROWS,
            "model": model, "vector": literal, "common": common, **term_params}


def run_sql(statement, params):
    """As retrieve() runs its statement: on the bot's partition, parameters bound
    server-side, prepared once run often enough."""
    from documents.search import _on_partition, _search

    return [row[0] for row in _search(_on_partition(statement, params["bot"]), params)]


def run_vector_sql(bot, literal, model, *, exact=False):
    """documents.search's vector-mode statement as retrieve() sends it for a real embedding
    model (the bot's HNSW graph), or exact (every passage by true distance) for recall."""
    from documents.search_sql import VectorScope, search_statement

    scope = VectorScope.EXACT if exact else VectorScope.INDEX
    return run_sql(search_statement("vector", "", scope=scope), _params(bot, "", model, literal))


def run_hybrid_sql(bot, query, literal, *, exact=False):
    """Hybrid as retrieve() sends it for a real embedding model, with a synthetic vector."""
    from documents.profile import bot_profile
    from documents.search_sql import VectorScope, search_statement

    scope = VectorScope.EXACT if exact else VectorScope.INDEX
    return run_sql(search_statement("hybrid", query, scope=scope),
                   _params(bot, query, SYNTHETIC, literal, bot_profile(bot).common_terms_array))


def run_exact_retrieve(bot, query, mode):
    """retrieve()'s statement for `mode` with every vector candidate ranked by true distance:
    the exact answer (an explicit exact scan, not planner settings: PostgreSQL 18 may still
    pick an index it was told not to use when every alternative is disabled too)."""
    from documents.profile import bot_profile
    from documents.search_sql import VectorScope, search_statement
    from kaiu.ai.embeddings import embedder_for

    embedder = embedder_for(bot)
    [vector] = embedder.embed([query])
    return run_sql(
        search_statement(mode, query, scope=VectorScope.EXACT),
        _params(bot, query, embedder.model_name, vector_literal(vector), bot_profile(bot).common_terms_array),
    )


def explain(sql_setup, statement, params):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for line in sql_setup:
            cursor.execute(line)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return re.sub(r"'\[[-0-9.e,]+\]'::vector", "'[...768 floats...]'::vector", plan)


def source_chunk_id(bot, text):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM documents_chunk WHERE bot_id = %s AND sha256 = %s", [bot.pk, c.sha(text)])
        row = cursor.fetchone()
    return row[0] if row else None


def timed(run, queries, warmup):
    """Run every query once for its wall time, back to back (the diagnostic queries below
    would otherwise sit between timed ones and flush the caches they warm)."""
    for query in queries[:warmup]:
        run(query)
    latencies, results = [], []
    for query in queries[warmup:]:
        started = time.perf_counter()
        results.append(run(query))
        latencies.append((time.perf_counter() - started) * 1000)
    slowest = max(range(len(latencies)), key=latencies.__getitem__)
    return latencies, results, queries[warmup:], queries[warmup:][slowest], latencies[slowest]


def measure_vector_sql(info, space, n_queries, warmup, rng):
    """Synthetic bot: query vectors from the bot's own distribution."""
    bot = info["bot"]
    queries = []
    for _ in range(warmup + n_queries):
        doc_center = info["doc_centers"][int(rng.integers(len(info["doc_centers"])))]
        queries.append(vector_literal(space.chunks(info["topic"], doc_center, 1)[0]))
    latencies, results, asked, slowest, slowest_ms = timed(lambda q: run_vector_sql(bot, q, SYNTHETIC), queries, warmup)
    server, recalls = [], []
    for literal, got in zip(asked, results, strict=True):
        server.append(server_ms(*vector_statement(bot, literal, SYNTHETIC)))
        exact = run_vector_sql(bot, literal, SYNTHETIC, exact=True)
        recalls.append(len(set(got) & set(exact)) / max(1, len(exact)))
    return {"ms": latencies, "recall": recalls, "server": server, "slowest": (slowest_ms, slowest)}


def measure_hybrid_sql(info, space, texts, n_queries, warmup, rng):
    """Synthetic bot, hybrid: a question made of words of one chunk, and a query vector drawn
    near that chunk's document, as a real embedding model would place the question."""
    bot = info["bot"]
    pick = random.Random(f"hybrid-sql-{len(info['texts'])}")
    queries = []
    for _ in range(warmup + n_queries):
        i = pick.randrange(len(info["texts"]))
        center = info["doc_centers"][info["text_docs"][i]]
        queries.append((texts.question(info["texts"][i]), vector_literal(space.chunks(info["topic"], center, 1)[0]),
                        info["texts"][i]))
    latencies, results, asked, slowest, slowest_ms = timed(
        lambda q: run_hybrid_sql(bot, q[0], q[1]), queries, warmup)
    server, recalls, found = [], [], []
    for (question, literal, source), got in zip(asked, results, strict=True):
        server.append(server_ms(*hybrid_statement(bot, question, literal)))
        exact = run_hybrid_sql(bot, question, literal, exact=True)
        recalls.append(len(set(got) & set(exact)) / max(1, len(exact)))
        found.append(source_chunk_id(bot, source) in got)
    return {"ms": latencies, "recall": recalls, "server": server, "found": found, "slowest": (slowest_ms, slowest[:2])}


def measure_retrieve(info, texts, mode, n_queries, warmup, *, with_recall):
    from documents.search import retrieve

    bot = info["bot"]
    pick = random.Random(f"{mode}-{len(info['texts'])}")
    sources = [info["texts"][pick.randrange(len(info["texts"]))] for _ in range(warmup + n_queries)]
    queries = [(texts.question(source), source) for source in sources]
    latencies, results, asked, slowest, slowest_ms = timed(
        lambda q: retrieve(bot, q[0], k=K, mode=mode, record=False), queries, warmup)
    server, recalls, found = [], [], []
    for (question, source), result in zip(asked, results, strict=True):
        got = [hit.chunk_id for hit in result.hits]
        server.append(server_ms(*retrieve_statement(bot, question, mode)))
        found.append(source_chunk_id(bot, source) in got)
        if with_recall:
            exact = run_exact_retrieve(bot, question, mode)
            recalls.append(len(set(got) & set(exact)) / max(1, len(exact)))
    return {"ms": latencies, "search_ms": [r.search_ms for r in results], "recall": recalls, "server": server,
            "found": found, "slowest": (slowest_ms, slowest[0])}


def retrieve_statement(bot, query, mode):
    """What retrieve() sends for `query`: (SET LOCAL lines, statement, params)."""
    from documents.profile import bot_profile
    from documents.search import BUILTIN_EXACT_MAX_CHUNKS, _on_partition
    from documents.search_sql import VectorScope, search_statement
    from kaiu.ai.embeddings import embedder_for

    profile = bot_profile(bot)
    params = _params(bot, query, "", None, profile.common_terms_array)
    scope = VectorScope.INDEX
    if mode != "keyword":
        embedder = embedder_for(bot)
        params["model"] = embedder.model_name
        params["vector"] = vector_literal(embedder.embed([query])[0])
        if embedder.model_name == HASHING:
            scope = VectorScope.EXACT if profile.chunks <= BUILTIN_EXACT_MAX_CHUNKS else VectorScope.KEYWORD_POOL
    return [], _on_partition(search_statement(mode, query, scope=scope), bot.pk), params


def vector_statement(bot, literal, model):
    from documents.search import _on_partition
    from documents.search_sql import search_statement

    return [], _on_partition(search_statement("vector", ""), bot.pk), _params(bot, "", model, literal)


def hybrid_statement(bot, query, literal):
    from documents.profile import bot_profile
    from documents.search import _on_partition
    from documents.search_sql import search_statement

    return [], _on_partition(search_statement("hybrid", query), bot.pk), _params(
        bot, query, SYNTHETIC, literal, bot_profile(bot).common_terms_array)


def server_ms(setup, statement, params) -> float:
    """Planning + execution time as the server reports it (EXPLAIN ANALYZE, TIMING OFF)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for line in setup:
            cursor.execute(line)
        cursor.execute("EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON, FORMAT JSON) " + statement, params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Planning Time"] + plan[0]["Execution Time"]


# --- Main ---------------------------------------------------------------------------------


def main():
    args = parse_args()
    import numpy as np

    started = time.perf_counter()
    c.bootstrap("retrieval")
    print("KAIU retrieval benchmark")
    c.print_versions()
    rng = np.random.default_rng(13)
    measured, sizes, timings, space, texts = build(args, rng)
    # A server process does not hold the benchmark's data: collect it, and freeze what is left
    # so Python's garbage collector does not walk it between timed queries.
    import gc

    from bots.models import Bot

    gc.collect()
    gc.freeze()
    for info in measured.values():  # as a request would have it: tenant settings loaded with the bot
        info["bot"] = Bot.objects.select_related("tenant__settings").get(pk=info["bot"].pk)

    rows, explains = [], []
    f = lambda values, p: f"{c.percentile(values, p):.2f}"  # noqa: E731
    for size in sizes:
        info = measured[("synthetic", size)]
        c.log(f"vector (SQL, synthetic) {size}")
        r = measure_vector_sql(info, space, args.queries, args.warmup, rng)
        p95, recall = c.percentile(r["ms"], 95), c.mean(r["recall"])
        met = p95 <= 3 and recall >= 0.98
        rows.append(["vector (SQL)", "synthetic", f"{size:,}", f(r["ms"], 50), f(r["ms"], 95), f(r["ms"], 99), "",
                     f"{f(r['server'], 50)} / {f(r['server'], 95)}", f"{recall:.3f}", f"{min(r['recall']):.1f}", "",
                     "p95<=3, R>=0.98: " + ("MET" if met else "MISSED")])
        if args.explain or not met:
            explains.append((f"vector (SQL) synthetic bot of {size:,} chunks, slowest query {r['slowest'][0]:.2f} ms",
                             explain(*vector_statement(info["bot"], r["slowest"][1], SYNTHETIC))))

    for size in sizes:
        info = measured[("synthetic", size)]
        c.log(f"hybrid (SQL, synthetic) {size}")
        r = measure_hybrid_sql(info, space, texts, args.queries, args.warmup, rng)
        p95, recall = c.percentile(r["ms"], 95), c.mean(r["recall"])
        target, met = "", True
        if size == max(sizes):
            met = p95 <= 20
            target = "p95<=20: " + ("MET" if met else "MISSED")
        rows.append(["hybrid (SQL)", "synthetic", f"{size:,}", f(r["ms"], 50), f(r["ms"], 95), f(r["ms"], 99), "",
                     f"{f(r['server'], 50)} / {f(r['server'], 95)}", f"{recall:.3f}", f"{min(r['recall']):.1f}",
                     f"{c.mean(r['found']):.3f}", target])
        if args.explain or not met:
            question, literal = r["slowest"][1]
            explains.append(
                (
                    f"hybrid (SQL) synthetic bot of {size:,} chunks, "
                    f"slowest query {r['slowest'][0]:.2f} ms: {question!r}",
                    explain(*hybrid_statement(info["bot"], question, literal)),
                )
            )

    for mode in ("vector", "keyword", "hybrid"):
        for size in sizes:
            info = measured[("text", size)]
            c.log(f"{mode} (retrieve) {size}")
            r = measure_retrieve(info, texts, mode, args.queries, args.warmup, with_recall=mode != "keyword")
            target, met = "", True
            if mode == "hybrid" and size == max(sizes):
                met = c.percentile(r["ms"], 95) <= 20
                target = "p95<=20: " + ("MET" if met else "MISSED")
            recall = f"{c.mean(r['recall']):.3f}" if r["recall"] else "n/a"
            worst = f"{min(r['recall']):.1f}" if r["recall"] else ""
            rows.append([f"{mode} (retrieve)", "built-in emb.", f"{size:,}", f(r["ms"], 50), f(r["ms"], 95),
                         f(r["ms"], 99), f"{f(r['search_ms'], 50)} / {f(r['search_ms'], 95)}",
                         f"{f(r['server'], 50)} / {f(r['server'], 95)}", recall, worst,
                         f"{c.mean(r['found']):.3f}", target])
            if args.explain or not met:
                title = (f"{mode} (retrieve) bot of {size:,} chunks, "
                         f"slowest query {r['slowest'][0]:.2f} ms: {r['slowest'][1]!r}")
                explains.append((title, explain(*retrieve_statement(info["bot"], r["slowest"][1], mode))))

    c.print_table("Building the table", ["step", "seconds", "rows/s"],
                  [[name, f"{s:.1f}", f"{n / s:,.0f}"] for name, (s, n) in timings.items()])
    print(f"  {c.table_size()}")
    c.print_table(
        f"Retrieval, k={K}, {args.queries} timed queries per row after {args.warmup} warm-up "
        "(ms; p50/p95/p99 = client wall time of the call; search = retrieve()'s search_ms; "
        "server = planning + execution reported by EXPLAIN ANALYZE, TIMING OFF, same query re-run)",
        ["mode", "vectors", "bot chunks", "p50", "p95", "p99", "search p50/p95", "server p50/p95", "recall@10",
         "min R", "source@10", "target"],
        rows)
    for title, plan in explains:
        print(f"\nEXPLAIN ANALYZE: {title}\n{plan}")
    print(f"\nTotal benchmark time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
