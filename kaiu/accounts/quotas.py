"""Plan quotas: what a tenant has used against what its plan allows.

`kaiu` imports none of our apps, so each app registers the meters it can count (bots
counts bots, documents counts documents and storage, chat counts questions) in its
AppConfig.ready(). A meter nobody has registered yet reads as zero use.
"""

from collections.abc import Callable
from dataclasses import dataclass

from kaiu.accounts.models import Tenant


class QuotaExceeded(Exception):
    """A plan limit was reached; the message says which and what to do."""


@dataclass(frozen=True)
class Meter:
    key: str
    label: str
    limit_field: str  # the Plan field holding the limit
    unit: str = ""


METERS = [
    Meter("bots", "Bots", "max_bots"),
    Meter("documents", "Documents", "max_documents_per_bot", unit="per bot"),
    Meter("storage_mb", "Storage", "max_storage_mb", unit="MB"),
    Meter("questions_month", "Questions this month", "max_queries_per_month"),
    Meter("ingest_jobs_month", "Ingestion jobs this month", "max_ingest_jobs_per_month"),
]

_counters: dict[str, Callable[[Tenant], float]] = {}


def register_counter(key: str, counter: Callable[[Tenant], float]) -> None:
    if key not in {meter.key for meter in METERS}:
        raise KeyError(f"Unknown quota meter {key!r}")
    _counters[key] = counter


def used(tenant: Tenant, key: str) -> float:
    counter = _counters.get(key)
    return counter(tenant) if counter else 0


def limit(tenant: Tenant, key: str) -> int:
    meter = next(meter for meter in METERS if meter.key == key)
    return getattr(tenant.plan, meter.limit_field)


def check(tenant: Tenant, key: str, *, adding: float = 1, message: str) -> None:
    """Raise QuotaExceeded with `message` if `adding` more would pass the plan's limit."""
    if used(tenant, key) + adding > limit(tenant, key):
        raise QuotaExceeded(message)


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
    return [
        Usage(meter.label, used(tenant, meter.key), limit(tenant, meter.key), meter.unit) for meter in METERS
    ]
