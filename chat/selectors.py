"""Reads for conversations, scoped by bot or tenant so no one sees another's."""

from __future__ import annotations

import uuid

from chat.models import Conversation, Message


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def conversation_for_visitor(bot, conversation_id, token: str) -> Conversation | None:
    """A visitor's conversation with `bot`, if `token` is the one it was started with."""
    pk = _uuid(conversation_id)
    if pk is None or not token:
        return None
    return Conversation.objects.filter(bot=bot, pk=pk, visitor_id=token).first()


def message_in_conversation(conversation: Conversation, message_id) -> Message | None:
    pk = _uuid(message_id)
    return None if pk is None else conversation.messages.filter(pk=pk).first()


def transcript(conversation: Conversation, *, limit: int = 200) -> list[Message]:
    messages = conversation.messages.select_related("feedback").order_by("-created_at")[:limit]
    return list(reversed(messages))


def conversation_for_tenant(tenant, conversation_id) -> Conversation | None:
    pk = _uuid(conversation_id)
    return None if pk is None else Conversation.objects.select_related("bot").filter(tenant=tenant, pk=pk).first()


def message_for_tenant(tenant, message_id) -> Message | None:
    pk = _uuid(message_id)
    return None if pk is None else Message.objects.filter(conversation__tenant=tenant, pk=pk).first()
