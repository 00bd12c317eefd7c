"""The order's quote (commerce.services.order_quote, which reserves nothing), the summary the
customer confirms, and placing the order once they have said yes."""

from __future__ import annotations

from django.db import transaction

from chat.shop import ShopAnswer, customer_link, state_save
from chat.shop_order.replies import refusal_reason, texts_for
from commerce import services
from commerce.models import PaymentMethod
from commerce.selectors import shipping_rate_find_for_tenant
from commerce.services import OrderLine, ShopError


def _quote(bot, state: dict, city: str):
    return services.order_quote(tenant=bot.tenant, lines=[OrderLine(state["product"], state["quantity"])],
                                city=city, payment_method=PaymentMethod.CASH_ON_DELIVERY)


def quote_problem(bot, state: dict, city: str) -> str | None:
    """Why an order cannot go to `city` cash on delivery, in the visitor's language; None if it can."""
    texts = texts_for(bot)
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
        return texts["failed"].format(reason=refusal_reason(texts, error))
    return None


def summary(bot, state: dict) -> str:
    texts = texts_for(bot)
    try:
        quote = _quote(bot, state, state["city"])
    except ShopError as error:
        return texts["failed"].format(reason=refusal_reason(texts, error))
    product, quantity = quote.lines[0]
    return texts["summary"].format(
        quantity=quantity, product=product, subtotal=quote.money(quote.subtotal), city=state["city"],
        shipping=quote.money(quote.shipping_cost) if quote.shipping_cost else texts["free"],
        total=quote.money(quote.total), name=state["name"], phone=state["phone"], address=state["address"],
        days_min=quote.rate.days_min, days_max=quote.rate.days_max)


def order_placed(bot, conversation, state: dict) -> ShopAnswer:
    """Place the order the customer confirmed, or send them back to the quantity with why not."""
    texts = texts_for(bot)
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
        return ShopAnswer(texts["failed"].format(reason=refusal_reason(texts, error)), answered=False,
                          reason=f"order refused: {error}",
                          handover="out_of_stock" if error.code == "sold_out" else "")
    state_save(conversation, {})
    customer_link(conversation, customer.pk)
    return ShopAnswer(texts["placed"].format(number=order.number, total=order.money(order.total),
                                             phone=state["phone"]), reason=f"order {order.number} placed")
