"""A cash-on-delivery order taken in the conversation, one question at a time: the product and
how many, the customer's name, phone, city and address, then a summary with the shipping cost
and the total (commerce.services.order_quote, which reserves nothing) and an explicit "yes".
Only then is the order placed (order_place: PENDING, its units reserved) and its number said.

The customer may change any answer ("cambiar la ciudad", "change the quantity to 3") or drop
the order ("cancelar", "cancel") at any step. Where they are lives in
Conversation.shop_state, so the order goes on from any request, process or channel.
"""

from __future__ import annotations

import re

from django.db import transaction

from chat.models import Message
from chat.shop import (
    Intent,
    ShopAnswer,
    customer_link,
    names_something,
    products_answer,
    products_matching,
    quantity_in,
    state_save,
)
from commerce import services
from commerce.knowledge import products_live
from commerce.models import PaymentMethod
from commerce.phones import InvalidPhone, phone_normalize, region_for_currency
from commerce.selectors import shipping_rate_find_for_tenant
from commerce.services import OrderLine, ShopError
from kaiu.ai.embeddings import fold

STEPS = ("product", "quantity", "name", "phone", "city", "address", "confirm")
FIELD_WORDS = {  # the words a customer changes an answer with, folded
    "product": ("producto", "product", "articulo", "item"),
    "quantity": ("cantidad", "unidades", "quantity", "how many", "cuantos", "cuantas"),
    "name": ("nombre", "name"),
    "phone": ("telefono", "celular", "numero de contacto", "phone", "mobile", "whatsapp"),
    "city": ("ciudad", "city", "municipio", "town"),
    "address": ("direccion", "address"),
}
_CHANGE = re.compile(r"\b(?:cambia|cambiar|cambio|corrige|corregir|modifica|modificar|otra|otro|change|edit|"
                     r"correct|fix|different|another)\b")
_CANCEL = re.compile(r"^\s*(?:no|nop|nope|cancela\w*|olvidalo|olvida\w*|ya no\b.*|no quiero\b.*|mejor no\b.*|salir|"
                     r"cancel\w*|stop|never ?mind|forget it|quit|abort)\s*[.!]*\s*"
                     r"(?:,?\s*(?:gracias|thanks|thank you)\s*[.!]*)?$")
_YES = re.compile(r"^\s*(?:si|sii+|claro|confirm\w*|dale|listo|ok|okay|de acuerdo|correcto|perfecto|hagamoslo|"
                  r"yes|yep|yeah|sure|go ahead|place it|do it)\b")
_NAME_PREFIX = re.compile(r"^(?:me llamo|mi nombre es|soy|my name is|i am|i'm|name:?|nombre:?)\s+", re.I)

TEXTS = {
    "es": {
        "which_product": "¡Con gusto! ¿Qué producto quieres pedir?",
        "not_found": "No encontré ese producto en la tienda. ¿Cómo se llama el que buscas?",
        "choose": "Tenemos varias opciones. ¿Cuál quieres? Escribe su nombre o su tamaño.",
        "sold_out": "{product} está agotado por ahora. ¿Quieres otro producto?",
        "quantity": "Perfecto: {product} a {price} cada uno. ¿Cuántas unidades quieres?",
        "few_left": "De {product} solo quedan {available}. ¿Cuántas unidades quieres?",
        "bad_quantity": "¿Cuántas unidades? Escribe un número, por ejemplo 2.",
        "name": "¿A nombre de quién va el pedido?",
        "phone": "¿A qué teléfono te llamamos para coordinar la entrega?",
        "bad_phone": "Ese teléfono no parece válido. Escríbelo con todos sus dígitos, por ejemplo 300 123 4567.",
        "city": "¿En qué ciudad recibes el pedido?",
        "no_shipping": "Por ahora no hacemos envíos a {city}. ¿Lo recibes en otra ciudad?",
        "no_cod": "En {city} no tenemos pago contra entrega. ¿Lo recibes en otra ciudad?",
        "cod_max": "El pago contra entrega es para pedidos de hasta {limit}. Puedes pedir menos unidades: "
                   "¿cuántas quieres?",
        "address": "¿Cuál es la dirección de entrega en {city}? (calle, número, apartamento)",
        "bad_address": "Escríbeme la dirección completa: calle, número y, si hay, apartamento.",
        "summary": "Este es tu pedido:\n\n- {quantity} × {product}: {subtotal}\n- Envío a {city}: {shipping}\n"
                   "- **Total a pagar contra entrega: {total}**\n\nA nombre de {name}, teléfono {phone}, "
                   "dirección {address}. Llega en {days_min} a {days_max} días hábiles.\n\n"
                   "¿Confirmas el pedido? Responde **sí** para confirmarlo, o dime qué quieres cambiar.",
        "confirm_again": "¿Confirmas el pedido? Responde **sí** para confirmarlo, **cancelar** para anularlo, "
                         "o dime qué quieres cambiar (producto, cantidad, nombre, teléfono, ciudad o dirección).",
        "placed": "¡Listo! Tu pedido número **{number}** quedó registrado. Total a pagar contra entrega: {total}. "
                  "Te llamaremos al {phone} para coordinar la entrega.",
        "failed": "No pude registrar el pedido: {reason} ¿Quieres cambiar la cantidad o el producto?",
        "reason_sold_out": "de {product} solo quedan {available}.",
        "reason_none_left": "{product} se agotó.",
        "reason_not_sold": "ese producto ya no está a la venta.",
        "reason_selling_fast": "se está vendiendo muy rápido; inténtalo de nuevo en un momento.",
        "reason_other": "la tienda no lo aceptó.",
        "cancelled": "Listo, cancelé el pedido. No se reservó nada. ¿Te ayudo con algo más?",
        "free": "gratis",
    },
    "en": {
        "which_product": "Happy to help! Which product would you like to order?",
        "not_found": "I couldn't find that product in the shop. What is the one you're looking for called?",
        "choose": "We have several options. Which one would you like? Write its name or size.",
        "sold_out": "{product} is out of stock for now. Would you like another product?",
        "quantity": "Great: {product} at {price} each. How many would you like?",
        "few_left": "Only {available} of {product} are left. How many would you like?",
        "bad_quantity": "How many? Write a number, for example 2.",
        "name": "Whose name is the order under?",
        "phone": "Which phone number should we call to arrange the delivery?",
        "bad_phone": "That phone number doesn't look right. Please write all its digits.",
        "city": "Which city should we deliver to?",
        "no_shipping": "We don't ship to {city} yet. Could you receive it in another city?",
        "no_cod": "Cash on delivery isn't available in {city}. Could you receive it in another city?",
        "cod_max": "Cash on delivery is for orders up to {limit}. You can order fewer units: how many would you "
                   "like?",
        "address": "What is the delivery address in {city}? (street, number, apartment)",
        "bad_address": "Please write the full address: street, number and apartment if there is one.",
        "summary": "Here is your order:\n\n- {quantity} × {product}: {subtotal}\n- Shipping to {city}: {shipping}\n"
                   "- **Total, cash on delivery: {total}**\n\nFor {name}, phone {phone}, address {address}. "
                   "It arrives in {days_min} to {days_max} business days.\n\n"
                   "Do you confirm the order? Reply **yes** to confirm it, or tell me what to change.",
        "confirm_again": "Do you confirm the order? Reply **yes** to confirm it, **cancel** to drop it, or tell me "
                         "what to change (product, quantity, name, phone, city or address).",
        "placed": "Done! Your order number **{number}** is placed. Total, cash on delivery: {total}. We'll call "
                  "{phone} to arrange the delivery.",
        "failed": "I couldn't place the order: {reason} Would you like to change the quantity or the product?",
        "reason_sold_out": "only {available} of {product} are left.",
        "reason_none_left": "{product} just sold out.",
        "reason_not_sold": "that product is no longer sold.",
        "reason_selling_fast": "it is selling very fast; please try again in a moment.",
        "reason_other": "the shop did not accept it.",
        "cancelled": "OK, I cancelled the order. Nothing was reserved. Can I help with anything else?",
        "free": "free",
    },
}


def _texts(bot) -> dict:
    return TEXTS.get(bot.language, TEXTS["en"])


def order_start(bot, conversation, intent: Intent) -> ShopAnswer | None:
    """The order's first step, or None when the request names something the shop does not sell
    ("¿puedo pedir una devolución?"): the knowledge flow answers that."""
    state = {"flow": "order", "step": "product"}
    if conversation.channel == "WHATSAPP" and conversation.phone:
        state["phone"] = conversation.phone  # the number they write from (chat.whatsapp); they may change it
    products = products_matching(bot, intent.query) if intent.query else []
    if not products and intent.query and names_something(intent.query):
        return None
    # "quiero pedir el de 10 ml" right after the lavender's cards means the lavender's 10 ml,
    # not every 10 ml product: the cards just shown narrow the match.
    shown = _products_last_shown(conversation)
    within = [product for product in products if str(product.pk) in shown]
    if within:
        products = within
    elif not products and shown:
        live = products_live(bot.tenant, shown)
        products = [live[product_id] for product_id in shown if product_id in live]
    if len(products) == 1 or _same_product_named(products, intent.query):
        if products[0].available <= 0:
            return _after(bot, conversation, state, SoldOut(_texts(bot)["sold_out"].format(product=products[0])))
        state["product"] = str(products[0].pk)
        state["step"] = "quantity"
        if intent.quantity:
            return _after(bot, conversation, state, _set_quantity(bot, state, intent.quantity))
    elif products:
        state["options"] = [str(product.pk) for product in products]
        state_save(conversation, state)
        return products_answer(bot, products, intro=_texts(bot)["choose"], outro="")
    if intent.quantity and "product" not in state:
        state["quantity"] = intent.quantity
    return _after(bot, conversation, state, None)


def _products_last_shown(conversation) -> list[str]:
    """The products on the cards of the bot's last answer in this conversation, if it had any."""
    last = (Message.objects.filter(conversation=conversation, role=Message.Role.ASSISTANT)
            .order_by("-created_at").values_list("cards", flat=True).first())
    return [card["product"] for card in last or [] if card.get("product")]


def order_step(bot, conversation, text: str) -> ShopAnswer | None:
    """The answer to the step the order is at. None for a question about something else
    ("¿cuánto tarda el envío?" while asked for a name): the knowledge flow answers it, and the
    order waits where it was."""
    state = dict(conversation.shop_state)
    folded = fold(text).strip()
    if _CANCEL.match(folded):
        state_save(conversation, {})
        return ShopAnswer(_texts(bot)["cancelled"], reason="order: abandoned")
    step = state.get("step", "product")
    changed = _field_to_change(folded)
    if changed:
        value = _value_after_field(text, changed)
        state.pop(changed, None)
        if changed == "product":
            state.pop("quantity", None)
        state["step"] = changed
        if not value:
            return _after(bot, conversation, state, None)
        text, step = value, changed
    elif "?" in text and step not in ("product", "confirm"):
        return None
    problem = _STEP_HANDLERS[step](bot, state, text)
    if step == "confirm" and problem is None and state.get("placed"):
        return _placed(bot, conversation, state)
    return _after(bot, conversation, state, problem)


class SoldOut(str):
    """What the bot says of a product that is sold out: the order cannot go on, a person helps."""


def _after(bot, conversation, state: dict, problem: str | None) -> ShopAnswer:
    """Save the state and ask the next question (or say what was wrong with the last answer)."""
    state["step"] = next((step for step in STEPS[:-1] if step not in state), "confirm")
    state_save(conversation, state)
    if problem:
        return ShopAnswer(problem, reason=f"order: {state['step']}",
                          handover="out_of_stock" if isinstance(problem, SoldOut) else "")
    return ShopAnswer(_question(bot, state), reason=f"order: {state['step']}")


def _question(bot, state: dict) -> str:
    texts, step = _texts(bot), state["step"]
    if step == "product":
        return texts["which_product"]
    if step == "quantity":
        product = _product(bot, state)
        return texts["quantity"].format(product=product, price=product.price_display)
    if step == "address":
        return texts["address"].format(city=state["city"])
    if step == "confirm":
        return _summary(bot, state)
    return texts[step]


# --- One handler per step: store the answer, or return what to say about it ------------------


def _take_product(bot, state: dict, text: str) -> str | None:
    texts = _texts(bot)
    options = products_live(bot.tenant, state.get("options", []))
    chosen = None
    number = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", text)
    if number and options and 1 <= int(number.group(1)) <= len(state.get("options", [])):
        chosen = options.get(state["options"][int(number.group(1)) - 1])
    if chosen is None:
        matches = products_matching(bot, text)
        if options:  # "el de 30 ml" among the options offered
            within = [product for product in matches if str(product.pk) in options]
            matches = within or matches
        if len(matches) > 1 and not _same_product_named(matches, text):
            state["options"] = [str(product.pk) for product in matches]
            return texts["choose"] + "\n\n" + "\n".join(
                f"{n}. {product}: {product.price_display}" for n, product in enumerate(matches, start=1))
        chosen = matches[0] if matches else None
    if chosen is None:
        return texts["not_found"]
    if chosen.available <= 0:
        return SoldOut(texts["sold_out"].format(product=chosen))
    state.pop("options", None)
    state["product"] = str(chosen.pk)
    if "quantity" in state:
        problem = _set_quantity(bot, state, state.pop("quantity"))
        return problem
    return None


def _same_product_named(products, text: str) -> bool:
    """The first match is the one meant when the text names what sets its variant apart (the
    "30" of "30 ml gotero" beside "10 ml gotero") and nothing that sets another's apart."""
    if not products:
        return False
    words = set(re.findall(r"\w+", fold(text)))

    def own(product) -> set[str]:
        return set(re.findall(r"\w+", fold(product.variant_name or "")))

    first, others = own(products[0]), [own(product) for product in products[1:]]
    distinct = first - set().union(*others) if others else first
    return bool(distinct) and distinct <= words and not any((other - first) & words for other in others)


def _take_quantity(bot, state: dict, text: str) -> str | None:
    quantity = quantity_in(text)
    if quantity is None or quantity < 1:
        return _texts(bot)["bad_quantity"]
    return _set_quantity(bot, state, quantity)


def _set_quantity(bot, state: dict, quantity: int) -> str | None:
    product = _product(bot, state)
    if product is None:
        state.pop("product", None)
        return _texts(bot)["not_found"]
    if quantity > product.available:
        if product.available <= 0:
            state.pop("product", None)
            return SoldOut(_texts(bot)["sold_out"].format(product=product))
        return _texts(bot)["few_left"].format(product=product, available=product.available)
    state["quantity"] = quantity
    if "city" in state:  # a new quantity may pass the cash-on-delivery limit of the city chosen
        problem = _quote_problem(bot, state, state["city"])
        if problem:
            state.pop("quantity")
            return problem
    return None


def _take_name(bot, state: dict, text: str) -> str | None:
    name = _NAME_PREFIX.sub("", text.strip()).strip(" .,")[:150]
    if len(name) < 2 or any(ch.isdigit() for ch in name) or _YES.fullmatch(fold(name)):
        return _texts(bot)["name"]  # "sí" answers no name
    state["name"] = name
    return None


def _take_phone(bot, state: dict, text: str) -> str | None:
    try:
        phone = phone_normalize(text.strip(), region=region_for_currency(bot.tenant.currency))
    except InvalidPhone:
        phone = ""
    if not phone:
        return _texts(bot)["bad_phone"]
    state["phone"] = phone
    return None


def _take_city(bot, state: dict, text: str) -> str | None:
    city = re.sub(r"^(?:en|a|in|to)\s+", "", text.strip(), flags=re.I).strip(" .,")[:100]
    problem = _quote_problem(bot, state, city)
    if problem:
        return problem
    state["city"] = city
    return None


def _take_address(bot, state: dict, text: str) -> str | None:
    address = text.strip()[:200]
    if len(address) < 5 or not any(ch.isdigit() for ch in address):
        return _texts(bot)["bad_address"]
    state["address"] = address
    return None


def _take_confirmation(bot, state: dict, text: str) -> str | None:
    if not _YES.match(fold(text)):
        return _texts(bot)["confirm_again"]
    state["placed"] = True
    return None


_STEP_HANDLERS = {"product": _take_product, "quantity": _take_quantity, "name": _take_name,
                  "phone": _take_phone, "city": _take_city, "address": _take_address,
                  "confirm": _take_confirmation}


def _field_to_change(folded: str) -> str | None:
    if not _CHANGE.search(folded):
        return None
    for name, words in FIELD_WORDS.items():
        if any(re.search(rf"\b{re.escape(word)}\b", folded) for word in words):
            return name
    return None


def _value_after_field(text: str, field: str) -> str:
    """The new value in "cambia la cantidad a 3" or "change the city to Cali", if given."""
    folded = fold(text)
    for word in FIELD_WORDS[field]:
        found = re.search(rf"\b{re.escape(word)}\b\s*(?:a|por|to|:|es|is)?\s+(.+)$", folded)
        if found:
            start = found.start(1)
            return text[start:].strip()
    return ""


# --- The quote and the order ----------------------------------------------------------------


def _product(bot, state: dict):
    return products_live(bot.tenant, [state.get("product")]).get(state.get("product"))


def _quote(bot, state: dict, city: str):
    return services.order_quote(tenant=bot.tenant, lines=[OrderLine(state["product"], state["quantity"])],
                                city=city, payment_method=PaymentMethod.CASH_ON_DELIVERY)


def _quote_problem(bot, state: dict, city: str) -> str | None:
    """Why an order cannot go to `city` cash on delivery, in the visitor's language; None if it can."""
    texts = _texts(bot)
    rate = shipping_rate_find_for_tenant(bot.tenant, city=city)
    if rate is None:
        return texts["no_shipping"].format(city=city)
    if not rate.cash_on_delivery:
        return texts["no_cod"].format(city=city)
    if "product" not in state or "quantity" not in state:
        return None
    try:
        _quote(bot, state, city)
    except ShopError as error:
        if error.code in ("no_shipping", "no_cod", "cod_max"):
            return texts[error.code].format(city=city, **error.params)
        return texts["failed"].format(reason=_reason(texts, error))
    return None


def _reason(texts: dict, error: ShopError) -> str:
    """Why the shop refused, in the visitor's language (the service's own message is English)."""
    if error.code == "sold_out" and not error.params.get("available"):
        return texts["reason_none_left"].format(**error.params)
    key = f"reason_{error.code}"
    return texts[key].format(**error.params) if key in texts else texts["reason_other"]


def _summary(bot, state: dict) -> str:
    texts = _texts(bot)
    try:
        quote = _quote(bot, state, state["city"])
    except ShopError as error:
        return texts["failed"].format(reason=_reason(texts, error))
    product, quantity = quote.lines[0]
    return texts["summary"].format(
        quantity=quantity, product=product, subtotal=quote.money(quote.subtotal), city=state["city"],
        shipping=quote.money(quote.shipping_cost) if quote.shipping_cost else texts["free"],
        total=quote.money(quote.total), name=state["name"], phone=state["phone"], address=state["address"],
        days_min=quote.rate.days_min, days_max=quote.rate.days_max)


def _placed(bot, conversation, state: dict) -> ShopAnswer:
    texts = _texts(bot)
    try:
        with transaction.atomic():
            customer = services.customer_upsert(tenant=bot.tenant, name=state["name"], phone=state["phone"])
            address = services.address_add(customer=customer, line1=state["address"], city=state["city"])
            order = services.order_place(
                tenant=bot.tenant, lines=[OrderLine(state["product"], state["quantity"])], customer=customer,
                address=address, payment_method=PaymentMethod.CASH_ON_DELIVERY,
                note=f"Placed in the chat ({conversation.get_channel_display()}).")
    except ShopError as error:
        state.pop("placed", None)
        state.pop("quantity", None)
        state["step"] = "quantity"
        state_save(conversation, state)
        return ShopAnswer(texts["failed"].format(reason=_reason(texts, error)), answered=False,
                          reason=f"order refused: {error}",
                          handover="out_of_stock" if error.code == "sold_out" else "")
    state_save(conversation, {})
    customer_link(conversation, customer.pk)
    return ShopAnswer(texts["placed"].format(number=order.number, total=order.money(order.total),
                                             phone=state["phone"]), reason=f"order {order.number} placed")
