"""One handler per step of the order: store the customer's answer in the state, or return what
to say about it (None when it was taken)."""

from __future__ import annotations

from chat.shop import products_matching, quantity_in
from chat.shop_order.checkout import quote_problem
from chat.shop_order.reading import address_in, city_in, name_in, option_number, same_product_named, says_yes
from chat.shop_order.replies import SoldOut, texts_for
from commerce.knowledge import products_live
from commerce.phones import InvalidPhone, phone_normalize, region_for_currency


def state_product(bot, state: dict):
    """The product the order is for, live (None once it is no longer sold)."""
    return products_live(bot.tenant, [state.get("product")]).get(state.get("product"))


def _take_product(bot, state: dict, text: str) -> str | None:
    texts = texts_for(bot)
    options = products_live(bot.tenant, state.get("options", []))
    chosen = None
    number = option_number(text)
    if number is not None and options and 1 <= number <= len(state.get("options", [])):
        chosen = options.get(state["options"][number - 1])
    if chosen is None:
        matches = products_matching(bot, text)
        if options:  # "el de 30 ml" among the options offered
            within = [product for product in matches if str(product.pk) in options]
            matches = within or matches
        if len(matches) > 1 and not same_product_named(matches, text):
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
        problem = set_quantity(bot, state, state.pop("quantity"))
        return problem
    return None


def _take_quantity(bot, state: dict, text: str) -> str | None:
    quantity = quantity_in(text)
    if quantity is None or quantity < 1:
        return texts_for(bot)["bad_quantity"]
    return set_quantity(bot, state, quantity)


def set_quantity(bot, state: dict, quantity: int) -> str | None:
    product = state_product(bot, state)
    if product is None:
        state.pop("product", None)
        return texts_for(bot)["not_found"]
    if quantity > product.available:
        if product.available <= 0:
            state.pop("product", None)
            return SoldOut(texts_for(bot)["sold_out"].format(product=product))
        return texts_for(bot)["few_left"].format(product=product, available=product.available)
    state["quantity"] = quantity
    if "city" in state:  # a new quantity may pass the cash-on-delivery limit of the city chosen
        problem = quote_problem(bot, state, state["city"])
        if problem:
            state.pop("quantity")
            return problem
    return None


def _take_name(bot, state: dict, text: str) -> str | None:
    name = name_in(text)
    if not name:
        return texts_for(bot)["name"]  # "sí" answers no name
    state["name"] = name
    return None


def _take_phone(bot, state: dict, text: str) -> str | None:
    try:
        phone = phone_normalize(text.strip(), region=region_for_currency(bot.tenant.currency))
    except InvalidPhone:
        phone = ""
    if not phone:
        return texts_for(bot)["bad_phone"]
    state["phone"] = phone
    return None


def _take_city(bot, state: dict, text: str) -> str | None:
    city = city_in(text)
    problem = quote_problem(bot, state, city)
    if problem:
        return problem
    state["city"] = city
    return None


def _take_address(bot, state: dict, text: str) -> str | None:
    address = address_in(text)
    if not address:
        return texts_for(bot)["bad_address"]
    state["address"] = address
    return None


def _take_confirmation(bot, state: dict, text: str) -> str | None:
    if not says_yes(text):
        return texts_for(bot)["confirm_again"]
    state["placed"] = True
    return None


STEP_HANDLERS = {"product": _take_product, "quantity": _take_quantity, "name": _take_name,
                 "phone": _take_phone, "city": _take_city, "address": _take_address,
                 "confirm": _take_confirmation}
