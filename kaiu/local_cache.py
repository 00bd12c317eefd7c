"""A per-process cache of hot configuration, for a few seconds.

Public channels answer many requests a second for a handful of bots. Reading a bot with
its tenant, plan, provider settings, prompt and widget cost each one a query and about
1 ms of Python, most of it the ORM building that six-table join. Each process keeps what
it read for LOCAL_CACHE_SECONDS: a change reaches every worker within that time, and the
process that made it at once (the apps clear their caches when the models involved are
saved).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction

T = TypeVar("T")

_caches: list[LocalCache] = []


class LocalCache(Generic[T]):
    def __init__(self, name: str, *, max_entries: int = 5000):
        self.name = name
        self.max_entries = max_entries
        self._entries: dict[Hashable, tuple[float, T]] = {}
        _caches.append(self)

    def get_or_load(self, key: Hashable, load: Callable[[], T]) -> T:
        seconds = settings.LOCAL_CACHE_SECONDS
        if seconds <= 0:
            return load()
        now = time.monotonic()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (now + seconds, value)
        return value

    def clear(self) -> None:
        self._entries.clear()


def local_caches_clear(*args, **kwargs) -> None:
    """Forget everything every local cache holds (a signal receiver: takes any arguments).
    Now, so the change reads back at once in this thread, and again at commit: another
    thread may have read the old rows in between and would keep them for seconds."""
    _clear_all()
    transaction.on_commit(_clear_all)


def _clear_all() -> None:
    for cache in _caches:
        cache.clear()
