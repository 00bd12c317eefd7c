"""The figures of the analytics pages and of the JSON endpoint, for a tenant or one of its bots
over a range of days in the tenant's time zone.

Every figure is an aggregation in SQL over the range's rows, read through QueryLog's
(tenant, created_at) index, which carries the aggregated columns (index-only scans), or
(bot, created_at) for one bot: a fixed handful of statements whatever the data size, none per
row or per day (tests/chat/test_analytics.py counts them). Their time still grows with the
rows in the range: 73 ms for a tenant's 90 days at 1,000,000 rows across 50 tenants, 2.8x its
time at 100,000 (benchmarks/analytics.py, README "Analytics"); a daily rollup would flatten that.
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

RANGES = (7, 30, 90)
MAX_DAYS = 366
LOW_CONFIDENCE = 0.3  # an answer whose passages scored below this is a likely gap (chat.selectors.LOW_SCORE)

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
FREE_MODELS = {"", "kaiu-extractive-v1", "curated", "kaiu-shop", "kaiu-handover"}  # ours, no provider


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


def _scope(tenant, bot, period: Period, alias: str = "") -> tuple[str, list]:
    prefix = f"{alias}." if alias else ""
    sql = f"{prefix}tenant_id = %s AND {prefix}created_at >= %s AND {prefix}created_at < %s"
    params = [tenant.pk, period.start, period.end]
    if bot is not None:
        sql += f" AND {prefix}bot_id = %s"
        params.append(bot.pk)
    return sql, params


_PARTS = ("total", "embed", "retrieve", "llm", "other")


def _totals(tenant, bot, period: Period, figures: Figures) -> None:
    where, params = _scope(tenant, bot, period)
    percentiles = ", ".join(
        f"percentile_cont({p}) WITHIN GROUP (ORDER BY {column})"
        for p in (0.5, 0.95)
        for column in ("total_ms", "embed_ms", "retrieve_ms", "llm_ms",
                       "greatest(total_ms - embed_ms - retrieve_ms - llm_ms, 0)"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT count(*), count(*) FILTER (WHERE answered), count(*) FILTER (WHERE origin = 'error'),
                       count(DISTINCT conversation_id), count(*) FILTER (WHERE origin = 'cache'),
                       count(*) FILTER (WHERE origin = 'curated'),
                       count(*) FILTER (WHERE answered AND origin IN ('model', 'fallback') AND top_score < %s),
                       {percentiles}
                FROM chat_querylog WHERE {where}""", [LOW_CONFIDENCE, *params])
        row = cursor.fetchone()
    (figures.questions, figures.answered, figures.errors, figures.conversations, figures.cache_hits,
     figures.curated_hits, figures.low_confidence) = row[:7]
    figures.unanswered = figures.questions - figures.answered - figures.errors
    values = [round(v or 0, 1) for v in row[7:]]
    figures.latency = {"p50": dict(zip(_PARTS, values[:5], strict=True)),
                       "p95": dict(zip(_PARTS, values[5:], strict=True))}


def _groups(tenant, bot, period: Period, figures: Figures) -> None:
    """Per day (in the tenant's zone), per model and per channel, in one statement."""
    where, params = _scope(tenant, bot, period)
    # One read of the range (the CTE), three groupings of it. Distinct conversations are
    # counted per day only: GROUPING SETS with a DISTINCT sorted every set, 2x slower.
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH rows AS MATERIALIZED (
                    SELECT (created_at AT TIME ZONE %s)::date AS day, model, channel, answered, conversation_id,
                           tokens_in, tokens_out
                    FROM chat_querylog WHERE {where})
                SELECT 'day', day::text, count(*), count(*) FILTER (WHERE answered),
                       count(DISTINCT conversation_id), 0, 0 FROM rows GROUP BY day
                UNION ALL
                SELECT 'model', model, count(*), 0, 0, coalesce(sum(tokens_in), 0), coalesce(sum(tokens_out), 0)
                FROM rows GROUP BY model
                UNION ALL
                SELECT 'channel', channel, count(*), 0, 0, 0, 0 FROM rows GROUP BY channel""",
            [period.zone, *params])
        rows = cursor.fetchall()
    days = {}
    for kind, value, count, answered, conversations, tokens_in, tokens_out in rows:
        if kind == "day":
            days[date.fromisoformat(value)] = {"questions": count, "answered": answered,
                                               "conversations": conversations}
        elif kind == "model":
            figures.models.append({"model": value or "(none)", "questions": count, "tokens_in": tokens_in,
                                   "tokens_out": tokens_out})
        else:
            figures.channels.append({"channel": value, "questions": count})
    empty = {"questions": 0, "answered": 0, "conversations": 0}
    figures.per_day = [{"day": day, **days.get(day, empty)} for day in period.days]
    figures.models.sort(key=lambda m: -m["questions"])
    figures.channels.sort(key=lambda c: -c["questions"])
    labels = dict(Channel.choices)
    for channel in figures.channels:
        channel["share"] = figures.rate(channel["questions"])
        channel["label"] = labels.get(channel["channel"], channel["channel"])


# What a provider's error says (kaiu.ai.openai_client.describe_provider_error) → its kind.
ERROR_KINDS = [
    ("(401)", "Key rejected"), ("(403)", "Key without access"), ("(429)", "Rate limit or quota"),
    ("in time", "Timeout"), ("404", "Wrong address or model"), ("DNS", "Cannot connect"),
    ("connect", "Cannot connect"), ("paused", "Provider paused"), ("built-in model", "Answered by the built-in model"),
    ("disconnected", "Visitor left mid-answer"), ("answered with an error", "Provider error"),
]


def error_kind(text: str) -> str:
    return next((kind for sign, kind in ERROR_KINDS if sign in text), "Other")


def _errors(tenant, bot, period: Period, figures: Figures) -> None:
    where, params = _scope(tenant, bot, period)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT error, count(*) FROM chat_querylog WHERE {where} AND error <> '' "
                       "GROUP BY error ORDER BY 2 DESC LIMIT 100", params)
        kinds: dict[str, dict] = {}
        for text, count in cursor.fetchall():
            kind = kinds.setdefault(error_kind(text), {"kind": error_kind(text), "count": 0, "example": text})
            kind["count"] += count
    figures.error_kinds = sorted(kinds.values(), key=lambda k: -k["count"])


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
    _totals(tenant, bot, period, figures)
    _groups(tenant, bot, period, figures)
    _errors(tenant, bot, period, figures)
    _feedback(tenant, bot, period, figures)
    _handovers(tenant, bot, period, figures)
    if costs:
        _costs(tenant, figures)
    else:
        for row in figures.models:  # what a model costs is not shown to this role
            row.pop("tokens_in"), row.pop("tokens_out")
    return figures
