"""The daily analytics rollup: QueryLog summed per tenant, bot, day in the tenant's time zone,
channel and model (AnalyticsDay), with answer-time histograms per tenant, bot and day
(AnalyticsLatencyDay), so the analytics pages read a few rows per day whatever the volume.

The worker rolls up each tenant's whole days before its today every hour
(`analytics_rollup_all`, scheduled in kaiu.platform.tasks), re-rolling the last day it rolled
so an answer finished just after midnight still counts. Pages read the rollup for days before
`AnalyticsRollup.rolled_until` and the raw rows for the rest (today, and anything not rolled
up), with the same SQL (`GROUPED_SQL`), so both halves count alike.

Days are keyed by the tenant's local day, not by UTC hour: 24 times fewer rows, and zones a
half or quarter hour off UTC (India, Nepal) would not fall on UTC hours anyway. When a tenant
changes its time zone the pages read raw rows until the next run rebuilds that tenant's rows
(the state remembers the zone it was built in).

Percentiles from the histograms: buckets grow by 2^(1/6) (PER_DOUBLING), so a bucket's
geometric middle is within 6 % of any time in it (of time + 1 ms; 0.15 ms under 0.15 ms). A range
with no rolled-up day keeps the exact percentiles (percentile_cont over its rows).
"""

from __future__ import annotations

import math
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

PER_DOUBLING = 6  # buckets per doubling of (time + 1 ms): 2^(1/6) = 1.12 wide, ±6 % at the middle
BUCKETS = 120  # per part: up to 2^20 ms (17 minutes); longer times fall in the last bucket
PARTS = ("total", "embed", "retrieve", "llm", "other")
PART_SQL = ("q.total_ms", "q.embed_ms", "q.retrieve_ms", "q.llm_ms",
            "greatest(q.total_ms - q.embed_ms - q.retrieve_ms - q.llm_ms, 0)")
LOW_CONFIDENCE = 0.3  # an answer whose passages scored below this is a likely gap (chat.selectors.LOW_SCORE)


def bucket_sql(column: str) -> str:
    return f"least({BUCKETS - 1}, floor(ln(1 + greatest({column}, 0)) * {PER_DOUBLING} / ln(2)))::int"


def bucket_middle(bucket: int) -> float:
    """The time a bucket stands for: its geometric middle (bucket 0 holds times of 0.12 ms or less: 0)."""
    return 0.0 if bucket == 0 else 2 ** ((bucket + 0.5) / PER_DOUBLING) - 1


# QueryLog rows matching {where} (over `q`) grouped as AnalyticsDay rows. Each conversation
# is counted once a day, on its first question's channel and model, under the previous day it
# asked on ({lookup} finds it before the rows read: empty when nothing earlier can matter).
GROUPED_SQL = """
    WITH q AS MATERIALIZED (
        SELECT q.bot_id, q.channel, q.model, q.conversation_id, q.created_at, q.origin, q.answered, q.top_score,
               q.tokens_in, q.tokens_out, q.error, (q.created_at AT TIME ZONE %(zone)s)::date AS day
        FROM chat_querylog q WHERE {where}),
    cd AS (
        SELECT DISTINCT ON (conversation_id, day) conversation_id, day, bot_id, channel, model
        FROM q WHERE conversation_id IS NOT NULL ORDER BY conversation_id, day, created_at),
    cp AS (
        SELECT day, bot_id, channel, model,
               coalesce(lag(day) OVER (PARTITION BY conversation_id ORDER BY day) {lookup})::text AS prev
        FROM cd),
    conv AS (
        SELECT day, bot_id, channel, model, jsonb_object_agg(coalesce(prev, ''), n) AS conversations
        FROM (SELECT day, bot_id, channel, model, prev, count(*) AS n FROM cp GROUP BY 1, 2, 3, 4, 5) x
        GROUP BY 1, 2, 3, 4),
    err AS (
        SELECT day, bot_id, channel, model, jsonb_object_agg(error, n) AS errors
        FROM (SELECT day, bot_id, channel, model, error, count(*) AS n FROM q WHERE error <> ''
              GROUP BY 1, 2, 3, 4, 5) x
        GROUP BY 1, 2, 3, 4)
    SELECT g.day, g.bot_id, g.channel, g.model, g.questions, g.answered, g.failed, g.cache_hits, g.curated_hits,
           g.low_confidence, g.tokens_in, g.tokens_out, coalesce(conv.conversations, '{}'::jsonb) AS conversations,
           coalesce(err.errors, '{}'::jsonb) AS errors
    FROM (SELECT day, bot_id, channel, model, count(*) AS questions, count(*) FILTER (WHERE answered) AS answered,
                 count(*) FILTER (WHERE origin = 'error') AS failed,
                 count(*) FILTER (WHERE origin = 'cache') AS cache_hits,
                 count(*) FILTER (WHERE origin = 'curated') AS curated_hits,
                 count(*) FILTER (WHERE answered AND origin IN ('model', 'fallback') AND top_score < %(low)s)
                     AS low_confidence,
                 coalesce(sum(tokens_in), 0)::bigint AS tokens_in, coalesce(sum(tokens_out), 0)::bigint AS tokens_out
          FROM q GROUP BY 1, 2, 3, 4) g
    LEFT JOIN conv USING (day, bot_id, channel, model) LEFT JOIN err USING (day, bot_id, channel, model)"""

# The previous day a conversation asked on, before the rows read (from %(lookup_from)s on).
LOOKUP_SQL = """, (SELECT (max(p.created_at) AT TIME ZONE %(zone)s)::date FROM chat_querylog p
                   WHERE p.conversation_id = cd.conversation_id AND p.created_at >= %(lookup_from)s
                     AND p.created_at < %(start)s)"""

RAW_WHERE = "q.tenant_id = %(tenant)s AND q.created_at >= %(start)s AND q.created_at < %(end)s"

# Rows matching {where}: (part * BUCKETS + bucket, count).
LATENCY_SQL = ("SELECT v.part * " + str(BUCKETS) + " + v.bucket AS o, count(*) AS n FROM chat_querylog q "
               "CROSS JOIN LATERAL (VALUES "
               + ", ".join(f"({n}, {bucket_sql(c)})" for n, c in enumerate(PART_SQL))
               + ") v(part, bucket) WHERE {where} GROUP BY 1")


def grouped_sql(where: str, *, lookup: bool) -> str:
    return GROUPED_SQL.replace("{where}", where).replace("{lookup}", LOOKUP_SQL if lookup else "")


def local_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time.min, zoneinfo.ZoneInfo(zone))


def _insert(tenant_id, zone: str, since: date, until: date, *, lookup: bool) -> None:
    """Roll up the tenant's days since..until-1 (their rows must be gone already)."""
    params = {"tenant": tenant_id, "zone": zone, "start": local_midnight(since, zone),
              "end": local_midnight(until, zone), "lookup_from": datetime(1970, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC")),
              "low": LOW_CONFIDENCE}
    columns = ("day, bot_id, channel, model, questions, answered, failed, cache_hits, curated_hits, low_confidence, "
               "tokens_in, tokens_out, conversations, errors")
    latency = (LATENCY_SQL.replace("SELECT v.part", "SELECT q.bot_id, (q.created_at AT TIME ZONE %(zone)s)::date "
                                   "AS day, v.part")
               .replace("GROUP BY 1", "GROUP BY 1, 2, 3").replace("{where}", RAW_WHERE))
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO chat_analyticsday (tenant_id, {columns}) SELECT %(tenant)s, {columns} "
                       f"FROM ({grouped_sql(RAW_WHERE, lookup=lookup)}) g", params)
        cursor.execute(
            f"""WITH c AS ({latency}), k AS (SELECT DISTINCT bot_id, day FROM c)
                INSERT INTO chat_analyticslatencyday (tenant_id, bot_id, day, counts)
                SELECT %(tenant)s, k.bot_id, k.day, array_agg(coalesce(c.n, 0)::int ORDER BY s.o)
                FROM k CROSS JOIN generate_series(0, {len(PARTS) * BUCKETS - 1}) s(o)
                LEFT JOIN c ON c.bot_id = k.bot_id AND c.day = k.day AND c.o = s.o
                GROUP BY k.bot_id, k.day""", params)


def analytics_rollup(tenant, *, rebuild: bool = False, today: date | None = None) -> int:
    """Roll up the tenant's whole days before its today; returns the days written. Idempotent:
    the days it writes are deleted first, in the same transaction, under the tenant's state row
    lock (so two workers never roll up the same tenant at once)."""
    from chat.models import AnalyticsDay, AnalyticsLatencyDay, AnalyticsRollup, QueryLog

    zone = tenant.time_zone or "UTC"
    today = today or timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    with transaction.atomic():
        state, _ = AnalyticsRollup.objects.select_for_update().get_or_create(
            tenant=tenant, defaults={"time_zone": "", "rolled_until": date.min})
        full = rebuild or state.time_zone != zone
        days = AnalyticsDay.objects.filter(tenant=tenant)
        latency = AnalyticsLatencyDay.objects.filter(tenant=tenant)
        if full:  # first run, asked for, or another time zone: every day again
            first = QueryLog.objects.filter(tenant=tenant).aggregate(first=Min("created_at"))["first"]
            since = first.astimezone(zoneinfo.ZoneInfo(zone)).date() if first else today
        else:
            since = min(state.rolled_until - timedelta(days=1), today)
            days, latency = days.filter(day__gte=since), latency.filter(day__gte=since)
        days.delete()
        latency.delete()
        if since < today:
            _insert(tenant.pk, zone, since, today, lookup=not full)
        state.time_zone, state.rolled_until = zone, today
        state.save()
    return max((today - since).days, 0)


def analytics_rollup_all() -> int:
    from kaiu.accounts.models import Tenant

    return sum(analytics_rollup(tenant) for tenant in Tenant.objects.order_by("pk"))


def rolled_until(tenant, zone: str, since: date, until: date) -> date:
    """The first day of since..until read from raw rows: the days before it are rolled up."""
    from chat.models import AnalyticsRollup

    state = AnalyticsRollup.objects.filter(tenant=tenant).values_list("time_zone", "rolled_until").first()
    if state is None or state[0] != zone:
        return since
    return min(max(state[1], since), until + timedelta(days=1))


def percentile(counts: dict[int, int], total: int, p: float) -> float:
    """percentile_cont(p) read from a histogram {bucket: count} of `total` times: each of the two
    ranks it interpolates between stands at its bucket's middle."""
    if not total:
        return 0.0
    rank = p * (total - 1)
    low, high = math.floor(rank), math.ceil(rank)
    values, seen = {}, 0
    for bucket in sorted(counts):
        for k in (low, high):
            if k not in values and k < seen + counts[bucket]:
                values[k] = bucket_middle(bucket)
        seen += counts[bucket]
    return values[low] + (rank - low) * (values[high] - values[low])
