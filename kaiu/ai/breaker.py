"""A provider that keeps failing is left alone for a while (a circuit breaker).

An unreachable provider made every question wait for its time-out (about 8 s) before the
visitor read "sorry". After PROVIDER_BREAKER_FAILURES failures in a row on live calls (a
question's embedding or its answer), each process stops calling that provider for
PROVIDER_BREAKER_SECONDS: the chat answers with the built-in model and searches by keyword,
at once, and says why in the answer's log. The first call after the pause tries the provider
again; one success closes the breaker.

The state is per process (each gunicorn worker learns on its own within a few questions),
keyed by the provider's identity and the use ("chat" or "embeddings"): the same server used
by two tenants is two breakers, since one tenant's bad key says nothing of the other's. A
tenant's own provider also keeps its last error on TenantSettings, so the settings page can
show it whichever process saw it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from kaiu.ai.openai_client import ProviderConfig


@dataclass
class _State:
    failures: int = 0
    open_until: float = 0.0
    reason: str = ""


_states: dict[tuple, _State] = {}
_lock = threading.Lock()


def _key(config: ProviderConfig, kind: str) -> tuple:
    # One breaker per use: a server whose embeddings work may still fail every chat (a
    # model it does not have), and a success of one must not reset the other.
    return config.tenant_id, config.server, config.api_key, kind


def breaker_paused(config: ProviderConfig, kind: str) -> str:
    """Why calls to this provider are paused now ("" when they are not)."""
    state = _states.get(_key(config, kind))
    if state is None or state.open_until <= time.monotonic():
        return ""
    return f"{state.reason} Calls to the provider are paused for {settings.PROVIDER_BREAKER_SECONDS:g} s."


def breaker_failure(config: ProviderConfig, kind: str, reason: str) -> None:
    with _lock:
        state = _states.setdefault(_key(config, kind), _State())
        state.failures += 1
        state.reason = reason
        if state.failures >= settings.PROVIDER_BREAKER_FAILURES:
            state.open_until = time.monotonic() + settings.PROVIDER_BREAKER_SECONDS
    if config.tenant_id is not None:
        from kaiu.accounts.models import TenantSettings

        # Read by the settings page only; no cached read depends on it (kaiu.local_cache).
        TenantSettings.objects.filter(tenant_id=config.tenant_id).update(
            last_error=reason[:300], last_error_at=timezone.now())


def breaker_success(config: ProviderConfig, kind: str) -> None:
    if _key(config, kind) in _states:
        with _lock:
            _states.pop(_key(config, kind), None)


def breakers_forget(tenant_id) -> None:
    """A tenant saved its provider settings: its next question tries the provider again."""
    with _lock:
        for key in [key for key in _states if key[0] == tenant_id]:
            del _states[key]
