"""Chat benchmark: answers per second and latency through gunicorn, with the built-in providers.

Run from the repository root (numpy is needed to build the data):

    .venv/bin/pip install -r benchmarks/requirements.txt
    .venv/bin/python benchmarks/chat.py                  # ~4 minutes on 2 cores
    .venv/bin/python benchmarks/chat.py --chunks 2000    # quick run

A throwaway embedded PostgreSQL gets one bot with 20,000 chunks (Spanish-ish texts, their
real built-in embeddings, loaded with COPY and indexed as the pipeline would), then
gunicorn with the project's gunicorn.conf.py serves it on loopback. Clients (threads with
keep-alive connections) POST questions to the public chat endpoint, /c/<bot>/messages/,
exactly as the chat page does, and read the whole Server-Sent Events answer: origin
check, rate limits, conversation, retrieval (hybrid), the extractive answer, the stored
messages and query log, and the stream. Every question is new (3-5 words of a random
chunk), so no answer comes from the cache. The load generator shares the 2 cores with the
server, as it would on a small machine.

Printed per concurrency (1, 8, 32 clients): answers/s, p50/p95/p99 latency, where the
server's time went according to the QueryLog rows (embedding + retrieval vs the rest), the
CPU cores gunicorn, PostgreSQL and the clients used (from /proc), and the CPU milliseconds
gunicorn and PostgreSQL spent per answer.
Target on 2 cores: >= 150 answers/s at p95 <= 100 ms with 8 clients.

Then the CPU an answer takes is set against what that target allows (cores / 150 answers/s,
clients included), beside a floor, GET /healthz through the same gunicorn (the middleware
and two small queries), and the hybrid search alone, run in this process.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

HASHING = "kaiu-hashing-v1"
TARGET_CLIENTS, TARGET_ANSWERS_PER_SECOND, TARGET_P95_MS = 8, 150, 100
SEARCH_SAMPLE = 300  # questions for the in-process search measurement (after 30 to warm up)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--chunks", type=int, default=20_000, help="chunks of the bot")
    parser.add_argument("--clients", default="1,8,32", help="concurrency levels")
    parser.add_argument("--seconds", type=float, default=20, help="measured seconds per level")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", 8)))
    parser.add_argument("--slow-streams", type=int, default=6,
                        help="answers held open by a slow model during the serving check (0: skip it)")
    parser.add_argument("--stream-seconds", type=float, default=4.0, help="how long the slow model takes")
    return parser.parse_args()


def build(chunks: int):
    from django.db import connection
    from psycopg.types.json import Jsonb
    from retrieval import hashing_embeddings

    from documents.ingest import COPY_COLUMNS, COPY_TYPES

    texts = c.TextMaker()
    [tenant] = c.make_tenants(1, "Chat")
    [bot] = c.make_bots([tenant], 1, prefix="chat")
    counts = []
    while sum(counts) < chunks:
        counts.append(200)
    counts[-1] -= sum(counts) - chunks
    documents = c.make_documents(bot, len(counts))
    domain = texts.domain_words()
    bodies = [texts.texts(n, domain) for n in counts]
    flat = [t for body in bodies for t in body]
    with c.Timer() as t:
        vectors = hashing_embeddings(flat)
    c.log(f"built-in embeddings of {len(flat):,} chunks in {t.seconds:.1f} s")
    definitions = c.index_definitions(["chunk_embedding_hnsw"])  # loaded as a bulk re-index does
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX chunk_embedding_hnsw")
    raw = c.raw_connection()
    position = 0
    with raw.cursor() as cursor, cursor.copy(
            f"COPY documents_chunk ({', '.join(COPY_COLUMNS)}) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(list(COPY_TYPES))
        for document, body in zip(documents, bodies, strict=True):
            for index, text in enumerate(body):
                copy.write_row((bot.pk, document.pk, index, text, c.sha(text), "es", vectors[position], HASHING,
                                Jsonb({"page": 1 + index // 3}), len(text) // 4, True))
                position += 1
    raw.commit()
    raw.close()
    with connection.cursor() as cursor:
        cursor.execute(definitions["chunk_embedding_hnsw"])
        cursor.execute("VACUUM ANALYZE documents_chunk")
    bot.refresh_from_db()
    c.log(f"bot {bot.public_id}: {chunks:,} chunks loaded")
    return bot, flat, texts


def args_dimensions() -> int:
    from django.conf import settings

    return settings.EMBEDDING_DIMENSIONS


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(args, port: int, worker_class: str = "gthread", threads: int | None = None) -> subprocess.Popen:
    from django.db import connection

    params = connection.get_connection_params()
    url = f"postgres://postgres@{quote(params['host'], safe='')}:{params['port']}/{params['dbname']}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(40),
           "KAIU_IGNORE_DOTENV": "true", "GUNICORN_BIND": f"127.0.0.1:{port}",
           "WEB_CONCURRENCY": str(args.workers), "GUNICORN_THREADS": str(threads or args.threads),
           "GUNICORN_WORKER_CLASS": worker_class, "ALLOW_PRIVATE_PROVIDER_HOSTS": "true",
           "RATE_LIMIT_PER_IP_PER_MINUTE": "100000000", "RATE_LIMIT_PER_CONVERSATION_PER_MINUTE": "100000000",
           "GUNICORN_ACCESSLOG": "", "ALLOWED_HOSTS": "127.0.0.1"}
    from django.conf import settings

    env["FIELD_ENCRYPTION_KEY"] = settings.FIELD_ENCRYPTION_KEY  # the slow tenant's key was encrypted with it
    env.pop("DJANGO_SETTINGS_MODULE", None)
    log = open(Path(os.environ["EMBEDDED_DB_DIR"]).parent / f"gunicorn-{port}.log", "w+b")  # noqa: SIM115 (the server's, kept open)
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
         "kaiu.wsgi:application"], env=env, cwd=c.REPO, stdout=log, stderr=log, start_new_session=True)
    process.log = log
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status in (200, 503):
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    log.seek(0)
    raise SystemExit("gunicorn did not start: " + log.read().decode()[-2000:])


def stop_gunicorn(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def unique_questions(texts, maker, count: int) -> list[str]:
    """`count` questions that differ once normalised as the response cache does, so none is
    answered from the cache."""
    from chat.response_cache import normalize_question

    rng, seen, questions = random.Random(7), set(), []
    for _ in range(50 * count):
        if len(questions) == count:
            break
        question = maker.question(texts[rng.randrange(len(texts))])
        key = normalize_question(question)
        if key not in seen:
            seen.add(key)
            questions.append(question)
    c.log(f"{len(questions):,} distinct questions")
    return questions


def chat_sender(port: int, path: str, questions):
    """A `send` for client_loop: POST the next new question to the public chat endpoint and
    read the whole Server-Sent Events answer, as the chat page does. `questions` is an
    iterator shared by every client of every level: no question twice."""
    headers = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}

    def send(conn) -> str | None:
        conn.request("POST", path, json.dumps({"message": next(questions)}), headers)
        response = conn.getresponse()
        payload = response.read()
        if response.status != 200 or b"event: done" not in payload:
            return f"{response.status} {payload[:200]!r}"
        return None
    return send


def get_health(conn) -> str | None:
    """The floor: /healthz runs the whole middleware stack and two small queries (plus
    Django's connection health check), nothing else."""
    conn.request("GET", "/healthz")
    response = conn.getresponse()
    payload = response.read()
    return None if response.status == 200 else f"{response.status} {payload[:200]!r}"


def client_loop(port, send, stop, results, errors):
    """Repeat `send` (a request on a keep-alive connection; it returns what went wrong, or
    None) until `stop`, appending (end time, ms) for each success."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    while not stop.is_set():
        started = time.perf_counter()
        try:
            problem = send(conn)
        except StopIteration:  # every question has been asked: stop rather than repeat one
            errors.append("out of questions")
            return
        except (OSError, http.client.HTTPException) as error:
            errors.append(repr(error))
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        elapsed = (time.perf_counter() - started) * 1000
        if problem:
            errors.append(problem)
            continue
        results.append((time.perf_counter(), elapsed))


def cpu_seconds(roots: dict[str, int]) -> dict[str, float]:
    """CPU time (user + system) used so far by each named process and its descendants, from
    /proc (Linux): where the machine's cores went during a level."""
    ticks, parents = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except OSError:  # the process ended meanwhile
                continue
            parents[int(entry)] = int(fields[1])
            # Its own time and its ended children's: a database connection that closes (its
            # maximum age) leaves its time to the postmaster, not to nobody.
            ticks[int(entry)] = sum(int(value) for value in fields[11:15])

    def owner(pid):
        while pid > 1:
            for name, root in roots.items():
                if pid == root:
                    return name
            pid = parents.get(pid, 1)
        return None

    totals = dict.fromkeys(roots, 0.0)
    for pid, used in ticks.items():
        if (name := owner(pid)) is not None:
            totals[name] += used / os.sysconf("SC_CLK_TCK")
    return totals


def cpu_roots(server: subprocess.Popen) -> dict[str, int]:
    postmaster = Path(os.environ["EMBEDDED_DB_DIR"], "postmaster.pid").read_text().split()[0]
    return {"gunicorn": server.pid, "postgres": int(postmaster), "clients": os.getpid()}


def load(port, send, clients: int, seconds: float, roots: dict[str, int]) -> dict:
    """`clients` threads with keep-alive connections repeat `send` for a warm-up, then
    `seconds` measured: the latencies of the requests that ended in that window, and the CPU
    cores each process used meanwhile."""
    warmup = min(5.0, seconds / 4)
    stop, results, errors = threading.Event(), [], []
    threads = [threading.Thread(target=client_loop, args=(port, send, stop, results, errors), daemon=True)
               for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    time.sleep(warmup)
    cpu_before = cpu_seconds(roots)
    time.sleep(seconds)
    cpu_used = {name: (used - cpu_before[name]) / seconds for name, used in cpu_seconds(roots).items()}
    stop.set()
    for thread in threads:
        thread.join()
    window = [ms for at, ms in results if at - started >= warmup and at - started <= warmup + seconds]
    return {"clients": clients, "requests": len(window), "rps": len(window) / seconds, "latencies": window,
            "p50": c.percentile(window, 50), "p95": c.percentile(window, 95), "p99": c.percentile(window, 99),
            "errors": len(errors), "first_error": errors[0] if errors else "", "cpu": cpu_used}


def run_level(port, path, questions, clients: int, seconds: float, roots: dict[str, int]):
    from chat.models import QueryLog

    first_log = QueryLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    r = load(port, chat_sender(port, path, questions), clients, seconds, roots)
    logs = list(QueryLog.objects.filter(pk__gt=first_log).values_list("embed_ms", "retrieve_ms", "total_ms", "origin"))
    server_total = sum(row[2] for row in logs) or 1
    retrieval = sum(row[0] + row[1] for row in logs)
    return {
        **r, "retrieval_share": retrieval / server_total, "server_ms": server_total / max(1, len(logs)),
        "retrieval_ms": retrieval / max(1, len(logs)), "client_ms": c.mean(r["latencies"]) if r["requests"] else 0,
        "cached": sum(1 for row in logs if row[3] == "cache"),
    }


def search_cpu(bot, questions: list[str]) -> dict:
    """CPU of the search alone, in this process: retrieve() as the chat runs it (hybrid,
    built-in embedder), Python here and PostgreSQL in this connection's backend. Reported
    under the column names of the server's processes: Python under "gunicorn"."""
    from django.db import connection

    from bots.models import Bot
    from documents.search import retrieve

    bot = Bot.objects.get(pk=bot.pk)  # as the chat loads it: the knowledge version of the loaded chunks
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [backend] = cursor.fetchone()

    def backend_seconds():
        with open(f"/proc/{backend}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")

    warmup, measured = questions[:30], questions[30:]
    for question in warmup:  # prepared statements and the bot's profile, as a warm server has them
        retrieve(bot, question, record=False)
    python, postgres = time.process_time(), backend_seconds()
    for question in measured:
        retrieve(bot, question, record=False)
    return {"gunicorn": (time.process_time() - python) / len(measured),
            "postgres": (backend_seconds() - postgres) / len(measured), "clients": 0.0}


def slow_bot(chunks: int, base_url: str):
    """A second bot whose tenant's model is a slow local OpenAI-compatible server; keyword
    search and no threshold, so every question waits on that model."""
    from bots.models import Bot
    from kaiu.accounts.services import llm_settings_update

    [tenant] = c.make_tenants(1, "Slow")
    [bot] = c.make_bots([tenant], 1, prefix="slow")
    llm_settings_update(tenant=tenant, provider="OPENAI_COMPATIBLE", base_url=base_url, chat_model="slow-model",
                        embedding_model="text-embedding-3-small", api_key="sk-local")
    Bot.objects.filter(pk=bot.pk).update(
        rag_config={**bot.rag_config, "search_mode": "keyword", "certainty": "lenient"}
    )
    [document] = c.make_documents(bot, 1)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO documents_chunk (bot_id, document_id, index, text, sha256, language, embedding, "
            "embedding_model, metadata, token_count, is_enabled) "
            "SELECT %s, %s, i, 'Enviamos a Cali en 3 a 5 días ' || i, "
            "md5(i::text), 'es', array_fill(0.01, ARRAY[%s])::vector, 'text-embedding-3-small', '{}', 10, true "
            "FROM generate_series(1, 50) i",
            [bot.pk, document.pk, chunks],
        )
    return bot


def serving_check(args, bot_public_id: str, slow_public_id: str) -> list[list]:
    """While `--slow-streams` answers wait on a slow model, how long do other visitors wait
    for the chat page? Measured for gunicorn's sync worker and for gthread."""
    rows = []
    for worker_class, threads in (("sync", 1), ("gthread", args.threads)):
        port = free_port()
        server = start_gunicorn(args, port, worker_class=worker_class, threads=threads)
        held = []
        holders = [threading.Thread(target=_one_chat, args=(port, slow_public_id, held), daemon=True)
                   for _ in range(args.slow_streams)]
        try:
            for holder in holders:
                holder.start()
            time.sleep(0.5)
            waits = []
            for _ in range(10):
                started = time.perf_counter()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", f"/c/{bot_public_id}/")
                conn.getresponse().read()
                waits.append((time.perf_counter() - started) * 1000)
            for holder in holders:
                holder.join()
        finally:
            stop_gunicorn(server)
        rows.append([f"{worker_class} ({args.workers} x {threads})", args.slow_streams,
                     f"{c.percentile(waits, 50):.0f}", f"{max(waits):.0f}",
                     " ".join(f"{status}/{seconds:.1f}s" for status, seconds in sorted(held))])
    return rows


def _one_chat(port: int, public_id: str, held: list) -> None:
    started = time.perf_counter()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    question = f"¿Cuánto tarda el envío? ({secrets.token_hex(4)})"  # never the same question: no cache hit
    conn.request("POST", f"/c/{public_id}/messages/", json.dumps({"message": question}),
                 {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"})
    response = conn.getresponse()
    body = response.read()
    status = response.status if b"Enviamos a Cali" in body else f"{response.status}!"
    held.append((str(status), time.perf_counter() - started))


def print_results(args, rows) -> None:
    c.print_table(
        f"Chat through gunicorn ({args.workers} workers x {args.threads} threads), bot of {args.chunks:,} chunks, "
        f"built-in embedder and extractive model, hybrid retrieval; {args.seconds:.0f} s per level "
        "(ms; server = reply() total from QueryLog; retrieval = embed + search; outside = client mean - server mean: "
        "HTTP, Django, writes before the reply, SSE; cores = CPU used by gunicorn / PostgreSQL / the clients, "
        f"of the machine's {os.cpu_count()}; CPU/answer = ms of CPU gunicorn / PostgreSQL spent per answer, "
        "the figure that compares code across machines of different speed)",
        ["clients", "answers/s", "p50", "p95", "p99", "server", "retrieval", "retrieval share", "outside",
         "cores", "CPU/answer", "cached", "errors"], rows)
    target = next((r for r in rows if r[0] == TARGET_CLIENTS), None)
    if target:
        met = float(target[1]) >= TARGET_ANSWERS_PER_SECOND and float(target[3]) <= TARGET_P95_MS
        print(f"\nTarget ({TARGET_CLIENTS} clients: >= {TARGET_ANSWERS_PER_SECOND} answers/s at p95 <= "
              f"{TARGET_P95_MS} ms): {'MET' if met else 'MISSED'}")


def print_budget(chat: dict | None, floor: dict, search: dict) -> None:
    """Where the CPU of an answer goes, against what the target allows: with every core busy,
    TARGET_ANSWERS_PER_SECOND answers/s leave cores / that many seconds of CPU for each,
    clients included."""
    budget = 1000 * os.cpu_count() / TARGET_ANSWERS_PER_SECOND
    rows = []

    def row(label, cpu_per_request, errors=0):
        ms = {name: 1000 * seconds for name, seconds in cpu_per_request.items()}
        rows.append([label, f"{ms['gunicorn']:.1f}", f"{ms['postgres']:.1f}", f"{ms['clients']:.1f}",
                     f"{sum(ms.values()):.1f}", f"{100 * sum(ms.values()) / budget:.0f}%", errors])

    def per_request(level: dict) -> dict:
        return {name: cores / level["rps"] for name, cores in level["cpu"].items()}

    if chat and chat["rps"]:
        row(f"a chat answer, {chat['clients']} clients ({chat['rps']:.0f}/s)", per_request(chat), chat["errors"])
    if floor["rps"]:
        row(f"floor: GET /healthz, {floor['clients']} clients ({floor['rps']:.0f}/s)", per_request(floor),
            floor["errors"])
    if floor["first_error"]:
        print("  floor, first error:", floor["first_error"])
    row("the search alone: retrieve(), in-process", search)
    c.print_table(
        f"CPU per request (ms) against the target's budget: {os.cpu_count()} cores / "
        f"{TARGET_ANSWERS_PER_SECOND} answers/s = {budget:.1f} ms, clients included. The floor is Django's "
        "middleware and two small queries (plus the connection health check) through the same gunicorn; "
        "the search is the hybrid retrieve() an answer runs (in-process: its Python in the gunicorn column)",
        ["request", "gunicorn", "PostgreSQL", "clients", "total", "of budget", "errors"], rows)


def main():
    args = parse_args()
    started = time.perf_counter()
    c.bootstrap("chat")
    print("KAIU chat benchmark")
    c.print_versions()
    bot, texts_, maker = build(args.chunks)
    # Enough for every level at 250 answers/s, and the search measurement's own; next() on a
    # shared iterator is atomic in CPython.
    for_levels = int(250 * (args.seconds + 5) * len(args.clients.split(",")))
    pool = unique_questions(texts_, maker, 30 + SEARCH_SAMPLE + for_levels)
    search_questions, questions = pool[:30 + SEARCH_SAMPLE], iter(pool[30 + SEARCH_SAMPLE:])
    port = free_port()
    server = start_gunicorn(args, port)
    c.log(f"gunicorn on 127.0.0.1:{port}: {args.workers} workers x {args.threads} threads (gthread)")
    rows, chat_at_target = [], None
    try:
        for clients in [int(x) for x in args.clients.split(",")]:
            c.log(f"{clients} clients for {args.seconds:.0f} s")
            r = run_level(port, f"/c/{bot.public_id}/messages/", questions, clients, args.seconds, cpu_roots(server))
            cpu = r["cpu"]
            rows.append([r["clients"], f"{r['rps']:.1f}", f"{r['p50']:.1f}", f"{r['p95']:.1f}", f"{r['p99']:.1f}",
                         f"{r['server_ms']:.1f}", f"{r['retrieval_ms']:.1f}", f"{100 * r['retrieval_share']:.0f}%",
                         f"{r['client_ms'] - r['server_ms']:.1f}",
                         f"{cpu['gunicorn']:.2f} / {cpu['postgres']:.2f} / {cpu['clients']:.2f}",
                         f"{1000 * cpu['gunicorn'] / r['rps']:.1f} / {1000 * cpu['postgres'] / r['rps']:.1f}"
                         if r["rps"] else "-",
                         r["cached"], r["errors"]])
            if r["first_error"]:
                print("  first error:", r["first_error"])
            if clients == TARGET_CLIENTS:
                chat_at_target = r
        c.log(f"floor: GET /healthz, {TARGET_CLIENTS} clients")
        floor = load(port, get_health, TARGET_CLIENTS, args.seconds, cpu_roots(server))
    finally:
        stop_gunicorn(server)
    print_results(args, rows)
    print_budget(chat_at_target, floor, search_cpu(bot, search_questions))
    if args.slow_streams:
        sys.path.insert(0, str(c.REPO))
        from tests.fakes.openai_server import FakeOpenAI, chat_handler

        with FakeOpenAI() as fake:
            fake.routes[("POST", "/v1/chat/completions")] = chat_handler(delay=args.stream_seconds)
            slow = slow_bot(args_dimensions(), fake.base_url)
            c.log(f"serving check: {args.slow_streams} answers held {args.stream_seconds:.0f} s by a slow model")
            serving = serving_check(args, bot.public_id, slow.public_id)
        c.print_table(
            f"Other visitors while {args.slow_streams} answers wait {args.stream_seconds:.0f} s on the model: "
            "time to load the chat page (ms, 10 loads)",
            ["gunicorn", "slow answers", "p50", "max", "slow answers took"],
            serving,
        )
    print(f"Total benchmark time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
