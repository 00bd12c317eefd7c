"""What customers send: stored by the webhook (fast, in the request), answered by the worker.

The webhook stores each message once (its wamid is unique), links the conversation to the
shop's customer by the WhatsApp number, and opens or extends the customer-service window;
the worker then runs the shared reply flow (chat.reply) and queues the answer (outbound).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_q.tasks import async_task

from chat.models import Channel, Conversation, Message
from chat.reply import reply
from chat.services import conversation_start
from chat.texts import ChatError
from chat.whatsapp.formatting import unsupported_reply, whatsapp_text
from chat.whatsapp.models import WhatsAppAccount, WhatsAppInbound
from chat.whatsapp.outbound import outbound_queue_text, status_record
from chat.whatsapp.payload import SILENT_TYPES, TEXT_TYPES, Delivery, Inbound
from commerce.services import customer_for_whatsapp

logger = logging.getLogger(__name__)

WINDOW = dt.timedelta(hours=24)
FREE_ENTRY_WINDOW = dt.timedelta(hours=72)  # opened from a click-to-WhatsApp ad or a Page's button


def delivery_store(account: WhatsAppAccount, delivery: Delivery) -> list[int]:
    """Store what Meta delivered to `account`'s webhook; returns the new inbound ids (queued
    for the worker once the transaction commits). A change for another number is taken by
    that number's bot when it belongs to the same tenant (one Meta app, several bots), else
    skipped. Repeated message ids are skipped."""
    accounts = {acc.phone_number_id: acc for acc in WhatsAppAccount.objects.filter(
        tenant_id=account.tenant_id, is_enabled=True).select_related("bot__tenant")}
    stored = []
    with transaction.atomic():
        for message in delivery.messages:
            target = accounts.get(message.phone_number_id)
            if target is None:
                logger.info("WhatsApp message for unknown number %s skipped", message.phone_number_id)
                continue
            inbound = _store(target, message)
            if inbound is not None:
                stored.append(inbound.pk)
        for status in delivery.statuses:
            status_record(status, tenant_id=account.tenant_id)
        for pk in stored:
            transaction.on_commit(lambda pk=pk: _enqueue(pk))
    return stored


def _enqueue(inbound_id: int) -> None:
    async_task("chat.whatsapp.tasks.inbound_process", inbound_id, task_name=f"whatsapp in {inbound_id}",
               group="whatsapp")


def _store(account: WhatsAppAccount, message: Inbound) -> WhatsAppInbound | None:
    # One delivery at a time per number: a customer's first two messages arriving together
    # find one conversation, and a repeated message id is seen as such (the unique wamid
    # guarantees it even without the lock).
    WhatsAppAccount.objects.select_for_update().filter(pk=account.pk).first()
    if WhatsAppInbound.objects.filter(wamid=message.wamid).exists():
        return None
    conversation = _conversation_for(account, message)
    try:
        with transaction.atomic():
            return WhatsAppInbound.objects.create(
                tenant_id=account.tenant_id, account=account, conversation=conversation, wamid=message.wamid,
                wa_from=message.wa_from, type=message.type, text=message.text, media=message.media,
                referral=message.referral, sent_at=message.sent_at)
    except IntegrityError:
        return None


def _conversation_for(account: WhatsAppAccount, message: Inbound) -> Conversation:
    """The customer's open conversation with the bot (new when none), linked to the shop's
    customer, its window extended from this message's time."""
    conversation = (Conversation.objects.filter(bot_id=account.bot_id, channel=Channel.WHATSAPP,
                                                visitor_id=message.wa_from[:64])
                    .exclude(status=Conversation.Status.CLOSED).order_by("-created_at").first())
    if conversation is None:
        conversation = conversation_start(bot=account.bot, channel=Channel.WHATSAPP, visitor_id=message.wa_from)
    customer = customer_for_whatsapp(tenant=account.bot.tenant, wa_id=message.wa_from, user_id=message.user_id,
                                     name=message.profile_name)
    free_entry = bool(message.referral)  # a click-to-WhatsApp ad (ctwa_clid) or another free entry point
    expires = message.sent_at + (FREE_ENTRY_WINDOW if free_entry else WINDOW)
    if conversation.window_expires_at and conversation.window_expires_at > expires:
        expires = conversation.window_expires_at  # a 72 h window is not shortened by a later message
    conversation.customer, conversation.phone, conversation.window_expires_at = customer, customer.phone, expires
    Conversation.objects.filter(pk=conversation.pk).update(customer=customer, phone=customer.phone,
                                                           window_expires_at=expires)
    return conversation


# --- The worker -----------------------------------------------------------------------------


def inbound_process(inbound_id: int) -> str:
    """Answer one stored message, once: the row is claimed by a conditional update."""
    claimed = WhatsAppInbound.objects.filter(pk=inbound_id, state=WhatsAppInbound.State.RECEIVED).update(
        state=WhatsAppInbound.State.PROCESSING, updated_at=timezone.now())
    if not claimed:
        return "already taken"
    inbound = WhatsAppInbound.objects.select_related("account", "conversation__bot").get(pk=inbound_id)
    conversation = inbound.conversation
    if inbound.type in TEXT_TYPES and inbound.text.strip():
        note = _answer_text(inbound, conversation)
    elif inbound.type in SILENT_TYPES:
        note = "nothing to answer"
    else:
        note = _answer_other(inbound, conversation)
    WhatsAppInbound.objects.filter(pk=inbound_id).update(state=WhatsAppInbound.State.DONE, note=note[:300],
                                                         message=inbound.message, updated_at=timezone.now())
    return note


def _answer_text(inbound: WhatsAppInbound, conversation: Conversation) -> str:
    if not conversation.is_bot_active:  # a person has the conversation: the bot keeps quiet
        inbound.message = _message_store(conversation, Message.Role.USER, inbound.text)
        return "handed over: no bot reply"
    bot = conversation.bot
    try:
        answer = None
        for event in reply(conversation, inbound.text):
            if event.type == "done":
                answer = event.message
    except ChatError as refused:  # quota used up, too long: the customer is told why
        inbound.message = _message_store(conversation, Message.Role.USER, inbound.text)
        reply_message = _message_store(conversation, Message.Role.ASSISTANT, str(refused), origin="refusal")
        outbound_queue_text(conversation=conversation, text=str(refused), message=reply_message,
                            account=inbound.account)
        return f"refused: {refused.code}"
    inbound.message = (Message.objects.filter(conversation=conversation, role=Message.Role.USER)
                       .order_by("-created_at").first())
    if answer is None:
        return "no answer stored (the bot was deleted)"
    text = whatsapp_text(answer.content, sources=answer.sources, cards=answer.cards, language=bot.language)
    rows = outbound_queue_text(conversation=_fresh(conversation), text=text, message=answer,
                               account=inbound.account)
    return _sent_note(rows)


def _answer_other(inbound: WhatsAppInbound, conversation: Conversation) -> str:
    """Images, audio, locations, stickers, anything the bot cannot read: stored, and a
    polite text reply while the bot has the conversation."""
    inbound.message = _message_store(conversation, Message.Role.USER, _describe(inbound))
    if not conversation.is_bot_active:
        return "handed over: no bot reply"
    text = unsupported_reply(inbound.type, conversation.bot.language)
    answer = _message_store(conversation, Message.Role.ASSISTANT, text, origin="channel")
    return _sent_note(outbound_queue_text(conversation=conversation, text=text, message=answer,
                                          account=inbound.account))


def _describe(inbound: WhatsAppInbound) -> str:
    """The transcript's line for a message that is not text: '[image] caption'."""
    media = inbound.media
    if inbound.type == "location":
        place = ", ".join(str(media[key]) for key in ("name", "address") if media.get(key))
        return f"[location] {media.get('latitude')}, {media.get('longitude')}" + (f" — {place}" if place else "")
    return f"[{inbound.type}] {inbound.text}".strip()


def _message_store(conversation: Conversation, role: str, content: str, origin: str = "") -> Message:
    message = Message.objects.create(conversation=conversation, role=role, content=content, origin=origin)
    Conversation.objects.filter(pk=conversation.pk).update(message_count=F("message_count") + 1,
                                                           updated_at=timezone.now())
    return message


def _fresh(conversation: Conversation) -> Conversation:
    return Conversation.objects.get(pk=conversation.pk)


def _sent_note(rows) -> str:
    refused = [row for row in rows if row.state == row.State.REFUSED]
    return refused[0].error if refused else f"answered in {len(rows)} message(s)"


def inbound_sweep() -> int:
    """Every minute: queue again messages whose task was lost, or whose worker was killed
    (an answer it had stored may then be given twice: at least once, never lost)."""
    now = timezone.now()
    # Past the worker's own time limit, a task still PROCESSING was killed (django-q2 kills it then).
    stale = dt.timedelta(seconds=settings.Q_CLUSTER["timeout"] + 60)
    WhatsAppInbound.objects.filter(state=WhatsAppInbound.State.PROCESSING, updated_at__lt=now - stale).update(
        state=WhatsAppInbound.State.RECEIVED, updated_at=now)
    lost = WhatsAppInbound.objects.filter(state=WhatsAppInbound.State.RECEIVED,
                                          created_at__lt=now - dt.timedelta(minutes=1))
    ids = list(lost.values_list("pk", flat=True))
    for pk in ids:
        _enqueue(pk)
    return len(ids)
