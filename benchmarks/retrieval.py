"""Retrieval benchmark: latency and recall@10 of vector, keyword and hybrid search.

Run from the repository root (numpy is needed for the synthetic data only):

    .venv/bin/pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/retrieval.py               # full size, ~10 minutes on 2 cores
    .venv/bin/python benchmarks/retrieval.py --scale 0.1   # quick run

Each run starts its own throwaway embedded PostgreSQL (fresh temp dir, deleted at exit).

The table holds 200,000 chunks of 768-d over ~100 bots, loaded with COPY while the HNSW
and GIN indexes are dropped, then both rebuilt and the table VACUUM ANALYZEd. Texts are
Spanish-ish sentences from a Zipf vocabulary plus per-bot domain words, so keyword search
has real, partly common matches. Measured bots come in two sets of three sizes (250,
2,000, 20,000 chunks):

  * "synthetic" bots: clustered synthetic vectors (topic -> bot -> document -> chunk, like
    the ~155k background chunks). Vector mode is run as SQL with documents.search's own
    statement (search._statement("vector")) and settings (hnsw.iterative_scan =
    relaxed_order, hnsw.ef_search = 100), with query vectors drawn from the same
    distribution (a new chunk of one of the bot's documents).
  * "text" bots: the REAL built-in embeddings (kaiu-hashing-v1) of their texts, so
    documents.search.retrieve() works end to end; keyword, hybrid and vector modes are
    measured through retrieve(record=False), questions made of 3-5 words of one of the
    bot's chunks.

Recall@10 is against exact search: the same statement with SET LOCAL enable_indexscan =
off and enable_seqscan = off (so the bot's rows come through a bitmap scan of the
(bot, sha256) btree and are sorted by true distance). Latency is client-side wall time:
for SQL vector mode the transaction retrieve() runs (BEGIN, two SET LOCAL, the statement,
fetch, COMMIT); for retrieve() the whole call (query embedding included) and, separately,
its search_ms. When a target is missed the slowest query is re-run under EXPLAIN ANALYZE.
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
import _common as c  # noqa: E402

SYNTHETIC = "bench-synthetic-v1"
HASHING = "kaiu-hashing-v1"
K = 10
KEYWORD_SCORED_ROWS = 1000  # documents.search.KEYWORD_SCORED_ROWS (Django is not set up at import)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="multiply every size (0.1 = quick run)")
    parser.add_argument("--chunks", type=int, default=200_000, help="total chunks in the table")
    parser.add_argument("--sizes", default="250,2000,20000", help="chunks of the measured bots")
    parser.add_argument("--queries", type=int, default=200, help="timed queries per bot size and mode")
    parser.add_argument("--warmup", type=int, default=30)
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
    for bot, (kind, n) in zip(bots, plan):
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
        bot_texts, bot_vectors = [], []
        for doc, count, doc_center in zip(docs, counts, doc_centers):
            chunk_texts = texts.texts(count, domain)
            vectors = space.chunks(topic, doc_center, count)
            doc_rows.append((bot, doc, chunk_texts, vectors, kind))
            bot_texts.extend(chunk_texts)
            bot_vectors.append(vectors)
        if kind != "background":
            measured[(kind, n)] = {"bot": bot, "topic": topic, "doc_centers": doc_centers, "texts": bot_texts,
                                   "vectors": np.concatenate(bot_vectors)}
    c.log(f"generated texts and vectors in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    text_rows = [r for r in doc_rows if r[4] == "text"]
    hashed = hashing_embeddings([t for r in text_rows for t in r[2]])
    position = 0
    for i, (bot, doc, chunk_texts, vectors, kind) in enumerate(doc_rows):
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
                    for index, (text, vector) in enumerate(zip(chunk_texts, vectors)):
                        copy.write_row((bot.pk, doc.pk, index, text, c.sha(text), "es", vector, model,
                                        Jsonb({"page": 1 + index // 3}), len(text) // 4, True))
            raw.commit()
    raw.close()
    timings["COPY load (no HNSW, no GIN)"] = (load.seconds, total)
    c.log(f"loaded in {load.seconds:.1f} s")
    with connection.cursor() as cursor:
        for name in ("chunk_search_vector_gin", "chunk_embedding_hnsw"):
            with c.Timer() as t:
                cursor.execute(definitions[name])
            timings[f"build {name}"] = (t.seconds, total)
            c.log(f"built {name} in {t.seconds:.1f} s")
        with c.Timer() as t:
            cursor.execute("VACUUM ANALYZE documents_chunk")
        timings["VACUUM ANALYZE"] = (t.seconds, total)
    return measured, sizes, timings, space, texts


# --- Running queries ----------------------------------------------------------------------


def vector_literal(vector) -> str:
    return "[" + ",".join(f"{v:.7g}" for v in vector) + "]"


def run_vector_sql(bot, literal, model, *, exact=False):
    """documents.search's vector-mode statement, as retrieve() sends it (or exact, for recall)."""
    from django.db import connection, transaction

    from documents.search import _statement

    params = {"bot": bot.pk, "query": "", "language": bot.language, "k": K, "candidates": max(40, 4 * K), "scored": KEYWORD_SCORED_ROWS, "small_bot": 5000,
              "model": model, "vector": literal}
    if not exact:  # exactly what retrieve() sends: one statement, hnsw settings per connection
        with connection.cursor() as cursor:
            cursor.execute(_statement("vector", ""), params)
            return [row[0] for row in cursor.fetchall()]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(_statement("vector", ""), params)
        return [row[0] for row in cursor.fetchall()]


def run_exact_retrieve(bot, query, mode):
    """retrieve()'s statement for `mode`, with index scans (so HNSW) off: the exact answer."""
    from django.db import connection, transaction

    from documents.search import _statement
    from kaiu.ai.embeddings import embedder_for

    embedder = embedder_for(bot)
    [vector] = embedder.embed([query])
    params = {"bot": bot.pk, "query": query, "language": bot.language, "k": K, "candidates": max(40, 4 * K), "scored": KEYWORD_SCORED_ROWS, "small_bot": 5000,
              "model": embedder.model_name, "vector": vector_literal(vector)}
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(_statement(mode, query), params)
        return [row[0] for row in cursor.fetchall()]


def explain(sql_setup, statement, params):
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        for line in sql_setup:
            cursor.execute(line)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + statement, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    return re.sub(r"'\[[-0-9.e,]+\]'::vector", "'[...768 floats...]'::vector", plan)


def measure_vector_sql(info, space, n_queries, warmup, rng):
    """Synthetic bot: query vectors from the bot's own distribution."""
    bot = info["bot"]

    def query():
        doc_center = info["doc_centers"][int(rng.integers(len(info["doc_centers"])))]
        return vector_literal(space.chunks(info["topic"], doc_center, 1)[0])

    for _ in range(warmup):
        run_vector_sql(bot, query(), SYNTHETIC)
    latencies, recalls, server, slowest = [], [], [], (0, None)
    for _ in range(n_queries):
        literal = query()
        started = time.perf_counter()
        got = run_vector_sql(bot, literal, SYNTHETIC)
        ms = (time.perf_counter() - started) * 1000
        latencies.append(ms)
        slowest = max(slowest, (ms, literal), key=lambda x: x[0])
        server.append(server_ms(*vector_statement(bot, literal, SYNTHETIC)))
        exact = run_vector_sql(bot, literal, SYNTHETIC, exact=True)
        recalls.append(len(set(got) & set(exact)) / max(1, len(exact)))
    return {"ms": latencies, "recall": recalls, "server": server, "slowest": slowest}


def measure_retrieve(info, texts, mode, n_queries, warmup, *, with_recall):
    from documents.search import retrieve

    bot = info["bot"]
    pick = random.Random(f"{mode}-{len(info['texts'])}")

    def question():
        return texts.question(info["texts"][pick.randrange(len(info["texts"]))])

    for _ in range(warmup):
        retrieve(bot, question(), k=K, mode=mode, record=False)
    latencies, search_ms, recalls, hits, server, slowest = [], [], [], [], [], (0, None)
    for _ in range(n_queries):
        q = question()
        started = time.perf_counter()
        result = retrieve(bot, q, k=K, mode=mode, record=False)
        ms = (time.perf_counter() - started) * 1000
        latencies.append(ms)
        search_ms.append(result.search_ms)
        hits.append(len(result.hits))
        slowest = max(slowest, (ms, q), key=lambda x: x[0])
        server.append(server_ms(*retrieve_statement(bot, q, mode)))
        if with_recall:
            exact = run_exact_retrieve(bot, q, mode)
            recalls.append(len({h.chunk_id for h in result.hits} & set(exact)) / max(1, len(exact)))
    return {"ms": latencies, "search_ms": search_ms, "recall": recalls, "hits": hits, "server": server,
            "slowest": slowest}


def retrieve_statement(bot, query, mode):
    """What retrieve() sends for `query`: (SET LOCAL lines, statement, params)."""
    from documents.search import _statement
    from kaiu.ai.embeddings import embedder_for

    params = {"bot": bot.pk, "query": query, "language": bot.language, "k": K, "candidates": max(40, 4 * K), "scored": KEYWORD_SCORED_ROWS, "small_bot": 5000,
              "model": "", "vector": None}
    setup = []
    if mode != "keyword":
        embedder = embedder_for(bot)
        params["model"] = embedder.model_name
        params["vector"] = vector_literal(embedder.embed([query])[0])
    return setup, _statement(mode, query, exact=params["model"] == "kaiu-hashing-v1"), params


def vector_statement(bot, literal, model):
    from documents.search import _statement

    params = {"bot": bot.pk, "query": "", "language": bot.language, "k": K, "candidates": max(40, 4 * K), "scored": KEYWORD_SCORED_ROWS, "small_bot": 5000,
              "model": model, "vector": literal}
    return ([], _statement("vector", ""), params)


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
    from bots.models import Bot

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
                     f"{f(r['server'], 50)} / {f(r['server'], 95)}", f"{recall:.3f}", f"{min(r['recall']):.1f}", "p95<=3, R>=0.98: " + ("MET" if met else "MISSED")])
        if args.explain or not met:
            explains.append((f"vector (SQL) synthetic bot of {size:,} chunks, slowest query {r['slowest'][0]:.2f} ms",
                             explain(*vector_statement(info["bot"], r["slowest"][1], SYNTHETIC))))

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
                         target])
            if args.explain or not met:
                title = f"{mode} (retrieve) bot of {size:,} chunks, slowest query {r['slowest'][0]:.2f} ms: {r['slowest'][1]!r}"
                explains.append((title, explain(*retrieve_statement(info["bot"], r["slowest"][1], mode))))

    c.print_table("Building the table", ["step", "seconds", "rows/s"],
                  [[name, f"{s:.1f}", f"{n / s:,.0f}"] for name, (s, n) in timings.items()])
    print(f"  {c.table_size()}")
    c.print_table(
        f"Retrieval, k={K}, {args.queries} timed queries per row after {args.warmup} warm-up "
        "(ms; p50/p95/p99 = client wall time of the call; search = retrieve()'s search_ms; "
        "server = planning + execution reported by EXPLAIN ANALYZE, TIMING OFF, same query re-run)",
        ["mode", "vectors", "bot chunks", "p50", "p95", "p99", "search p50/p95", "server p50/p95", "recall@10",
         "min R", "target"],
        rows)
    for title, plan in explains:
        print(f"\nEXPLAIN ANALYZE: {title}\n{plan}")
    print(f"\nTotal benchmark time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
