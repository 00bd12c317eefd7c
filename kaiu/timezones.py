"""IANA time zones a business can keep its dashboard in, from the host's time-zone database
(the one Python's zoneinfo reads)."""

import zoneinfo
from datetime import UTC, datetime
from functools import cache

from django.core.exceptions import ValidationError

# Names in the database that are no place: tzdata's placeholder and the host's own setting.
_NOT_A_PLACE = {"Factory", "localtime", "posixrules"}


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() - _NOT_A_PLACE)


def utc_offset(moment: datetime) -> str:
    """`UTC+1` for a moment an hour ahead of UTC, `UTC+5:30`, `UTC-3`, or `UTC`: short, so a
    zone and its offset fit a phone's select."""
    offset = moment.strftime("%z")  # "+0530"
    hours, minutes = int(offset[1:3]), offset[3:]
    if not hours and minutes == "00":
        return "UTC"
    return f"UTC{offset[0]}{hours}" + (f":{minutes}" if minutes != "00" else "")


def time_zone_choices() -> list[tuple[str, str]]:
    """Every zone named after a place (Europe/Stockholm), and UTC, labelled with its offset
    today so a person can tell the ones they know. Old aliases (Cuba, Zulu, GB-Eire, US/Eastern)
    are not offered, though a business that has one keeps it."""
    now = datetime.now(UTC)
    choices = []
    for name in sorted(name for name in time_zone_names() if _offered(name)):
        offset = utc_offset(now.astimezone(zoneinfo.ZoneInfo(name)))
        choices.append((name, name if name == offset else f"{name} ({offset})"))
    return choices


def _offered(name: str) -> bool:
    area = name.split("/", 1)[0]
    return name == "UTC" or ("/" in name and area not in {"Etc", "SystemV", "US", "posix", "right", "Brazil",
                                                          "Canada", "Chile", "Mexico"})


def validate_time_zone(name: str) -> None:
    if name not in time_zone_names():
        raise ValidationError(f"“{name}” is not a time zone. Choose one such as Europe/Stockholm.")
