"""Where is my order: the order's number, then the phone or e-mail on it, and only on a match
its status, carrier and tracking link. On WhatsApp the number the customer writes from is
the phone, so only the order's number is asked for.

Nothing tells whether an order exists: the bot asks for the phone or e-mail whatever the
number, and wrong details get the same reply as a number no order has. Each try counts
against two limits, whether it matches or not, and past them the details are not even
checked: one per conversation, and one per order number across every conversation of the
business (a visitor starting new conversations does not get new tries at the same order).
"""

from __future__ import annotations

import re

from chat.shop import Intent, ShopAnswer, contact_in, customer_link, state_save
from commerce.models import OrderStatus
from commerce.phones import InvalidPhone, phone_normalize, region_for_currency
from commerce.selectors import order_find_for_tenant_by_number
from kaiu.ai.embeddings import fold
from kaiu.platform.limits import rate_limit_hit

LOOKUPS_PER_CONVERSATION = 5
LOOKUPS_PER_ORDER = 10
LOOKUP_WINDOW_SECONDS = 900
MISSES_BEFORE_HANDOVER = 2

TEXTS = {
    "es": {
        "number": "Claro. ¿Cuál es el número de tu pedido?",
        "contact": "Para proteger tus datos, escríbeme el teléfono o el correo con el que hiciste el pedido {number}.",
        "no_match": "No encuentro un pedido {number} con esos datos. Revisa el número y escribe el teléfono o "
                    "el correo con el que hiciste el pedido.",
        "limited": "Hiciste demasiados intentos. Espera unos {minutes} minutos e inténtalo de nuevo, o escríbenos "
                   "por nuestros canales de atención.",
        "status": "Tu pedido {number} está: {status}.",
        "carrier": "Transportadora: {carrier}.",
        "tracking": "Guía: {tracking}.",
        "link": "Síguelo aquí: {url}",
        "total": "Total: {total}.",
    },
    "en": {
        "number": "Sure. What is your order number?",
        "contact": "To protect your details, please write the phone number or e-mail you placed order {number} "
                   "with.",
        "no_match": "I can't find an order {number} with those details. Check the number and write the phone "
                    "or e-mail you placed the order with.",
        "limited": "Too many attempts. Please wait about {minutes} minutes and try again, or contact us through "
                   "our support channels.",
        "status": "Your order {number} is: {status}.",
        "carrier": "Carrier: {carrier}.",
        "tracking": "Tracking number: {tracking}.",
        "link": "Track it here: {url}",
        "total": "Total: {total}.",
    },
}
STATUS_LABELS = {
    "es": {"PENDING": "recibido, pendiente de confirmar", "CONFIRMED": "confirmado", "PROCESSING": "en preparación",
           "READY_TO_SHIP": "listo para enviar", "PICKUP_REQUESTED": "esperando a la transportadora",
           "SHIPPED": "enviado", "DELIVERED": "entregado", "CANCELLED": "cancelado", "RETURNED": "devuelto"},
}


def _texts(bot) -> dict:
    return TEXTS.get(bot.language, TEXTS["en"])


def status_start(bot, conversation, intent: Intent) -> ShopAnswer:
    """Ask for what is missing. An order being taken is paused meanwhile, and goes on after."""
    current = conversation.shop_state or {}
    paused = current if current.get("flow") == "order" else current.get("paused")
    base = {"flow": "status", **({"paused": paused} if paused else {})}
    if intent.number is None:
        state_save(conversation, base)
        return ShopAnswer(_texts(bot)["number"], reason="order status: asked for the number")
    state_save(conversation, {**base, "number": intent.number})
    contact = intent.contact or _verified_contact(conversation)
    if contact:
        return _verify(bot, conversation, intent.number, contact)
    return ShopAnswer(_texts(bot)["contact"].format(number=intent.number), reason="order status: asked who asks")


def status_step(bot, conversation, text: str) -> ShopAnswer | None:
    """The number or the contact the flow waits for; None when the message is about something
    else (the flow ends and the message is answered as any other)."""
    state = conversation.shop_state
    number = state.get("number")
    if number is None:
        found = re.search(r"\d{1,9}", fold(text)) if len(text) <= 40 else None
        if found is None:
            _end(conversation)
            return None
        state_save(conversation, {**state, "number": int(found.group(0))})
        contact = contact_in(text) if contact_in(text) != found.group(0) else ""
        contact = contact or _verified_contact(conversation)
        if contact:
            return _verify(bot, conversation, int(found.group(0)), contact)
        return ShopAnswer(_texts(bot)["contact"].format(number=found.group(0)), reason="order status: asked who asks")
    contact = contact_in(text)
    if not contact:
        _end(conversation)
        return None
    return _verify(bot, conversation, number, contact)


def _verified_contact(conversation) -> str:
    """The phone the customer is writing from, on WhatsApp: Meta vouches for it, so it is
    not asked for (chat.whatsapp.inbound stores it on the conversation)."""
    return conversation.phone if conversation.channel == "WHATSAPP" else ""


def _end(conversation) -> None:
    """The status flow is over: back to the order it paused, if any."""
    state_save(conversation, (conversation.shop_state or {}).get("paused") or {})


def _verify(bot, conversation, number: int, contact: str) -> ShopAnswer:
    texts = _texts(bot)
    for key, limit in ((f"order-lookup:conversation:{conversation.pk}", LOOKUPS_PER_CONVERSATION),
                       (f"order-lookup:order:{bot.tenant_id}:{number}", LOOKUPS_PER_ORDER)):
        allowed = rate_limit_hit(key, limit=limit, window_seconds=LOOKUP_WINDOW_SECONDS)
        if not allowed.allowed:
            minutes = max(1, round(allowed.retry_after / 60))
            return ShopAnswer(texts["limited"].format(minutes=minutes), answered=False,
                              reason="order status: too many attempts")
    order = order_find_for_tenant_by_number(bot.tenant, number)
    if order is None or not _same_customer(bot.tenant, order.customer_snapshot or {}, contact):
        # A second miss in the conversation is no typo: a person helps (chat.handover).
        misses = (conversation.shop_state or {}).get("misses", 0) + 1
        state_save(conversation, {**(conversation.shop_state or {}), "misses": misses})
        return ShopAnswer(texts["no_match"].format(number=number), answered=False,
                          reason="order status: details did not match",
                          handover="order_not_found" if misses >= MISSES_BEFORE_HANDOVER else "")
    _end(conversation)
    customer_link(conversation, order.customer_id)
    label = STATUS_LABELS.get(bot.language, {}).get(order.status, OrderStatus(order.status).label.lower())
    lines = [texts["status"].format(number=order.number, status=label)]
    if order.carrier:
        lines.append(texts["carrier"].format(carrier=order.carrier))
    if order.tracking_number:
        lines.append(texts["tracking"].format(tracking=order.tracking_number))
    if order.tracking_url:
        lines.append(texts["link"].format(url=order.tracking_url))
    lines.append(texts["total"].format(total=order.money(order.total)))
    return ShopAnswer(" ".join(lines), reason="order status: verified")


def _same_customer(tenant, snapshot: dict, contact: str) -> bool:
    """Whether `contact` is the order's e-mail or phone (as typed: with or without the country code)."""
    if "@" in contact:
        return bool(snapshot.get("email")) and contact.strip().lower() == snapshot["email"].strip().lower()
    try:
        phone = phone_normalize(contact, region=region_for_currency(tenant.currency))
    except InvalidPhone:
        return False
    return bool(phone) and phone == snapshot.get("phone")
