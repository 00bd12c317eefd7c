"""The shop in chat: product questions answered with live prices, an order's status for a
customer who proves it is theirs, and a cash-on-delivery order taken step by step
(chat.shop_order). Only for bots that know the shop (commerce.knowledge).

    shop_reply(bot, conversation, question, history, model)
      ├─ an order being taken, or a status waiting for the phone or e-mail → that flow's next step
      ├─ the intent: the chat model's tool call when the tenant has a model, else (and when it
      │  fails) keywords in both languages
      ├─ product question → the products whose passages match it, read live: cards and a list
      ├─ order status → the order's number, then the phone or e-mail on it
      ├─ new order → chat.shop_order
      └─ anything else → None: the knowledge flow answers, unchanged

The intent is only a guess: a product question that matches no product also goes on to the
knowledge flow, which may know the answer from the shop's documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.urls import reverse

from chat.followup import standalone_question
from chat.models import Conversation
from commerce import knowledge
from commerce.models import Product
from documents.relevance import ATTRIBUTES, CONCEPT, concept, coverage
from documents.search import retrieve
from kaiu.ai.chat import ChatModelError
from kaiu.ai.embeddings import fold

MAX_CARDS = 6
SUBJECT_COVERAGE = 0.5  # of the question's words naming a product, the share its passage must hold
TIE_SHARE = 0.8  # products this close to the best match are shown beside it (the other sizes)
_STOCK = CONCEPT["stock"]
LIVE_LEXEMES = frozenset({"price", "stock"})


@dataclass
class ShopAnswer:
    text: str
    cards: list[dict] = field(default_factory=list)
    answered: bool = True
    reason: str = ""  # what the transcript says of it: "order status: verified", "order 1043 placed"
    handover: str = ""  # what was asked cannot be done: a person takes over (chat.handover's code)


@dataclass
class Intent:
    kind: str  # "product", "status", "order" or "other"
    query: str = ""  # what names the product
    number: int | None = None  # an order's number
    quantity: int | None = None
    contact: str = ""  # a phone or e-mail given with the question


# --- Telling what the visitor wants, offline ----------------------------------------------

_ORDER = r"(?:pedido|orden|compra|order|purchase|package|paquete)"
_NUMBER_OF_ORDER = re.compile(_ORDER + r"s?\s*(?:n(?:o|umero|umber|°|º)?\.?\s*)?#?\s*(\d{1,9})\b")
_STATUS = re.compile(r"\b(?:donde (?:esta|va|anda|queda)|estado|rastre|seguimiento|cuando (?:llega|me llega)|"
                     r"no (?:ha )?llega|llego|guia|where(?:'s| is)|status|track|when will|arriv|has not come|"
                     r"hasn't (?:come|arrived))")
_NEW_ORDER = re.compile(r"\b(?:(?:quiero|quisiera|me gustaria|deseo|voy a|puedo|quiero hacer un|hacer un|"
                        r"hacer el|realizar un) ?(?:comprar|pedir|ordenar|encargar|pedido|compra)|"
                        r"me (?:lo|la|los|las) llevo|"
                        r"(?:i want|i'd like|i would like|i wish|can i|let me|i'll|i will) (?:to )?"
                        r"(?:buy|order|purchase|place an order)|place an order|make an order)\b")
_PRODUCT = re.compile(r"\b(?:tienen|tienes|venden|vendes|manejan|hay|precio|precios|cuesta|cuestan|vale|valen|"
                      r"cuanto|disponible|disponibles|stock|agotad|quedan?|catalogo|productos?|"
                      r"do you (?:have|sell|carry|stock)|price|prices|cost|costs|how much|in stock|available|"
                      r"sold out|catalog|catalogue|products?)\b")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")
_WORD_NUMBERS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7, "ocho": 8,
    "nueve": 9, "diez": 10, "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}
_UNITS = r"(?:ml|mililitros?|l|lt|litros?|g|gr|gramos?|kg|oz|cc|%|x\d)"
_QUANTITY = re.compile(r"(?<![\d.,])(\d{1,4})(?!\s*" + _UNITS + r"\b)(?![\d.,%])")
# Words that ask about the shop rather than name a product: they count for nothing in a match.
SHOP_WORDS = frozenset("""
    tienen tienes venden vendes manejan precio precios cuesta cuestan vale valen disponible disponibles stock
    agotado agotados quedan queda producto productos comprar compro pedir pido pedido quiero quisiera unidades
    unidad catalogo tienda have sell sells carry price prices cost costs available product products buy order
    want unit units shop store catalog catalogue sold out
    """.split())


def intent_offline(question: str) -> Intent:
    text = fold(question)
    contact = contact_in(question)
    number = _NUMBER_OF_ORDER.search(text)
    if number and not _NEW_ORDER.search(text):
        return Intent("status", number=int(number.group(1)), contact=contact)
    if re.search(r"\b(?:mi|my|el|the|nuestro|our)\s+" + _ORDER, text) and _STATUS.search(text):
        return Intent("status", contact=contact)
    if _NEW_ORDER.search(text):
        return Intent("order", query=question, quantity=quantity_in(question))
    if _PRODUCT.search(text):
        return Intent("product", query=question)
    return Intent("other")


ORDER_CUES = frozenset("""
    quiero quisiera gustaria deseo voy puedo hacer realizar comprar pedir ordenar encargar pedido compra llevo
    lo la los las me un una unos unas de del el favor por i want would like wish can let ll will to buy order
    purchase place an make a some please the of
    """.split())


def names_something(text: str) -> bool:
    """Whether a request to order names a thing ("quiero pedir una devolución", "... aceite de
    argán"), not just the wish to order ("quiero hacer un pedido")."""
    words = [word for word in re.findall(r"\w+", fold(text)) if not word.isdigit()]
    return any(len(word) > 2 and word not in ORDER_CUES and word not in SHOP_WORDS and word not in _WORD_NUMBERS
               for word in words)


def contact_in(text: str) -> str:
    """An e-mail or a phone number the visitor wrote, if any."""
    email = _EMAIL.search(text)
    if email:
        return email.group(0)
    phone = _PHONE.search(text)
    return phone.group(0) if phone and sum(ch.isdigit() for ch in phone.group(0)) >= 7 else ""


def quantity_in(text: str) -> int | None:
    """How many: "2", "dos", "three" (not the 10 of "10 ml")."""
    folded = fold(text)
    match = _QUANTITY.search(folded)
    if match:
        return int(match.group(1))
    for word in re.findall(r"\w+", folded):
        if word in _WORD_NUMBERS and word not in ("a", "un", "una", "an"):
            return _WORD_NUMBERS[word]
    return None


# --- Telling what the visitor wants, with the chat model's tools --------------------------

TOOLS = [
    {"type": "function", "function": {
        "name": "search_products", "description": "The customer asks about products: whether the shop has or "
        "sells something, its price, size or stock.",
        "parameters": {"type": "object", "properties": {"query": {"type": "string", "description":
                       "The product the customer names, in their words."}}, "required": ["query"]}}},
    {"type": "function", "function": {
        "name": "order_status", "description": "The customer asks where an order they placed is, or its status.",
        "parameters": {"type": "object", "properties": {
            "order_number": {"type": "integer", "description": "The order's number, if given."},
            "contact": {"type": "string", "description": "A phone or e-mail the customer gave, if any."}}}}},
    {"type": "function", "function": {
        "name": "start_order", "description": "The customer wants to buy or order a product now.",
        "parameters": {"type": "object", "properties": {
            "product": {"type": "string", "description": "The product, if named."},
            "quantity": {"type": "integer", "description": "How many, if said."}}}}},
]
TOOL_INSTRUCTIONS = (
    "You route a shop customer's last message. Call search_products for a question about products (do you "
    "have, price, stock), order_status for a question about an order already placed, start_order when they "
    "want to buy now. For anything else (shipping, payments, returns, other questions) call no tool.")


def intent_by_model(model, question: str, history) -> Intent | None:
    """The model's choice, or None when it cannot say (no tools, or the provider failed)."""
    choose = getattr(model, "choose_tool", None)
    if choose is None:
        return None
    try:
        chosen = choose(instructions=TOOL_INSTRUCTIONS, history=history, question=question, tools=TOOLS)
    except ChatModelError:
        return None
    if chosen is None:
        return Intent("other")
    name, arguments = chosen
    if name == "search_products":
        return Intent("product", query=str(arguments.get("query") or question))
    if name == "order_status":
        number = arguments.get("order_number")
        return Intent("status", number=number if isinstance(number, int) and number > 0 else None,
                      contact=str(arguments.get("contact") or contact_in(question)))
    if name == "start_order":
        quantity = arguments.get("quantity")
        return Intent("order", query=str(arguments.get("product") or question),
                      quantity=quantity if isinstance(quantity, int) and quantity > 0 else None)
    return Intent("other")


# --- Products -----------------------------------------------------------------------------


def products_matching(bot, text: str) -> list[Product]:
    """The active products whose passages name what `text` asks for, best first, as they are
    now: the words of `text` that name something (not "price", "do you have") must be in the
    product's passage."""
    retrieval = retrieve(bot, text, k=12, record=False)
    hits = [hit for hit in retrieval.hits if knowledge.product_id_of(hit.metadata)]
    held = set().union(*(hit.lexemes for hit in hits)) if hits else set()
    # A number no product passage holds is a quantity ("I want 2 candles"), not part of a name.
    subject = [term for term in retrieval.terms if not _asks_about_the_shop(term)
               and not (term.word.isdigit() and term.lexeme not in held)]
    if not hits or not subject:
        return []
    scored = [(coverage(subject, hit.lexemes), hit) for hit in hits]
    best = max(score for score, _ in scored)
    if best < SUBJECT_COVERAGE:
        return []
    names = [term for term in subject if term.entity]
    ids = [knowledge.product_id_of(hit.metadata) for score, hit in sorted(scored, key=lambda pair: -pair[0])
           if score >= TIE_SHARE * best and all(name.lexeme in hit.lexemes for name in names)]
    live = knowledge.products_live(bot.tenant, ids)
    return [live[product_id] for product_id in ids if product_id in live][:MAX_CARDS]


def _asks_about_the_shop(term) -> bool:
    return concept(term.lexeme) in ATTRIBUTES | {_STOCK} or fold(term.word) in SHOP_WORDS


PRODUCT_TEXTS = {
    "es": {"intro": "Esto es lo que tenemos:", "in_stock": "disponible", "out": "agotado por ahora",
           "outro": "Si quieres pedir alguno, escribe por ejemplo «quiero pedir 2» y el producto."},
    "en": {"intro": "Here is what we have:", "in_stock": "in stock", "out": "out of stock for now",
           "outro": "To order one, write for example “I want to order 2” and the product."},
}


def product_card(bot, product: Product) -> dict:
    texts = PRODUCT_TEXTS.get(bot.language, PRODUCT_TEXTS["en"])
    in_stock = product.available > 0
    title = f"{product.name} ({product.variant_name})" if product.variant_name else product.name
    line = f"- {title}: {product.price_display}, {texts['in_stock'] if in_stock else texts['out']}"
    image = reverse("chat:public-product-image", args=[bot.public_id, product.pk]) if product.image else ""
    return {"product": str(product.pk), "name": product.name, "variant": product.variant_name,
            "price": product.price_display, "in_stock": in_stock, "available": max(product.available, 0),
            "image": image, "line": line}


def products_answer(bot, products: list[Product], *, intro: str = "", outro: str | None = None) -> ShopAnswer:
    """Cards, and the same as a plain-text list (the API's form, transcripts)."""
    texts = PRODUCT_TEXTS.get(bot.language, PRODUCT_TEXTS["en"])
    cards = [product_card(bot, product) for product in products]
    parts = [intro or texts["intro"], "\n".join(card["line"] for card in cards)]
    outro = texts["outro"] if outro is None else outro
    if outro:
        parts.append(outro)
    return ShopAnswer("\n\n".join(parts), cards=cards, reason="products: " + ", ".join(p.sku for p in products))


# --- The entry point ----------------------------------------------------------------------


def shop_reply(bot, conversation: Conversation, question: str, history, model) -> ShopAnswer | None:
    """The shop's answer to `question`, or None for the knowledge flow."""
    from chat import shop_order, shop_status

    if not knowledge.knows_shop(bot):
        return None
    flow = (conversation.shop_state or {}).get("flow")
    if flow == "status":
        answer = shop_status.status_step(bot, conversation, question)
        if answer is not None:
            return answer
        flow = (conversation.shop_state or {}).get("flow")  # an order it paused goes on
    if flow == "order":
        answer = shop_order.order_step(bot, conversation, question)
        if answer is not None:
            return answer
    # Not an answer to the step the visitor is at: what else they want (an order being taken
    # waits meanwhile, and is not started again).
    intent = intent_by_model(model, question, history) or intent_offline(question)
    if intent.kind == "status":
        return shop_status.status_start(bot, conversation, intent)
    if intent.kind == "order" and flow != "order":
        return shop_order.order_start(bot, conversation, intent)
    if intent.kind == "product":
        # "¿Y cuánto cuesta?" after a product: searched as a question about it (chat.followup).
        query = intent.query if intent.query != question else standalone_question(question, history, model)
        products = products_matching(bot, query)
        if products:
            return products_answer(bot, products)
    return None


def product_image_find_for_bot(bot, product_id) -> Product | None:
    """The product whose image a card of `bot` shows: on sale, with an image, of the bot's
    tenant, and the bot knows the shop."""
    if not knowledge.knows_shop(bot):
        return None
    return Product.objects.filter(tenant_id=bot.tenant_id, pk=product_id, is_active=True).exclude(image="").first()


def live_product_passages(bot, retrieval) -> bool:
    """Product passages among the retrieved ones read with their price and stock as they are
    now; those of products no longer on sale dropped, even while their passage is stored.
    True when any passage was a product's: the answer must not be cached, its price may change."""
    ids = [knowledge.product_id_of(hit.metadata) for hit in retrieval.hits]
    if not any(ids):
        return False
    live = knowledge.products_live(bot.tenant, ids)
    kept = []
    for hit, product_id in zip(retrieval.hits, ids, strict=True):
        if product_id is None:
            kept.append(hit)
        elif product_id in live:
            hit.text = f"{hit.text}\n{knowledge.live_line(live[product_id], bot.language)}"
            hit.lexemes = hit.lexemes | LIVE_LEXEMES  # the passage now states a price and the stock
            kept.append(hit)
    retrieval.hits = kept
    return True


def shop_flow_active(bot, conversation: Conversation) -> bool:
    return bool((conversation.shop_state or {}).get("flow")) and knowledge.knows_shop(bot)


def customer_link(conversation: Conversation, customer_id) -> None:
    """The customer the conversation is with, once they ordered or proved an order is theirs
    (the inbox shows their details and orders). A customer already linked stays."""
    if customer_id and conversation.customer_id is None and not conversation._state.adding:
        Conversation.objects.filter(pk=conversation.pk, customer__isnull=True).update(customer_id=customer_id)
        conversation.customer_id = customer_id


def state_save(conversation: Conversation, state: dict) -> None:
    conversation.shop_state = state
    Conversation.objects.filter(pk=conversation.pk).update(shop_state=state)
