"""django-q2 entry points of the chat app."""

from chat.response_cache import response_cache_prune
from kaiu.limits import rate_counters_prune


def prune() -> str:
    return f"{response_cache_prune()} cached answers and {rate_counters_prune()} rate windows removed"
