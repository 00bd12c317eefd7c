"""The step machine: where an order starts, which step a message answers, and which question
comes next. The state it keeps is Conversation.shop_state (chat.shop.state_save)."""

from __future__ import annotations

from chat.models import Message
from chat.shop import Intent, ShopAnswer, names_something, products_answer, products_matching, state_save
from chat.shop_order.checkout import order_placed, summary
from chat.shop_order.reading import field_to_change, same_product_named, value_after_field, wants_to_cancel
from chat.shop_order.replies import SoldOut, texts_for
from chat.shop_order.steps import STEP_HANDLERS, set_quantity, state_product
from commerce.knowledge import products_live
from kaiu.ai.embeddings import fold

STEPS = ("product", "quantity", "name", "phone", "city", "address", "confirm")


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
    if len(products) == 1 or same_product_named(products, intent.query):
        if products[0].available <= 0:
            return _after(bot, conversation, state, SoldOut(texts_for(bot)["sold_out"].format(product=products[0])))
        state["product"] = str(products[0].pk)
        state["step"] = "quantity"
        if intent.quantity:
            return _after(bot, conversation, state, set_quantity(bot, state, intent.quantity))
    elif products:
        state["options"] = [str(product.pk) for product in products]
        state_save(conversation, state)
        return products_answer(bot, products, intro=texts_for(bot)["choose"], outro="")
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
    if wants_to_cancel(folded):
        state_save(conversation, {})
        return ShopAnswer(texts_for(bot)["cancelled"], reason="order: abandoned")
    step = state.get("step", "product")
    changed = field_to_change(folded)
    if changed:
        value = value_after_field(text, changed)
        state.pop(changed, None)
        if changed == "product":
            state.pop("quantity", None)
        state["step"] = changed
        if not value:
            return _after(bot, conversation, state, None)
        text, step = value, changed
    elif "?" in text and step not in ("product", "confirm"):
        return None
    problem = STEP_HANDLERS[step](bot, state, text)
    if step == "confirm" and problem is None and state.get("placed"):
        return order_placed(bot, conversation, state)
    return _after(bot, conversation, state, problem)


def _after(bot, conversation, state: dict, problem: str | None) -> ShopAnswer:
    """Save the state and ask the next question (or say what was wrong with the last answer)."""
    state["step"] = next((step for step in STEPS[:-1] if step not in state), "confirm")
    state_save(conversation, state)
    if problem:
        return ShopAnswer(problem, reason=f"order: {state['step']}",
                          handover="out_of_stock" if isinstance(problem, SoldOut) else "")
    return ShopAnswer(_question(bot, state), reason=f"order: {state['step']}")


def _question(bot, state: dict) -> str:
    texts, step = texts_for(bot), state["step"]
    if step == "product":
        return texts["which_product"]
    if step == "quantity":
        product = state_product(bot, state)
        return texts["quantity"].format(product=product, price=product.price_display)
    if step == "address":
        return texts["address"].format(city=state["city"])
    if step == "confirm":
        return summary(bot, state)
    return texts[step]
