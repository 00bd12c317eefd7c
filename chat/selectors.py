"""Reads for conversations, scoped by bot or tenant so no one sees another's."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.shortcuts import get_object_or_404

from chat.models import Conversation, CuratedAnswer, Message


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError):
        return None


def conversation_find_for_visitor(bot, conversation_id, token: str, *, channels=None) -> Conversation | None:
    """A visitor's conversation with `bot`, if `token` is the one it was started with (and,
    when given, it belongs to one of `channels`)."""
    pk = _uuid(conversation_id)
    if pk is None or not token:
        return None
    conversations = Conversation.objects.filter(bot=bot, pk=pk, visitor_id=token)
    if channels:
        conversations = conversations.filter(channel__in=channels)
    return conversations.first()


def message_find_for_conversation(conversation: Conversation, message_id) -> Message | None:
    pk = _uuid(message_id)
    return None if pk is None else conversation.messages.filter(pk=pk).first()


def message_list_for_conversation(conversation: Conversation, *, limit: int = 200, after=None) -> list[Message]:
    """The last `limit` messages, oldest first; with `after` (a message id of the conversation)
    only those that came after it."""
    messages = conversation.messages.select_related("feedback")
    since = message_find_for_conversation(conversation, after) if after else None
    if since is not None:
        messages = messages.filter(created_at__gt=since.created_at)
    return list(reversed(messages.order_by("-created_at")[:limit]))


def conversation_find_for_tenant(tenant, conversation_id) -> Conversation | None:
    pk = _uuid(conversation_id)
    return None if pk is None else Conversation.objects.select_related("bot").filter(tenant=tenant, pk=pk).first()


def message_find_for_tenant(tenant, message_id) -> Message | None:
    pk = _uuid(message_id)
    return None if pk is None else Message.objects.filter(conversation__tenant=tenant, pk=pk).first()


LOW_SCORE = 0.3  # answers whose best passage scored below this are worth a look


def conversation_list_for_tenant(tenant, *, bot=None, channel="", since=None, until=None, rating=None,
                                 unanswered=False, low_score=False, q=""):
    """The tenant's conversations, newest activity first, narrowed by the history filters and
    by words in its title or any of its messages (`q`)."""
    conversations = Conversation.objects.filter(tenant=tenant).select_related("bot")
    if q:
        said = Message.objects.filter(conversation=OuterRef("pk"), content__icontains=q)
        conversations = conversations.filter(Q(title__icontains=q) | Exists(said))
    if bot:
        conversations = conversations.filter(bot__public_id=bot)
    if channel:
        conversations = conversations.filter(channel=channel)
    if since:
        conversations = conversations.filter(updated_at__date__gte=since)
    if until:
        conversations = conversations.filter(created_at__date__lte=until)
    answers = Message.objects.filter(conversation=OuterRef("pk"), role=Message.Role.ASSISTANT)
    if rating in (1, -1):
        conversations = conversations.filter(Exists(answers.filter(feedback__rating=rating)))
    if unanswered:
        conversations = conversations.filter(Exists(answers.filter(answered=False)))
    if low_score:
        conversations = conversations.filter(Exists(answers.filter(top_score__lt=LOW_SCORE)))
    return conversations.order_by("-updated_at", "pk")


def answer_get_for_conversation(conversation: Conversation, message_id) -> Message:
    return get_object_or_404(Message, conversation=conversation, pk=message_id, role=Message.Role.ASSISTANT)


def message_get_for_conversation(conversation: Conversation, message_id, *, role: str) -> Message:
    return get_object_or_404(Message, conversation=conversation, pk=message_id, role=role)


def question_before(message: Message) -> str:
    """The visitor's question an answer replied to."""
    question = (Message.objects.filter(conversation_id=message.conversation_id, role=Message.Role.USER,
                                       created_at__lte=message.created_at)
                .order_by("-created_at").values_list("content", flat=True).first())
    return question or ""


def curated_answer_list_for_tenant(tenant):
    return CuratedAnswer.objects.filter(tenant=tenant).select_related("bot").order_by("-updated_at")


def conversation_get_for_tenant(tenant, conversation_id) -> Conversation:
    """The tenant's conversation or 404: another tenant's is indistinguishable from none."""
    return get_object_or_404(Conversation.objects.select_related("bot"), tenant=tenant, pk=conversation_id)


def curated_answer_get_for_tenant(tenant, answer_id) -> CuratedAnswer:
    return get_object_or_404(CuratedAnswer, tenant=tenant, pk=answer_id)


def turn_list_for_conversation(conversation: Conversation) -> list[tuple[str, str]]:
    """Earlier (role, text) turns for the prompt, newest first until CHAT_HISTORY_CHARS is
    spent, returned oldest first. An agent's replies count as the business's side (assistant),
    so the bot back in a conversation knows what the person said."""
    budget, turns = settings.CHAT_HISTORY_CHARS, []
    rows = (Message.objects.filter(conversation=conversation,
                                   role__in=[Message.Role.USER, Message.Role.ASSISTANT, Message.Role.AGENT])
            .order_by("-created_at").values_list("role", "content")[:20])
    for role, content in rows:
        budget -= len(content)
        if budget < 0:
            break
        turns.append((Message.Role.ASSISTANT if role == Message.Role.AGENT else role, content))
    return turns[::-1]
