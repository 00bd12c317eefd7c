"""django-q2 entry points of the chat app."""

from kaiu.limits import rate_counters_prune
from chat.services import response_cache_prune


def prune() -> str:
    return f"{response_cache_prune()} cached answers and {rate_counters_prune()} rate windows removed"
