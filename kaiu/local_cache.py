"""Per-process caches of hot configuration, and the one rule that keeps them true.

Public channels answer many requests a second for a handful of bots. Reading a bot with
its tenant, plan, provider settings, prompt and widget cost each one a query and about
1 ms of Python, most of it the ORM building that six-table join. So each process keeps
what it read, for LOCAL_CACHE_SECONDS at most.

Every cache, who fills it and what clears it:

| cache                       | filled by                           | cleared when these change           |
|-----------------------------|-------------------------------------|-------------------------------------|
| "public bots"               | bots.selectors.bot_get_for_public   | Bot, BotPrompt, WidgetConfig,       |
|                             |                                     | Tenant, Plan, TenantSettings        |
| "bots with curated answers" | chat.curated.curated_answer_match   | CuratedAnswer                       |
| "bot search profiles"       | documents.profile.bot_profile       | nothing needed: keyed by the bot's  |
|                             |                                     | knowledge_version, which a change   |
|                             |                                     | of its passages bumps (so kept for  |
|                             |                                     | an hour, not LOCAL_CACHE_SECONDS)   |

The rule:
- A cache is a `LocalCache`, so `local_caches_clear()` reaches it.
- The app that owns a model a cache depends on calls `clear_on_change(Model, ...)` in its
  AppConfig.ready(): `save()` and `delete()` then clear every cache in this process at once
  (the admin saves models directly, so services alone would miss changes).
- A queryset `.update()`, `bulk_create` or raw SQL sends no signal: a service that writes one
  of those models that way calls `local_caches_clear()` itself, after the write
  (bots.services.bot_set_knowledge_state does).
- Other processes see any change within LOCAL_CACHE_SECONDS; that is the promise, and the
  reason for keeping the number small.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")

_caches: list[LocalCache] = []


class LocalCache(Generic[T]):
    def __init__(self, name: str, *, max_entries: int = 5000, seconds: float | None = None):
        self.name = name
        self.max_entries = max_entries
        self.seconds = seconds  # None: LOCAL_CACHE_SECONDS; longer only for keys that cannot go stale
        self._entries: dict[Hashable, tuple[float, T]] = {}
        _caches.append(self)

    def get_or_load(self, key: Hashable, load: Callable[[], T]) -> T:
        if settings.LOCAL_CACHE_SECONDS <= 0:  # caching turned off
            return load()
        seconds = self.seconds or settings.LOCAL_CACHE_SECONDS
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


def clear_on_change(*models) -> None:
    """Clear the local caches whenever one of `models` is saved or deleted in this process."""
    for model in models:
        post_save.connect(local_caches_clear, sender=model, dispatch_uid=f"local_cache.saved.{model.__name__}")
        post_delete.connect(local_caches_clear, sender=model, dispatch_uid=f"local_cache.deleted.{model.__name__}")


def _clear_all() -> None:
    for cache in _caches:
        cache.clear()
