"""What the bot and agents send over WhatsApp: the customer-service window, the outbox, and
the sends themselves (in the worker, in order per conversation, retried with backoff).

Every WhatsApp message is a WhatsAppOutbound row before any attempt is made, so a crash
mid-send loses nothing: the sweeper (every minute) picks up rows that are due or whose
sender died. A send that dies after Meta took it but before we stored the wamid may go out
twice: at least once, never lost.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task, schedule

from chat.models import Channel, Conversation, Message
from chat.whatsapp import graph
from chat.whatsapp.formatting import split_message
from chat.whatsapp.models import WhatsAppAccount, WhatsAppOutbound
from chat.whatsapp.payload import Status

logger = logging.getLogger(__name__)

STALE_CLAIM = dt.timedelta(minutes=2)  # a SENDING row this old lost its worker: send it again
OUTSIDE_WINDOW = ("Not sent: the customer's last message is more than 24 hours old (72 from an ad or other free "
                  "entry point), so WhatsApp allows only an approved template message.")
_RANK = {"SENT": 1, "DELIVERED": 2, "READ": 3}  # a late "delivered" never undoes "read"

Out = WhatsAppOutbound.State


class WhatsAppError(Exception):
    """A send refused before it was queued, with a reason for people."""


def whatsapp_window_open(conversation: Conversation, *, at: dt.datetime | None = None) -> bool:
    """Whether a free-form message may be sent now (Meta's customer-service window)."""
    expires = conversation.window_expires_at
    return expires is not None and (at or timezone.now()) < expires


def _account_for(conversation: Conversation) -> WhatsAppAccount:
    if conversation.channel != Channel.WHATSAPP:
        raise WhatsAppError("This conversation is not on WhatsApp.")
    account = WhatsAppAccount.objects.filter(bot_id=conversation.bot_id, tenant_id=conversation.tenant_id).first()
    if account is None or not account.is_enabled:
        raise WhatsAppError("WhatsApp is not connected (or is switched off) for this bot.")
    return account


def outbound_queue_text(*, conversation: Conversation, text: str, message: Message | None = None,
                        account: WhatsAppAccount | None = None) -> list[WhatsAppOutbound]:
    """Queue `text` (cut at WhatsApp's limit) to the conversation's customer. Outside the
    window the rows are stored REFUSED with the reason and nothing is queued."""
    account = account or _account_for(conversation)
    is_open = whatsapp_window_open(conversation)
    rows = [WhatsAppOutbound(tenant_id=conversation.tenant_id, account=account, conversation=conversation,
                             message=message, to=conversation.visitor_id, part=n, body=part,
                             state=Out.QUEUED if is_open else Out.REFUSED, error="" if is_open else OUTSIDE_WINDOW)
            for n, part in enumerate(split_message(text), start=1)]
    WhatsAppOutbound.objects.bulk_create(rows)
    if is_open and rows:
        _enqueue(conversation.pk)
    return rows


def whatsapp_agent_send(message: Message) -> list[WhatsAppOutbound]:
    """Send an agent's stored reply to the WhatsApp customer; WhatsAppError (with the reason
    to show the agent) outside the customer-service window, where only a template may go."""
    conversation = message.conversation
    account = _account_for(conversation)
    if not whatsapp_window_open(conversation):
        raise WhatsAppError(OUTSIDE_WINDOW)
    return outbound_queue_text(conversation=conversation, text=message.content, message=message, account=account)


@transaction.atomic
def whatsapp_template_send(conversation: Conversation, template_name: str, language_code: str,
                           params: list[str], agent) -> Message:
    """An approved template message to the customer (allowed outside the window), stored in
    the transcript as the agent's message."""
    account = _account_for(conversation)
    name, language = (template_name or "").strip(), (language_code or "").strip()
    if not name or not language:
        raise WhatsAppError("A template message needs the template's name and language code (like es or en_US).")
    params = [str(p).strip() for p in params or []]
    by = getattr(agent, "full_name", "") or getattr(agent, "email", "") or "an agent"
    message = Message.objects.create(
        conversation=conversation, role=Message.Role.AGENT, origin="template",
        content=f"[{name}] " + " · ".join(params) if params else f"[{name}]",
        note=f"WhatsApp template “{name}” ({language}) sent by {by}"[:300])
    Conversation.objects.filter(pk=conversation.pk).update(message_count=F("message_count") + 1,
                                                           updated_at=timezone.now())
    WhatsAppOutbound.objects.create(tenant_id=conversation.tenant_id, account=account, conversation=conversation,
                                    message=message, to=conversation.visitor_id, kind=WhatsAppOutbound.Kind.TEMPLATE,
                                    template={"name": name, "language": language, "params": params})
    _enqueue(conversation.pk)
    return message


def _enqueue(conversation_id) -> None:
    transaction.on_commit(lambda: async_task("chat.whatsapp.tasks.outbound_send", str(conversation_id),
                                             task_name=f"whatsapp send {conversation_id}", group="whatsapp"))


# --- Sending (the worker) -----------------------------------------------------------------


def outbound_flush(conversation_id) -> int:
    """Send the conversation's due messages in order; returns how many went out. Stops at a
    message that waits for its retry, or that another worker is sending (it goes on)."""
    sent = 0
    while True:
        row = _claim_next(conversation_id)
        if row is None:
            return sent
        sent += _send(row)
        if row.state == Out.QUEUED:  # waits for a retry: later parts wait with it (order)
            return sent


def _claim_next(conversation_id) -> WhatsAppOutbound | None:
    now = timezone.now()
    with transaction.atomic():
        # The conversation's earliest unfinished message, locked so two workers never both send
        # it. Not skip_locked: skipping a row another worker is claiming would send the next
        # part before it. Only the row is locked (of=self), not its account or conversation.
        row = (WhatsAppOutbound.objects.select_for_update(of=("self",))
               .select_related("account", "conversation")
               .filter(conversation_id=conversation_id, state__in=[Out.QUEUED, Out.SENDING])
               .order_by("created_at", "part").first())
        if row is None:
            return None
        if row.state == Out.SENDING and row.claimed_at and row.claimed_at > now - STALE_CLAIM:
            return None  # another worker is on it
        if row.next_attempt_at and row.next_attempt_at > now:
            return None
        row.state, row.claimed_at = Out.SENDING, now
        row.save(update_fields=["state", "claimed_at", "updated_at"])
    return row


def _send(row: WhatsAppOutbound) -> int:
    conversation = Conversation.objects.get(pk=row.conversation_id)
    if row.kind == WhatsAppOutbound.Kind.TEXT and not whatsapp_window_open(conversation):
        _finish(row, state=Out.REFUSED, error=OUTSIDE_WINDOW)  # closed while it waited
        return 0
    if not row.account.is_enabled:
        _finish(row, state=Out.FAILED, error="WhatsApp was switched off for this bot before it was sent.")
        return 0
    try:
        if row.kind == WhatsAppOutbound.Kind.TEMPLATE:
            wamid = graph.template_send(row.account, to=row.to, name=row.template["name"],
                                        language=row.template["language"], params=row.template.get("params", []))
        else:
            wamid = graph.text_send(row.account, to=row.to, body=row.body)
    except graph.GraphError as error:
        _failed(row, error)
        return 0
    _finish(row, state=Out.SENT, wamid=wamid, sent_at=timezone.now())
    return 1


def _failed(row: WhatsAppOutbound, error: graph.GraphError) -> None:
    attempts = row.attempts + 1
    if error.transient and attempts < settings.WHATSAPP_SEND_MAX_ATTEMPTS:
        wait = settings.WHATSAPP_RETRY_BASE_SECONDS * 2 ** (attempts - 1)
        when = timezone.now() + dt.timedelta(seconds=wait)
        _finish(row, state=Out.QUEUED, attempts=attempts, next_attempt_at=when, error=str(error)[:300],
                error_code=error.code)
        # A one-off schedule, deleted once run (the sweeper would also find the row, a minute later).
        schedule("chat.whatsapp.tasks.outbound_send", str(row.conversation_id), schedule_type="O", next_run=when,
                 repeats=-1)
        logger.info("WhatsApp send %s failed (%s); try %d at %s", row.pk, error, attempts + 1, when)
    else:
        _finish(row, state=Out.FAILED, attempts=attempts, error=str(error)[:300], error_code=error.code)
        logger.warning("WhatsApp send %s failed for good: %s", row.pk, error)


def _finish(row: WhatsAppOutbound, **changes) -> None:
    for name, value in changes.items():
        setattr(row, name, value)
    WhatsAppOutbound.objects.filter(pk=row.pk).update(updated_at=timezone.now(), **changes)


def outbound_sweep() -> int:
    """Every minute: flush conversations with a message due (its retry time passed) or
    stuck in SENDING (its worker died)."""
    now = timezone.now()
    due = (WhatsAppOutbound.objects
           .filter(Q(state=Out.QUEUED, next_attempt_at__isnull=True, created_at__lt=now - dt.timedelta(seconds=30))
                   | Q(state=Out.QUEUED, next_attempt_at__lte=now)
                   | Q(state=Out.SENDING, claimed_at__lt=now - STALE_CLAIM))
           .values_list("conversation_id", flat=True).distinct())
    return sum(outbound_flush(conversation_id) for conversation_id in list(due))


# --- Delivery statuses (the webhook) --------------------------------------------------------


def status_record(status: Status, *, tenant_id) -> bool:
    """Meta's sent / delivered / read / failed on the message it names; a status never goes
    back (a late "delivered" after "read"). False when no message of this tenant has the id."""
    rows = WhatsAppOutbound.objects.filter(wamid=status.wamid, tenant_id=tenant_id,
                                           account__phone_number_id=status.phone_number_id)
    if status.status == "failed":
        return bool(rows.update(state=Out.FAILED, error=status.error or "WhatsApp could not deliver it.",
                                error_code=status.error_code, status_at=status.at, updated_at=timezone.now()))
    new = status.status.upper()
    lower = [state for state, rank in _RANK.items() if rank < _RANK[new]]
    changed = rows.filter(state__in=[*lower, Out.SENDING]).update(state=new, status_at=status.at,
                                                                 updated_at=timezone.now())
    return bool(changed) or rows.exists()


def whatsapp_delivery_for_messages(message_ids) -> dict:
    """{message id: its WhatsApp state} for a transcript: the worst of its parts' states."""
    order = [Out.FAILED, Out.REFUSED, Out.QUEUED, Out.SENDING, Out.SENT, Out.DELIVERED, Out.READ]
    result: dict = {}
    for message_id, state, error in (WhatsAppOutbound.objects.filter(message_id__in=list(message_ids))
                                     .values_list("message_id", "state", "error")):
        if message_id not in result or order.index(state) < order.index(result[message_id][0]):
            result[message_id] = (state, error)
    return result
