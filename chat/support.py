"""The support inbox: the people's side of a handover (chat.handover is the bot's side).

Reads: the conversations people have (waiting, mine, all), the waiting count for the
navigation, the customer's orders. Writes: claim, reply as an agent, internal notes,
resolve (back to the bot). Every read is scoped by tenant; the views reach a conversation
through chat.selectors.conversation_get_for_tenant (another tenant's → 404).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from chat.models import Channel, Conversation, Message, Note
from chat.texts import ChatError
from chat.whatsapp.outbound import WhatsAppError, whatsapp_agent_send
from commerce.selectors import order_list_for_tenant

logger = logging.getLogger(__name__)

INBOX_VIEWS = {"waiting": "Waiting", "mine": "Mine", "open": "All with people"}


def inbox_list_for_tenant(tenant, *, user, view: str = "waiting", search: str = ""):
    """Conversations people have, newest activity first. `view`: waiting for a reply,
    assigned to `user`, or all handed over."""
    conversations = (Conversation.objects.filter(tenant=tenant, status=Conversation.Status.HANDED_OVER)
                     .select_related("bot", "assigned_to", "customer"))
    if view == "waiting":
        conversations = conversations.filter(waiting_since__isnull=False)
    elif view == "mine":
        conversations = conversations.filter(assigned_to=user)
    search = search.strip()[:100]
    if search:
        said = Message.objects.filter(conversation=OuterRef("pk"), content__icontains=search)
        conversations = conversations.filter(
            Q(title__icontains=search) | Q(customer__name__icontains=search) | Q(customer__phone__icontains=search)
            | Q(handover_reason__icontains=search) | Exists(said))
    return conversations.order_by("-updated_at", "pk")


def inbox_waiting_count(tenant) -> int:
    return Conversation.objects.filter(tenant=tenant, status=Conversation.Status.HANDED_OVER,
                                       waiting_since__isnull=False).count()


def order_list_for_conversation(conversation: Conversation, *, limit: int = 10) -> list:
    """The customer's latest orders, when the conversation knows who the customer is."""
    if conversation.customer_id is None:
        return []
    return list(order_list_for_tenant(conversation.tenant, customer=conversation.customer)[:limit])


def transcript_for_conversation(conversation: Conversation, *, limit: int = 300) -> list:
    """Messages and internal notes in the order they were written, as (kind, row)."""
    messages = conversation.messages.select_related("feedback").order_by("-created_at")[:limit]
    rows = [("message", m) for m in messages] + [("note", n) for n in conversation.notes.all()[:limit]]
    return sorted(rows, key=lambda row: row[1].created_at)


# --- Writes --------------------------------------------------------------------------------------


def conversation_claim(*, conversation: Conversation, user) -> bool:
    """Assign the conversation to `user` if no one has it: one conditional UPDATE, so of two
    agents claiming at the same moment exactly one wins (the other gets False)."""
    claimed = Conversation.objects.filter(
        pk=conversation.pk, tenant_id=conversation.tenant_id, status=Conversation.Status.HANDED_OVER,
        assigned_to__isnull=True).update(assigned_to=user)
    if claimed:
        conversation.assigned_to = user
    return bool(claimed)


@transaction.atomic
def agent_reply(*, conversation: Conversation, user, text: str) -> Message:
    """An agent's reply to the customer, signed with their name, delivered on the customer's
    channel. The conversation no longer waits; an unassigned one becomes the agent's. A reply
    the channel refuses (WhatsApp outside its window) is not stored: ChatError says why."""
    text = (text or "").strip()
    if not text:
        raise ChatError("empty", "Write a reply first.")
    if conversation.status != Conversation.Status.HANDED_OVER:
        raise ChatError("invalid", "The bot has this conversation again: nothing was sent.")
    message = Message.objects.create(conversation=conversation, role=Message.Role.AGENT, content=text[:4000],
                                     author=user, author_name=_display_name(user), origin="agent")
    now = timezone.now()
    Conversation.objects.filter(pk=conversation.pk).update(
        waiting_since=None, updated_at=now, message_count=F("message_count") + 1)
    Conversation.objects.filter(pk=conversation.pk, assigned_to__isnull=True).update(assigned_to=user)
    conversation.waiting_since = None
    deliver_agent_message(message)
    return message


def _display_name(user) -> str:
    return (user.full_name or user.email.split("@")[0])[:150]


def note_add(*, conversation: Conversation, user, text: str) -> Note:
    """An internal note: only the team sees it (never the customer, the API or the bot)."""
    text = (text or "").strip()
    if not text:
        raise ChatError("empty", "Write the note first.")
    return Note.objects.create(conversation=conversation, author=user, author_name=_display_name(user),
                               text=text[:4000])


def handover_resolve(*, conversation: Conversation) -> None:
    """Back to the bot: it answers the next message, with a fresh count of unanswered ones. The
    handover's code and reason stay: why a person was needed (analytics counts them)."""
    fields = {"is_bot_active": True, "status": Conversation.Status.OPEN, "waiting_since": None,
              "assigned_to": None, "unanswered_streak": 0, "shop_state": {}}
    Conversation.objects.filter(pk=conversation.pk).update(**fields, updated_at=timezone.now())
    for name, value in fields.items():
        setattr(conversation, name, value)


# --- Delivery to the customer's channel ---------------------------------------------------------

def deliver_agent_message(message: Message) -> None:
    """Send an agent's reply to the customer on the conversation's channel.

    Web channels (page, widget) pick the reply up themselves: while a person has the
    conversation their page polls `chat:public-history?after=<last id>` every few seconds
    and shows the reply with the agent's name (Message.author_name). WhatsApp is pushed to:
    the reply is queued for the worker (sent after the commit, with retries), or refused
    outside the customer-service window, where only a template may go (chat.whatsapp).
    """
    if message.conversation.channel == Channel.WHATSAPP:
        try:
            whatsapp_agent_send(message)
        except WhatsAppError as error:
            raise ChatError("not_sent", str(error)) from error
