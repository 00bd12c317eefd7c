"""Analytics benchmark: render time of a tenant's analytics page and of its knowledge-gaps page
with 100,000 and then 1,000,000 QueryLog rows across 50 tenants.

Run from the repository root:

    .venv/bin/python benchmarks/analytics.py                # ~3 min: loads 1M rows
    .venv/bin/python benchmarks/analytics.py --rows 200000  # quicker

A throwaway embedded PostgreSQL gets 50 tenants with one bot and 20 documents each, a
conversation per four questions, and QueryLog rows spread over the last 120 days, written by
INSERT ... SELECT over generate_series (no Python per row): 70 % answered by the model,
8 % from the cache, 5 % curated, 3 % by the built-in model after a provider pause, 12 %
unanswered (phrasings of 60 topics, so the gaps page has real groups), 2 % provider errors;
and the documents' retrievals per day. Pages are fetched with Django's test client as the
tenant's owner (the whole request: middleware, queries, template), 15 times after 3 warm-ups;
the median is printed, with the statement count. After each load every tenant's daily rollup
(chat.rollup) is built again, and its build time printed. Target: <= 300 ms each, and < 2x from
100,000 to 1,000,000 rows.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _common as c

TENANTS, DAYS_SPAN, QUESTIONS_PER_CONVERSATION = 50, 120, 4
TARGET_MS = 300

# Unanswered questions: topic x phrasing; the answered ones reuse the knowledge-base topics.
GAP_TOPICS = [f"{thing} {place}" for thing in ("envíos a", "tienda física en", "recogida en", "devoluciones en",
                                                 "garantía en", "pago contra entrega en")
              for place in ("Leticia", "Cartagena", "Pasto", "Tunja", "Yopal", "Quibdó", "Arauca", "Mocoa",
                            "Riohacha", "Inírida")]
PHRASINGS = ["¿Hacen {t}?", "hacen {t}", "¿Tienen {t}?", "Hola, ¿hay {t}?", "¿Me pueden decir si hay {t}?",
             "{t}??", "Buenas tardes, ¿hacen {t}?", "Quiero saber si tienen {t}"]
ANSWERED = ["¿Cuánto tarda el envío a Bogotá?", "¿Aceptan Nequi?", "¿Cómo devuelvo un producto?",
            "¿Qué aceites esenciales tienen?", "¿Cuál es el horario?", "¿Puedo pagar con tarjeta?",
            "¿El envío es gratis?", "¿Tienen lavanda?"]
ERRORS = ["The provider rejected the API key (401). Check that the key is correct and active.",
          "The provider did not answer in time. Try again, or check the base URL.",
          "The provider is rate-limiting this key (429) or its quota is used up."]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--first", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    return parser.parse_args()


def _insert_select(model, overrides: dict[str, str], source: str, params: list) -> int:
    """INSERT INTO model's table SELECT the override expressions (SQL over `source`) and every
    other column's Python default, so the script follows the model as it grows."""
    from django.db import connection

    columns, values, defaults = [], [], []
    for field in model._meta.concrete_fields:
        if field.db_returning:  # the serial id
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            values.append(overrides[field.column].replace("%", "%%"))  # no placeholders in them
        else:
            values.append("%s")
            defaults.append(field.get_db_prep_save(field.get_default(), connection))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*defaults, *params])
        return cursor.rowcount


def build():
    from django.db import connection

    tenants = c.make_tenants(TENANTS, "Analytics")
    bots = c.make_bots(tenants, TENANTS)
    for bot in bots:
        c.make_documents(bot, 20)
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_bot AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id, tenant_id "
                       "FROM bots_bot")
    return tenants, bots


def load(first: int, last: int) -> None:
    """QueryLog rows first..last-1 and their conversations (one per four rows)."""
    from chat.models import Conversation, QueryLog

    conv_first, conv_last = first // QUESTIONS_PER_CONVERSATION, -(-last // QUESTIONS_PER_CONVERSATION)
    _insert_select(Conversation, {
        "id": "gen_random_uuid()", "tenant_id": "b.tenant_id", "bot_id": "b.id",
        "channel": "(ARRAY['PAGE','WIDGET','API','PAGE','WIDGET'])[1 + k % 5]", "visitor_id": "'bench-' || k",
        "title": "'bench'", "message_count": "8",
        "handover_reason": "CASE WHEN k % 97 = 0 THEN 'Asked for a person' ELSE '' END",
        "status": "CASE WHEN k % 97 = 0 THEN 'HANDED_OVER' ELSE 'OPEN' END",
        "created_at": f"now() - make_interval(days => k % {DAYS_SPAN}, secs => (k::bigint * 7919) % 86000)",
        "updated_at": f"now() - make_interval(days => k % {DAYS_SPAN}, secs => (k::bigint * 7919) % 86000)",
    }, f"FROM generate_series(%s::int, %s::int) k JOIN bench_bot b ON b.n = k %% {TENANTS}",
        [conv_first, conv_last - 1])
    from django.db import connection

    gap_questions = [p.format(t=t) for t in GAP_TOPICS for p in PHRASINGS]
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_text")
        cursor.execute("CREATE TABLE bench_text AS SELECT %s::text[] AS gaps, %s::text[] AS answered, "
                       "%s::text[] AS errors", [gap_questions, ANSWERED, ERRORS])
    # A fixed pseudo-random 0-99 per row, independent of its tenant (g / 4 % 50): a product
    # with g alone would give some tenants no unanswered question at all.
    roll = "((hashint4(g)::bigint + 2147483648) % 100)"
    _insert_select(QueryLog, {
        "tenant_id": "cv.tenant_id", "bot_id": "cv.bot_id", "conversation_id": "cv.id", "message_id": "NULL",
        "channel": "cv.channel",
        "origin": f"CASE WHEN {roll} < 70 THEN 'model' WHEN {roll} < 78 THEN 'cache' WHEN {roll} < 83 THEN 'curated' "
                  f"WHEN {roll} < 86 THEN 'fallback' WHEN {roll} < 98 THEN 'unknown' ELSE 'error' END",
        "answered": f"{roll} < 86",
        "question": f"CASE WHEN {roll} BETWEEN 86 AND 97 "
                    f"THEN t.gaps[1 + (hashint4(g + 1)::bigint + 2147483648) % {len(gap_questions)}] "
                    f"ELSE t.answered[1 + g % {len(ANSWERED)}] END",
        "top_score": f"CASE WHEN {roll} < 86 THEN 0.35 + (g % 60) / 100.0 ELSE (g % 30) / 100.0 END",
        "embed_ms": "5 + g % 20", "retrieve_ms": "8 + g % 30",
        "llm_ms": f"CASE WHEN {roll} < 70 THEN 400 + g % 900 ELSE 0 END",
        "total_ms": f"20 + g % 50 + CASE WHEN {roll} < 70 THEN 400 + g % 900 ELSE 0 END",
        "tokens_in": f"CASE WHEN {roll} < 70 THEN 800 + g % 700 ELSE 0 END",
        "tokens_out": f"CASE WHEN {roll} < 70 THEN 100 + g % 200 ELSE 0 END",
        "model": f"CASE WHEN {roll} < 78 THEN 'gpt-4o-mini' WHEN {roll} < 83 THEN 'curated' "
                 f"ELSE 'kaiu-extractive-v1' END",
        "error": f"CASE WHEN {roll} >= 98 THEN t.errors[1 + g % 3] ELSE '' END",
        "reason": f"CASE WHEN {roll} BETWEEN 86 AND 97 THEN 'not found' ELSE '' END",
        "created_at": "cv.created_at + make_interval(mins => g % 4)",
    }, "FROM generate_series(%s::int, %s::int) g "
       "JOIN chat_conversation cv ON cv.visitor_id = 'bench-' || (g / 4), bench_text t",
        [first, last - 1])


def load_retrievals() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE documents_retrievalday")
        cursor.execute(f"""INSERT INTO documents_retrievalday (document_id, day, count)
                           SELECT d.id, current_date - day, 1 + (abs(hashtext(d.id::text)) + day) % 40
                           FROM documents_document d, generate_series(0, {DAYS_SPAN}) day
                           WHERE abs(hashtext(d.id::text)) % 4 <> 0""")  # a quarter never retrieved
        cursor.execute("VACUUM ANALYZE chat_querylog")
        cursor.execute("VACUUM ANALYZE chat_conversation")
        cursor.execute("VACUUM ANALYZE documents_retrievalday")


def measure(tenant, runs: int) -> list[list]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # No collectstatic here: plain static URLs, as the tests have (kaiu/settings_test.py).
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    client = Client()
    client.force_login(tenant.memberships.get(role="OWNER").user)
    rows = []
    for name, url in [("analytics, 30 days", "/app/analytics/"), ("analytics, 90 days", "/app/analytics/?range=90"),
                      ("gaps, 30 days", "/app/analytics/gaps/"), ("gaps, 90 days", "/app/analytics/gaps/?range=90")]:
        for _ in range(3):
            assert client.get(url).status_code == 200
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        assert response.status_code == 200
        rows.append([name, statistics.median(times), max(times), len(queries.captured_queries)])
    # The SQL part alone (the service functions the views call), to tell it from rendering.
    from chat.analytics import figures_for, period_for
    from chat.gaps import gap_list

    for name, work in [("  of which figures_for, 90 days", lambda: figures_for(tenant, period_for(tenant, days=90))),
                       ("  of which gap_list, 90 days", lambda: gap_list(tenant, period_for(tenant, days=90)))]:
        times = []
        for _ in range(runs):
            started = time.perf_counter()
            work()
            times.append((time.perf_counter() - started) * 1000)
        rows.append([name, statistics.median(times), max(times), "-"])
    return rows


def rollup_build(tenants) -> int:
    from django.db import connection

    from chat.rollup import analytics_rollup

    days = sum(analytics_rollup(tenant, rebuild=True) for tenant in tenants)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE chat_analyticsday")
        cursor.execute("VACUUM ANALYZE chat_analyticslatencyday")
    return days


def rollup_check(tenant) -> str:
    """The tenant's 90 days from the rollup against the same figures from the raw rows alone."""
    from chat.analytics import figures_for, period_for
    from chat.models import AnalyticsRollup

    period = period_for(tenant, days=90)
    rolled = figures_for(tenant, period)
    state = AnalyticsRollup.objects.filter(tenant=tenant)
    zone = state.get().time_zone
    state.update(time_zone="")  # not rolled up in this zone: the pages read raw rows
    raw = figures_for(tenant, period)
    state.update(time_zone=zone)
    same = {k: v for k, v in vars(rolled).items() if k != "latency"} == {
        k: v for k, v in vars(raw).items() if k != "latency"}
    worst = max(abs(rolled.latency[p][part] - exact) / (exact + 1)
                for p in raw.latency for part, exact in raw.latency[p].items())
    return (f"rollup vs raw figures, 90 days: counts {'identical' if same else 'DIFFERENT'}, "
            f"percentiles within {100 * worst:.1f} % (of time + 1 ms)")


def tenant_rows(tenant) -> int:
    from chat.models import QueryLog

    return QueryLog.objects.filter(tenant=tenant).count()


def main():
    args = parse_args()
    started = time.perf_counter()
    c.bootstrap("analytics")
    print("KAIU analytics benchmark")
    c.print_versions()
    tenants, _ = build()
    tenant = tenants[7]
    results, rollups, checks = {}, {}, {}
    for upto, since in [(args.first, 0), (args.rows, args.first)]:
        c.log(f"loading QueryLog rows {since:,}..{upto:,}")
        with c.Timer() as load_time:
            load(since, upto)
            load_retrievals()
        c.log(f"loaded in {load_time.seconds:.1f} s; tenant has {tenant_rows(tenant):,} rows")
        # The rows are written into past days, so every tenant's rollup is rebuilt (as
        # `manage.py analytics_rollup` does), not just its last day as the hourly task would.
        with c.Timer() as rollup_time:
            rolled = rollup_build(tenants)
        rollups[upto] = rollup_time.seconds
        c.log(f"rollup of {rolled:,} tenant days built in {rollup_time.seconds:.1f} s")
        results[upto] = measure(tenant, args.runs)
        checks[upto] = rollup_check(tenant)
    rows = []
    for (name, small, small_max, queries), (_, large, large_max, _) in zip(results[args.first], results[args.rows],
                                                                           strict=True):
        growth = large / small
        ok = ("yes" if large <= TARGET_MS and growth < 2 else "NO") if not name.startswith(" ") else ""
        rows.append([name, queries, f"{small:.1f} (max {small_max:.0f})", f"{large:.1f} (max {large_max:.0f})",
                     f"{growth:.2f}x", ok])
    c.print_table(f"Render time, median of {args.runs} (ms), one tenant of {TENANTS}",
                  ["page", "SQL statements", f"{args.first:,} rows", f"{args.rows:,} rows", "growth",
                   f"<= {TARGET_MS} ms and < 2x"], rows)
    for upto, seconds in rollups.items():
        print(f"Rollup build (every tenant's days again) at {upto:,} rows: {seconds:.1f} s; {checks[upto]}")
    print(f"\nTotal run time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
