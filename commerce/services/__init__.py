"""Writes for the shop. Every change of stock or order status happens here, in one
transaction, and leaves a StockMovement or an OrderEvent.

Locks are always taken in one order, so two writers never wait on each other in a circle:
the order row first (a transition), then products by id, then the tenant's order counter.
Refusals a person can act on raise ShopError; its message is shown as it is.

The package, by responsibility: `errors` (ShopError and its CSV kind), `pricing` (what an
order costs and whether it can be served: lines, shipping rate, cash on delivery), `orders`
(quote, place, transition, tracking), `stock` (every change of stock and its movement),
`products` (the catalogue), `product_csv` (CSV import and export), `customers` (customers
and their addresses) and `shipping` (shipping rates). Callers import from `commerce.services`.
"""

from commerce.services.customers import address_add, customer_for_whatsapp, customer_update, customer_upsert
from commerce.services.errors import CsvImportError, ShopError
from commerce.services.orders import (
    ORDER_PLACE_ATTEMPTS,
    order_place,
    order_quote,
    order_tracking_update,
    order_transition,
)
from commerce.services.pricing import MAX_LINE_QUANTITY, MAX_ORDER_LINES, OrderLine, Quote
from commerce.services.product_csv import ImportResult, product_export_csv, product_import_csv
from commerce.services.products import PRODUCT_FIELDS, product_create, product_image_set, product_update
from commerce.services.shipping import shipping_rate_save
from commerce.services.stock import stock_adjust

__all__ = [
    "MAX_LINE_QUANTITY", "MAX_ORDER_LINES", "ORDER_PLACE_ATTEMPTS", "PRODUCT_FIELDS", "CsvImportError",
    "ImportResult", "OrderLine", "Quote", "ShopError", "address_add", "customer_for_whatsapp", "customer_update",
    "customer_upsert", "order_place", "order_quote", "order_tracking_update", "order_transition",
    "product_create", "product_export_csv", "product_image_set", "product_import_csv", "product_update",
    "shipping_rate_save", "stock_adjust",
]
