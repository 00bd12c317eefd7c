"""django-q2 entry points of the chat app."""

from chat.response_cache import response_cache_prune


def prune() -> str:
    return f"{response_cache_prune()} cached answers removed"
