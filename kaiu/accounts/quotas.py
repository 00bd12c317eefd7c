"""Plan quotas: what a tenant has used against what its plan allows. One API, two kinds:

- **Counted** meters (bots, documents, storage, ingestion jobs) count rows the owning app
  keeps; each app registers its counter in AppConfig.ready(), since `kaiu` imports none of
  our apps. `quota_check` compares the count with the plan under a lock on the tenant row:
  call it inside the transaction that then writes the rows, and two requests can no longer
  both pass with one place left (8 parallel uploads with 19 of 20 documents stored 22).
- **Taken** meters (questions this month) are counted here, in QuotaUsage: `quota_take`
  adds one with a single atomic upsert that refuses past the limit, so no lock and no race.
  `quota_take_statement` is the same upsert for a caller that runs it inside a statement of
  its own (the chat stores the question in the statement that takes it: one round trip).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import connection
from django.utils import timezone

from kaiu.accounts.models import QuotaUsage, Tenant


class QuotaExceeded(Exception):
    """A plan limit was reached; the message says which and what to do."""


@dataclass(frozen=True)
class Meter:
    key: str
    label: str
    limit_field: str  # the Plan field holding the limit
    unit: str = ""
    taken: bool = False  # counted here per month (quota_take), not by an app's counter


METERS = {meter.key: meter for meter in [
    Meter("bots", "Bots", "max_bots"),
    Meter("documents", "Documents", "max_documents_per_bot", unit="per bot"),
    Meter("storage_mb", "Storage", "max_storage_mb", unit="MB"),
    Meter("questions_month", "Questions this month", "max_queries_per_month", taken=True),
    Meter("ingest_jobs_month", "Ingestion jobs this month", "max_ingest_jobs_per_month"),
]}

_counters: dict[str, Callable[[Tenant], float]] = {}


def register_counter(key: str, counter: Callable[[Tenant], float]) -> None:
    if key not in METERS or METERS[key].taken:
        raise KeyError(f"No counted quota meter {key!r}")
    _counters[key] = counter


def used(tenant: Tenant, key: str) -> float:
    if METERS[key].taken:
        return (QuotaUsage.objects.filter(tenant=tenant, meter=key, period_start=period_start())
                .values_list("used", flat=True).first() or 0)
    counter = _counters.get(key)
    return counter(tenant) if counter else 0  # a meter nobody registered yet reads as zero use


def limit(tenant: Tenant, key: str) -> int:
    return getattr(tenant.plan, METERS[key].limit_field)


def quota_lock(tenant: Tenant) -> Tenant:
    """The tenant row, locked until the caller's transaction ends, with its plan: every quota
    check of the tenant waits for the one before it to commit what it counted."""
    # NO KEY: quota checks take turns, but rows that only reference the tenant (a conversation,
    # an answer's log) are still written meanwhile; a plain FOR UPDATE would hold them up.
    return Tenant.objects.select_for_update(of=("self",), no_key=True).select_related("plan").get(pk=tenant.pk)


def quota_check(tenant: Tenant, key: str, *, adding: float = 1, message: str,
                count: Callable[[], float] | None = None) -> Tenant:
    """Raise QuotaExceeded if `adding` more would pass the plan's limit. Takes the tenant lock
    (so: inside a transaction) and returns the locked tenant. `count` counts, under the lock,
    where the limit applies to a part of the tenant (documents per bot). `message` may name
    {used}, {limit} and {plan}."""
    tenant = quota_lock(tenant)
    have = used(tenant, key) if count is None else count()
    allowed = limit(tenant, key)
    if have + adding > allowed:
        raise QuotaExceeded(message.format(used=_number(have), limit=allowed, plan=tenant.plan.name))
    return tenant


def period_start(today: date | None = None) -> date:
    return (today or timezone.now().date()).replace(day=1)


def quota_take_statement(tenant: Tenant, key: str) -> tuple[str, list]:
    """An upsert that takes one unit of `key` this period and returns a row, or returns no row
    and changes nothing once the plan's limit is reached (a limit of 0 takes nothing)."""
    allowed = limit(tenant, key)
    return (
        """INSERT INTO accounts_quotausage (tenant_id, meter, period_start, used)
           SELECT %s, %s, %s, 1 WHERE %s > 0
           ON CONFLICT (tenant_id, meter, period_start) DO UPDATE SET used = accounts_quotausage.used + 1
           WHERE accounts_quotausage.used < %s
           RETURNING used""",
        [tenant.pk, key, period_start(), allowed, allowed])


def quota_take(tenant: Tenant, key: str) -> bool:
    """Take one unit of `key`; False, and nothing taken, once the plan's limit is reached."""
    sql, params = quota_take_statement(tenant, key)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is not None


def _number(value: float) -> str:
    return f"{value:g}"


@dataclass(frozen=True)
class Usage:
    label: str
    used: float
    limit: int
    unit: str

    @property
    def percent(self) -> int:
        return min(100, round(100 * self.used / self.limit)) if self.limit else 100

    @property
    def level(self) -> str:
        return "full" if self.percent >= 100 else "high" if self.percent >= 80 else "ok"


def usage_for(tenant: Tenant) -> list[Usage]:
    return [Usage(meter.label, used(tenant, key), limit(tenant, key), meter.unit) for key, meter in METERS.items()]
