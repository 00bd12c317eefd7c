"""Rate limits for anonymous endpoints (chat, sign-in) and API keys, counted in PostgreSQL.

One upsert per request adds to the counter of (key, window) and returns the new count, so
the limit holds across every gunicorn worker and machine. Django's cache would not do: the
local-memory cache counts per process, and its database cache reads then writes.
"""

from __future__ import annotations

import ipaddress
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core import checks
from django.db import connection


@dataclass(frozen=True)
class RateLimit:
    allowed: bool
    retry_after: int = 0  # seconds until the window resets


def rate_limit_hit(key: str, *, limit: int, window_seconds: int = 60) -> RateLimit:
    """Count one request under `key` in the current fixed window; refuse past `limit`."""
    if limit <= 0:
        return RateLimit(True)
    now = time.time()
    window = math.floor(now / window_seconds) * window_seconds
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO platform_ratecounter (key, window_start, count) VALUES (%s, %s, 1)
               ON CONFLICT (key, window_start) DO UPDATE SET count = platform_ratecounter.count + 1
               RETURNING count""",
            [key[:200], datetime.fromtimestamp(window, UTC)])
        [count] = cursor.fetchone()
    if count <= limit:
        return RateLimit(True)
    return RateLimit(False, retry_after=max(1, math.ceil(window + window_seconds - now)))


def rate_counters_prune() -> int:
    """Drop finished windows (scheduled every few minutes)."""
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM platform_ratecounter WHERE window_start < %s",
                       [datetime.now(UTC) - timedelta(hours=1)])
        return cursor.rowcount


def client_network(request) -> str:
    """What per-client limits count: the client's IPv4 address, or its IPv6 /64. A home or
    a server is given a whole /64, so counting single IPv6 addresses would let one client
    rotate through billions of them."""
    address = client_ip(request)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an address (a misconfigured proxy): counted as it is
        return address
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def client_ip(request) -> str:
    """The client's address: the socket's, or the one the trusted proxies saw. Each proxy
    appends the address it received from, so the entry TRUSTED_PROXY_COUNT from the right
    is the last one no client can forge."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR", "")


def proxy_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A deploy check (registered by kaiu.platform): behind a proxy with TRUSTED_PROXY_COUNT 0,
    every visitor has the proxy's address and shares one allowance, so ten failed sign-ins
    anywhere lock everyone out for a minute."""
    if settings.BEHIND_PROXY and settings.TRUSTED_PROXY_COUNT == 0:
        return [checks.Warning(
            "BEHIND_PROXY is set but TRUSTED_PROXY_COUNT is 0: every visitor shares the proxy's "
            "rate-limit allowance (sign-in, sign-up, password reset, anonymous chat).",
            hint="Set TRUSTED_PROXY_COUNT to the number of proxies that append the client's address to "
                 "X-Forwarded-For (nginx: proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for).",
            id="kaiu.W001")]
    return []
