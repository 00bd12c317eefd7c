"""What the bot says while it takes an order, in the bot's language (Spanish or English)."""

from __future__ import annotations

from commerce.services import ShopError

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


def texts_for(bot) -> dict:
    return TEXTS.get(bot.language, TEXTS["en"])


class SoldOut(str):
    """What the bot says of a product that is sold out: the order cannot go on, a person helps."""


def refusal_reason(texts: dict, error: ShopError) -> str:
    """Why the shop refused, in the visitor's language (the service's own message is English)."""
    if error.code == "sold_out" and not error.params.get("available"):
        return texts["reason_none_left"].format(**error.params)
    key = f"reason_{error.code}"
    return texts[key].format(**error.params) if key in texts else texts["reason_other"]
