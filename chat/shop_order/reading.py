"""What the customer said, read from their text: a cancel, a yes, which answer they want to
change and its new value, an option's number, a name, a city, an address. Nothing here knows
the order's state; steps.py decides what an answer means for it."""

from __future__ import annotations

import re

from kaiu.ai.embeddings import fold

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


def wants_to_cancel(folded: str) -> bool:
    return bool(_CANCEL.match(folded))


def says_yes(text: str) -> bool:
    return bool(_YES.match(fold(text)))


def field_to_change(folded: str) -> str | None:
    if not _CHANGE.search(folded):
        return None
    for name, words in FIELD_WORDS.items():
        if any(re.search(rf"\b{re.escape(word)}\b", folded) for word in words):
            return name
    return None


def value_after_field(text: str, field: str) -> str:
    """The new value in "cambia la cantidad a 3" or "change the city to Cali", if given."""
    folded = fold(text)
    for word in FIELD_WORDS[field]:
        found = re.search(rf"\b{re.escape(word)}\b\s*(?:a|por|to|:|es|is)?\s+(.+)$", folded)
        if found:
            start = found.start(1)
            return text[start:].strip()
    return ""


def option_number(text: str) -> int | None:
    """The 2 of "2" or "2." when answering a numbered list of options."""
    number = re.fullmatch(r"\s*(\d{1,2})\s*[.)]?\s*", text)
    return int(number.group(1)) if number else None


def same_product_named(products, text: str) -> bool:
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


def name_in(text: str) -> str:
    """The name in "me llamo Ana Gómez", or "" when the text is no name ("sí", a number)."""
    name = _NAME_PREFIX.sub("", text.strip()).strip(" .,")[:150]
    if len(name) < 2 or any(ch.isdigit() for ch in name) or _YES.fullmatch(fold(name)):
        return ""
    return name


def city_in(text: str) -> str:
    return re.sub(r"^(?:en|a|in|to)\s+", "", text.strip(), flags=re.I).strip(" .,")[:100]


def address_in(text: str) -> str:
    """The address, or "" when it cannot be a full one (too short, no number in it)."""
    address = text.strip()[:200]
    if len(address) < 5 or not any(ch.isdigit() for ch in address):
        return ""
    return address
