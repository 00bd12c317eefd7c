"""django-q2 entry points of the chat app."""

from chat.response_cache import response_cache_prune
from chat.rollup import analytics_rollup_all


def prune() -> str:
    return f"{response_cache_prune()} cached answers removed"


def analytics_rollup() -> str:
    """Hourly: each tenant's days that ended since the last run (midnight comes at a different
    hour in each tenant's zone), and every day again for a tenant that changed zone."""
    return f"{analytics_rollup_all()} tenant days rolled up"
