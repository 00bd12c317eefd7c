"""A cash-on-delivery order taken in the conversation, one question at a time: the product and
how many, the customer's name, phone, city and address, then a summary with the shipping cost
and the total (commerce.services.order_quote, which reserves nothing) and an explicit "yes".
Only then is the order placed (order_place: PENDING, its units reserved) and its number said.

The customer may change any answer ("cambiar la ciudad", "change the quantity to 3") or drop
the order ("cancelar", "cancel") at any step. Where they are lives in
Conversation.shop_state, so the order goes on from any request, process or channel.

The package, by responsibility: `flow` (the step machine: order_start, order_step), `reading`
(what the customer said: a cancel, a yes, a field to change, a name, a city...), `steps` (one
handler per step that stores the answer or says what was wrong with it), `checkout` (the quote,
the summary and placing the order) and `replies` (what the bot says, in Spanish and English).
"""

from chat.shop_order.flow import order_start, order_step

__all__ = ["order_start", "order_step"]
