"""The demo's WhatsApp conversation: a customer the shop knows asks about shipping and her
order, answered by the real reply flow (her order verified by her number). The demo number
is switched off: nothing is ever sent to Meta from it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from bots.demo import demo_bot
from chat.models import Channel, Conversation, Message
from chat.reply import reply
from chat.services import conversation_start
from chat.whatsapp.formatting import whatsapp_text
from chat.whatsapp.models import WhatsAppAccount, WhatsAppInbound, WhatsAppOutbound
from commerce.models import Order
from commerce.services import customer_for_whatsapp

DEMO_WA_ID = "573005550101"  # Laura Méndez in commerce.demo
DEMO_NUMBER_ID = "100000000000001"


def seed(tenant) -> str:
    bot = demo_bot(tenant)
    if bot is None:
        return "WhatsApp: no demo bot."
    with transaction.atomic():
        account = _account(tenant, bot)
        if not Conversation.objects.filter(bot=bot, channel=Channel.WHATSAPP, visitor_id=DEMO_WA_ID).exists():
            _conversation(tenant, bot, account)
    return "WhatsApp: 1 conversation (the demo number is switched off)."


def _account(tenant, bot) -> WhatsAppAccount:
    account = WhatsAppAccount.objects.filter(bot=bot).first()
    if account is None:
        account = WhatsAppAccount.objects.create(
            tenant=tenant, bot=bot, phone_number_id=DEMO_NUMBER_ID, display_phone="+57 601 555 0000",
            access_token="demo-access-token-replace-with-yours", app_secret="demo-app-secret-replace-with-yours",
            is_enabled=False)
    return account


def _conversation(tenant, bot, account) -> None:
    customer = customer_for_whatsapp(tenant=tenant, wa_id=DEMO_WA_ID, name="Laura Méndez")
    conversation = conversation_start(bot=bot, channel=Channel.WHATSAPP, visitor_id=DEMO_WA_ID)
    started = timezone.now() - dt.timedelta(hours=3)
    Conversation.objects.filter(pk=conversation.pk).update(
        customer=customer, phone=customer.phone, window_expires_at=started + dt.timedelta(hours=24))
    conversation.refresh_from_db()
    order = Order.objects.filter(tenant=tenant, customer=customer).order_by("number").first()
    questions = ["Hola, ¿cuánto tarda un envío a Medellín?"]
    if order is not None:
        questions.append(f"¿Dónde está mi pedido {order.number}?")
    for n, question in enumerate(questions, start=1):
        answer = None
        for event in reply(Conversation.objects.get(pk=conversation.pk), question):
            if event.type == "done":
                answer = event.message
        asked = Message.objects.filter(conversation=conversation, role="user").order_by("-created_at").first()
        WhatsAppInbound.objects.create(
            tenant=tenant, account=account, conversation=conversation, message=asked, wamid=f"wamid.DEMO-IN-{n}",
            wa_from=DEMO_WA_ID, type="text", text=question, sent_at=started, state=WhatsAppInbound.State.DONE,
            note="answered in 1 message(s)")
        if answer is not None:
            WhatsAppOutbound.objects.create(
                tenant=tenant, account=account, conversation=conversation, message=answer, to=DEMO_WA_ID,
                body=whatsapp_text(answer.content, sources=answer.sources, cards=answer.cards, language=bot.language),
                state=WhatsAppOutbound.State.READ, wamid=f"wamid.DEMO-OUT-{n}", attempts=1, sent_at=started,
                status_at=started)
