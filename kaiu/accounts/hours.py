"""Business hours: when people answer the chat, per weekday, in the tenant's time zone.

Stored on Tenant.business_hours as {"0": [["09:00", "18:00"]], ...} (Monday "0"); a day left
out is closed, and no day at all means the hours are not known (no promise of a time).
Edited as one line per day, "09:00-13:00, 14:00-18:00".
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

DAY_NAMES = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "es": ["lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"],
}
_RANGE = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?\s*$")


class HoursError(ValueError):
    """A day's hours that cannot be read; the message says how to write them."""


def ranges_parse(text: str) -> list[list[str]]:
    """"09:00-13:00, 14:00-18:00" → [["09:00", "13:00"], ["14:00", "18:00"]]; "" → closed."""
    ranges = []
    for part in filter(None, (piece.strip() for piece in (text or "").split(","))):
        found = _RANGE.match(part)
        if not found:
            raise HoursError(f"“{part}” is not a range: write it like 09:00-18:00.")
        start = _hhmm(found.group(1), found.group(2))
        end = _hhmm(found.group(3), found.group(4))
        if end <= start and end != "24:00":
            raise HoursError(f"“{part}” ends before it starts.")
        ranges.append([start, end])
    return sorted(ranges)


def _hhmm(hours: str, minutes: str | None) -> str:
    h, m = int(hours), int(minutes or 0)
    if h > 24 or m > 59 or (h == 24 and m):
        raise HoursError(f"{hours}:{minutes or '00'} is not a time of day.")
    return f"{h:02d}:{m:02d}"


def ranges_format(ranges) -> str:
    return ", ".join(f"{start}-{end}" for start, end in ranges or [])


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def _local_now(tenant, now: datetime | None) -> datetime:
    return (now or timezone.now()).astimezone(ZoneInfo(tenant.time_zone or "UTC"))


def is_open(tenant, now: datetime | None = None) -> bool:
    """Whether people are at work now; True when the hours are not known."""
    hours = tenant.business_hours or {}
    if not hours:
        return True
    local = _local_now(tenant, now)
    minute = local.hour * 60 + local.minute
    return any(_minutes(start) <= minute < _minutes(end) for start, end in hours.get(str(local.weekday()), []))


def next_opening(tenant, now: datetime | None = None) -> datetime | None:
    """When people are next at work (local time), None if never (no open day)."""
    hours = tenant.business_hours or {}
    local = _local_now(tenant, now)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        for start, _end in hours.get(str(day.weekday()), []):
            at = datetime.combine(day, time(*map(int, start.split(":"))), tzinfo=local.tzinfo)
            if at > local:
                return at
    return None


def opening_phrase(opening: datetime, now: datetime, language: str) -> str:
    """"today at 14:00", "tomorrow at 09:00", "on Monday at 09:00" (and in Spanish)."""
    days = (opening.date() - now.astimezone(opening.tzinfo).date()).days
    at = opening.strftime("%H:%M")
    if language == "es":
        day = "hoy" if days == 0 else "mañana" if days == 1 else f"el {DAY_NAMES['es'][opening.weekday()]}"
        return f"{day} a las {at}"
    day = "today" if days == 0 else "tomorrow" if days == 1 else f"on {DAY_NAMES['en'][opening.weekday()]}"
    return f"{day} at {at}"
