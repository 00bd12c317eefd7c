"""The figures of the analytics pages and of the JSON endpoint, for a tenant or one of its bots
over a range of days in the tenant's time zone.

QueryLog's figures come from the daily rollup (chat.rollup) for the range's days already rolled
up, and from the raw rows, grouped by the same SQL, for the rest (today, and anything not rolled
up yet): one statement for the counts, days, models, channels and errors, one for the answer
times, a fixed handful in all whatever the data size, none per row or per day
(tests/chat/test_analytics.py and test_rollup.py count them). Percentiles are exact while no day
of the range is rolled up, and from summed histograms (within 6 %) once one is.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Count, Q
from django.utils import timezone

from chat.models import Channel, Conversation, Feedback, ModelPrice
from chat.rollup import (
    BUCKETS,
    LATENCY_SQL,
    LOW_CONFIDENCE,
    PART_SQL,
    PARTS,
    RAW_WHERE,
    grouped_sql,
    local_midnight,
    percentile,
    rolled_until,
)

RANGES = (7, 30, 90)
MAX_DAYS = 366

# Per million tokens, in USD, as the providers list them (December 2026); a tenant edits its
# own in the price table. Built-in answers cost nothing.
DEFAULT_PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gpt-5-mini": (Decimal("0.25"), Decimal("2.00")),
    "o4-mini": (Decimal("1.10"), Decimal("4.40")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
}
# Ours, no provider (kaiu-extractive-v1: built-in answers stored before its quotes were cited per run).
FREE_MODELS = {"", "kaiu-extractive-v1", "kaiu-extractive-v2", "curated", "kaiu-shop", "kaiu-handover",
               "kaiu-small-talk"}


@dataclass(frozen=True)
class Period:
    """Whole days `since`..`until` (inclusive) in `zone`."""

    since: date
    until: date
    zone: str

    @property
    def start(self) -> datetime:
        return datetime.combine(self.since, time.min, zoneinfo.ZoneInfo(self.zone))

    @property
    def end(self) -> datetime:
        return datetime.combine(self.until + timedelta(days=1), time.min, zoneinfo.ZoneInfo(self.zone))

    @property
    def days(self) -> list[date]:
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]


def period_for(tenant, *, days: int | None = 30, since: date | None = None, until: date | None = None,
               today: date | None = None) -> Period:
    """The last `days` days up to today, or `since`..`until`, in the tenant's time zone."""
    zone = tenant.time_zone or "UTC"
    today = today or timezone.now().astimezone(zoneinfo.ZoneInfo(zone)).date()
    if since and until:
        since, until = min(since, until), max(since, until)
        since = max(since, until - timedelta(days=MAX_DAYS - 1))
        return Period(since, until, zone)
    days = days if days in RANGES else 30
    return Period(today - timedelta(days=days - 1), today, zone)


@dataclass
class Figures:
    period: Period
    questions: int = 0
    answered: int = 0
    unanswered: int = 0
    errors: int = 0
    conversations: int = 0
    cache_hits: int = 0
    curated_hits: int = 0
    low_confidence: int = 0
    latency: dict = field(default_factory=dict)  # {"p50": {"total": ms, ...}, "p95": {...}}
    per_day: list[dict] = field(default_factory=list)
    models: list[dict] = field(default_factory=list)
    channels: list[dict] = field(default_factory=list)
    error_kinds: list[dict] = field(default_factory=list)
    feedback: dict = field(default_factory=dict)
    handovers: dict = field(default_factory=dict)
    costs: list[dict] = field(default_factory=list)  # per currency: {"currency", "amount"}

    def rate(self, part: int) -> float | None:
        return round(100 * part / self.questions, 1) if self.questions else None

    @property
    def answered_rate(self):
        return self.rate(self.answered)

    @property
    def cache_rate(self):
        return self.rate(self.cache_hits)

    @property
    def curated_rate(self):
        return self.rate(self.curated_hits)


_PARTS = PARTS


def _totals_and_groups(tenant, bot, period: Period, figures: Figures, split: date) -> None:
    """Totals, per day, per model, per channel and provider errors, in one statement: the rollup's
    rows for the days before `split`, the raw rows grouped the same way for the rest."""
    sql, params = _totals_and_groups_sql(tenant, bot, period, split)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    _figures_from_rows(figures, period, rows)


def _totals_and_groups_sql(tenant, bot, period: Period, split: date) -> tuple[str, dict]:
    """The statement and its parameters; each row is (kind, value, up to seven numbers), kind one of
    total, day, conversations, model, channel, error."""
    bot_sql = " AND bot_id = %(bot)s" if bot is not None else ""
    params = {"tenant": tenant.pk, "bot": bot.pk if bot is not None else None, "zone": period.zone,
              "since": period.since, "split": split, "since_text": period.since.isoformat(),
              "start": local_midnight(split, period.zone), "end": period.end, "lookup_from": period.start,
              "low": LOW_CONFIDENCE}
    columns = ("day, channel, model, questions, answered, failed, cache_hits, curated_hits, low_confidence, "
               "tokens_in, tokens_out, conversations, errors")
    parts = [f"SELECT {columns} FROM chat_analyticsday WHERE tenant_id = %(tenant)s AND day >= %(since)s "
             f"AND day < %(split)s{bot_sql}"] if split > period.since else []
    if split <= period.until:
        # A conversation asked on a rolled-up day of the range is not new on a raw one.
        where = RAW_WHERE + bot_sql.replace("bot_id", "q.bot_id")
        parts.append(f"SELECT {columns} FROM ({grouped_sql(where, lookup=split > period.since)}) raw")
    sql = f"""WITH r AS MATERIALIZED ({" UNION ALL ".join(parts)}),
                c AS (SELECT r.day, e.key AS prev, e.value::bigint AS n FROM r, jsonb_each_text(r.conversations) e)
                SELECT 'total', '', sum(questions)::bigint, sum(answered)::bigint, sum(failed)::bigint,
                       sum(cache_hits)::bigint, sum(curated_hits)::bigint, sum(low_confidence)::bigint,
                       (SELECT coalesce(sum(n), 0) FROM c WHERE prev = '' OR prev < %(since_text)s)::bigint
                FROM r
                UNION ALL SELECT 'day', day::text, sum(questions)::bigint, sum(answered)::bigint, 0, 0, 0, 0, 0
                          FROM r GROUP BY day
                UNION ALL SELECT 'conversations', day::text, sum(n)::bigint, 0, 0, 0, 0, 0, 0 FROM c GROUP BY day
                UNION ALL SELECT 'model', model, sum(questions)::bigint, sum(tokens_in)::bigint,
                                 sum(tokens_out)::bigint, 0, 0, 0, 0
                          FROM r GROUP BY model
                UNION ALL SELECT 'channel', channel, sum(questions)::bigint, 0, 0, 0, 0, 0, 0 FROM r GROUP BY channel
                UNION ALL SELECT 'error', e.key, sum(e.value::bigint)::bigint, 0, 0, 0, 0, 0, 0
                          FROM r, jsonb_each_text(r.errors) e GROUP BY e.key"""
    return sql, params


def _figures_from_rows(figures: Figures, period: Period, rows) -> None:
    """Spread the statement's rows over the figures, every day of the period listed."""
    days: dict[date, dict] = {}
    errors = []
    for kind, value, *n in rows:
        if kind == "total":
            (figures.questions, figures.answered, figures.errors, figures.cache_hits, figures.curated_hits,
             figures.low_confidence, figures.conversations) = (x or 0 for x in n[:7])
        elif kind in ("day", "conversations"):
            day = days.setdefault(date.fromisoformat(value), {"questions": 0, "answered": 0, "conversations": 0})
            if kind == "day":
                day["questions"], day["answered"] = n[0], n[1]
            else:
                day["conversations"] = n[0]
        elif kind == "model":
            figures.models.append({"model": value or "(none)", "questions": n[0], "tokens_in": n[1],
                                   "tokens_out": n[2]})
        elif kind == "channel":
            figures.channels.append({"channel": value, "questions": n[0]})
        else:
            errors.append((value, n[0]))
    figures.unanswered = figures.questions - figures.answered - figures.errors
    empty = {"questions": 0, "answered": 0, "conversations": 0}
    figures.per_day = [{"day": day, **days.get(day, empty)} for day in period.days]
    figures.models.sort(key=lambda m: (-m["questions"], m["model"]))
    _channels_labelled(figures)
    figures.error_kinds = _error_kinds(errors)


def _channels_labelled(figures: Figures) -> None:
    figures.channels.sort(key=lambda c: (-c["questions"], c["channel"]))
    labels = dict(Channel.choices)
    for channel in figures.channels:
        channel["share"] = figures.rate(channel["questions"])
        channel["label"] = labels.get(channel["channel"], channel["channel"])


def _error_kinds(errors: list[tuple[str, int]]) -> list[dict]:
    """The provider errors grouped by kind, the commonest first, each with one example."""
    kinds: dict[str, dict] = {}
    for text, count in sorted(errors, key=lambda e: (-e[1], e[0]))[:100]:
        kind = kinds.setdefault(error_kind(text), {"kind": error_kind(text), "count": 0, "example": text})
        kind["count"] += count
    return sorted(kinds.values(), key=lambda k: -k["count"])


def _latency(tenant, bot, period: Period, figures: Figures, split: date) -> None:
    """Median and p95 of the answer time and its parts: exact (percentile_cont) when no day of the
    range is rolled up, else from the summed histograms (chat.rollup: within 6 %)."""
    bot_sql = " AND q.bot_id = %(bot)s" if bot is not None else ""
    params = {"tenant": tenant.pk, "bot": bot.pk if bot is not None else None, "since": period.since,
              "split": split, "start": local_midnight(split, period.zone), "end": period.end}
    with connection.cursor() as cursor:
        if split == period.since:
            percentiles = ", ".join(f"percentile_cont({p}) WITHIN GROUP (ORDER BY {column})"
                                    for p in (0.5, 0.95) for column in PART_SQL)
            cursor.execute(f"SELECT {percentiles} FROM chat_querylog q WHERE {RAW_WHERE}{bot_sql}", params)
            values = [round(v or 0, 1) for v in cursor.fetchone()]
        else:
            raw = (" UNION ALL " + LATENCY_SQL.replace("{where}", RAW_WHERE + bot_sql)
                   if split <= period.until else "")
            cursor.execute(
                f"""SELECT o, sum(n)::bigint FROM (
                        SELECT u.o - 1 AS o, u.n
                        FROM chat_analyticslatencyday q, unnest(q.counts) WITH ORDINALITY u(n, o)
                        WHERE q.tenant_id = %(tenant)s AND q.day >= %(since)s AND q.day < %(split)s{bot_sql}
                        {raw}) x
                    WHERE n > 0 GROUP BY o""", params)
            histograms: list[dict[int, int]] = [{} for _ in PARTS]
            for o, n in cursor.fetchall():
                histograms[o // BUCKETS][o % BUCKETS] = n
            total = sum(histograms[0].values())
            values = [round(percentile(h, total, p), 1) for p in (0.5, 0.95) for h in histograms]
    figures.latency = {"p50": dict(zip(_PARTS, values[:5], strict=True)),
                       "p95": dict(zip(_PARTS, values[5:], strict=True))}


# What a provider's error says (kaiu.ai.openai_client.describe_provider_error) → its kind.
ERROR_KINDS = [
    ("(401)", "Key rejected"), ("(403)", "Key without access"), ("(429)", "Rate limit or quota"),
    ("in time", "Timeout"), ("404", "Wrong address or model"), ("DNS", "Cannot connect"),
    ("connect", "Cannot connect"), ("paused", "Provider paused"), ("built-in model", "Answered by the built-in model"),
    ("disconnected", "Visitor left mid-answer"), ("answered with an error", "Provider error"),
]


def error_kind(text: str) -> str:
    return next((kind for sign, kind in ERROR_KINDS if sign in text), "Other")


def _feedback(tenant, bot, period: Period, figures: Figures) -> None:
    rows = Feedback.objects.filter(message__conversation__tenant=tenant, created_at__gte=period.start,
                                   created_at__lt=period.end)
    if bot is not None:
        rows = rows.filter(message__conversation__bot=bot)
    counts = rows.aggregate(up=Count("pk", filter=Q(rating=1)), down=Count("pk", filter=Q(rating=-1)))
    rated = counts["up"] + counts["down"]
    latest = (rows.filter(rating=-1).exclude(comment="").order_by("-created_at")
              .values("comment", "created_at", "message__content", "message__conversation_id",
                      "message__conversation__bot__name")[:5])
    figures.feedback = {**counts, "rated": rated,
                        "helpful_rate": round(100 * counts["up"] / rated, 1) if rated else None,
                        "latest_negative": list(latest)}


def _handovers(tenant, bot, period: Period, figures: Figures) -> None:
    # A handover moves the conversation on (updated_at), so the range's are among those active in it.
    rows = (Conversation.objects.filter(tenant=tenant, updated_at__gte=period.start, created_at__lt=period.end)
            .exclude(handover_reason=""))
    if bot is not None:
        rows = rows.filter(bot=bot)
    # By the trigger's code, not its sentence ("Thumbs down: “…”" differs with every comment).
    codes = list(rows.values("handover_code").annotate(count=Count("pk")).order_by("-count", "handover_code"))
    labels: dict[str, int] = {}
    for row in codes:
        label = Conversation.HANDOVER_LABELS.get(row["handover_code"], "Other")
        labels[label] = labels.get(label, 0) + row["count"]
    figures.handovers = {"count": sum(labels.values()),
                         "reasons": [{"reason": label, "count": count} for label, count in
                                     sorted(labels.items(), key=lambda item: -item[1])]}


def price_table(tenant, models=()) -> dict[str, dict]:
    """model → {"input", "output", "currency", "source": "yours" / "default" / "free" / "none"}."""
    saved = {p.model: p for p in ModelPrice.objects.filter(tenant=tenant)}
    table = {}
    for model in sorted(set(models) | set(saved) | set(DEFAULT_PRICES)):
        if model in saved:
            price = saved[model]
            table[model] = {"input": price.input_per_million, "output": price.output_per_million,
                            "currency": price.currency, "source": "yours"}
        elif model in FREE_MODELS or model == "(none)":
            table[model] = {"input": Decimal(0), "output": Decimal(0), "currency": "USD", "source": "free"}
        elif model in DEFAULT_PRICES:
            table[model] = {"input": DEFAULT_PRICES[model][0], "output": DEFAULT_PRICES[model][1],
                            "currency": "USD", "source": "default"}
        else:
            table[model] = {"input": Decimal(0), "output": Decimal(0), "currency": "USD", "source": "none"}
    return table


def _costs(tenant, figures: Figures) -> None:
    prices = price_table(tenant, [m["model"] for m in figures.models])
    totals: dict[str, Decimal] = {}
    for row in figures.models:
        price = prices[row["model"]]
        row["cost"] = ((row["tokens_in"] * price["input"] + row["tokens_out"] * price["output"])
                       / Decimal(1_000_000)).quantize(Decimal("0.0001"))
        row["currency"], row["price_source"] = price["currency"], price["source"]
        totals[price["currency"]] = totals.get(price["currency"], Decimal(0)) + row["cost"]
    figures.costs = [{"currency": currency, "amount": amount} for currency, amount in sorted(totals.items())]


def figures_for(tenant, period: Period, *, bot=None, costs: bool = True) -> Figures:
    """Every figure of the analytics page: seven statements (eight with costs)."""
    figures = Figures(period=period)
    split = rolled_until(tenant, period.zone, period.since, period.until)
    _totals_and_groups(tenant, bot, period, figures, split)
    _latency(tenant, bot, period, figures, split)
    _feedback(tenant, bot, period, figures)
    _handovers(tenant, bot, period, figures)
    if costs:
        _costs(tenant, figures)
    else:
        for row in figures.models:  # what a model costs is not shown to this role
            row.pop("tokens_in"), row.pop("tokens_out")
    return figures
