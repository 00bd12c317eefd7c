"""The SQL of order_place: its two reads and its write in one statement.

Why not the ORM: with gap-free numbers the tenant's counter row stays locked from the moment
a number is taken until the commit, so a tenant's orders queue there, and on 2 cores CPU is
the rest of the limit. benchmarks/orders.py, 16 clients on 50 products (2 cores shared with
other work): the ORM (a statement per table, a CASE update of the products) 80 orders/s at
~8 ms of client CPU per order; this statement with ORM reads 126/s; with these reads too
203 placed + 103 refused calls/s, 2.0 ms client + 2.1 ms PostgreSQL CPU per call. Here the
counter is the statement's first step: it is held for the statement and the commit only.
"""

import json
import uuid

from django.db import connection

from commerce.models import Order, OrderStatus, StockMovement

FIRST_ORDER_NUMBER = 1001

_ORDER_COLUMNS = ("id, tenant_id, number, status, payment_method, currency, subtotal, shipping_cost, total, "
                  "customer_id, customer_snapshot, shipping_address, billing_address, shipping_days_min, "
                  "shipping_days_max, carrier, tracking_number, tracking_url, external_id, note, placed_by_id, "
                  "created_at, updated_at")
_LINE = "(%s::uuid, %s::uuid, %s::text, %s::text, %s::text, %s::bigint, %s::integer, %s::integer, %s::integer)"

_WRITE = f"""
WITH counter AS (
    INSERT INTO commerce_ordercounter AS c (tenant_id, last_number) VALUES (%s, {FIRST_ORDER_NUMBER})
    ON CONFLICT (tenant_id) DO UPDATE SET last_number = c.last_number + 1
    RETURNING last_number
), new_order AS (
    INSERT INTO commerce_order ({_ORDER_COLUMNS})
    SELECT %s, %s, last_number, %s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s::jsonb, '{{}}'::jsonb, %s, %s,
           '', '', '', %s, %s, %s, now(), now()
    FROM counter
    RETURNING number, created_at
), lines (item_id, product_id, sku, name, variant_name, unit_price, quantity, stock_after, reserved_after) AS (
    VALUES __LINES__
), items AS (
    INSERT INTO commerce_orderitem (id, tenant_id, order_id, product_id, sku, name, variant_name, unit_price, quantity)
    SELECT item_id, %s, %s, product_id, sku, name, variant_name, unit_price, quantity FROM lines
), reserved AS (
    UPDATE commerce_product AS p SET stock_reserved = p.stock_reserved + lines.quantity, updated_at = now()
    FROM lines WHERE p.id = lines.product_id
), movements AS (
    INSERT INTO commerce_stockmovement (tenant_id, product_id, kind, delta, reserved_delta, stock_after,
                                        reserved_after, reason, order_id, user_id, at)
    SELECT %s, product_id, '{StockMovement.Kind.RESERVE}', 0, quantity, stock_after, reserved_after,
           'Order ' || (SELECT number FROM new_order) || ' placed', %s, %s, now()
    FROM lines
), event AS (
    INSERT INTO commerce_orderevent (tenant_id, order_id, from_status, to_status, user_id, note, at)
    VALUES (%s, %s, '', %s, %s, %s, now())
)
SELECT number, created_at FROM new_order
"""


def rows_as(model, sql: str, params) -> list:
    """`model` instances from plain SQL ("SELECT {columns} FROM ..."). For the reads of
    order_place (the products it locks, the shipping rate): building them with the ORM took
    half the CPU order_place used on its side (profiled in one process)."""
    names = [field.attname for field in model._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(columns=", ".join(names)), params)
        return [model.from_db("default", names, row) for row in cursor.fetchall()]


def order_insert(order: Order, lines) -> None:
    """Write `order` (unsaved, priced) with its `lines` [(locked product, quantity)]: items,
    reservations, movements and the event, then its number. Fills in order.number."""
    tenant, user = order.tenant_id, order.placed_by_id
    line_params = []
    for product, quantity in lines:
        line_params += [uuid.uuid4(), product.pk, product.sku, product.name, product.variant_name, product.price,
                        quantity, product.stock, product.stock_reserved + quantity]
    params = [
        tenant,
        order.pk, tenant, OrderStatus.PENDING, order.payment_method, order.currency, order.subtotal,
        order.shipping_cost, order.total, order.customer_id, json.dumps(order.customer_snapshot),
        json.dumps(order.shipping_address), order.shipping_days_min, order.shipping_days_max, order.external_id,
        order.note, user,
        *line_params,
        tenant, order.pk,
        tenant, order.pk, user,
        tenant, order.pk, OrderStatus.PENDING, user, order.note[:500],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_WRITE.replace("__LINES__", ", ".join([_LINE] * len(lines))), params)
        order.number, order.created_at = cursor.fetchone()
    order.updated_at = order.created_at
    order._state.adding, order._state.db = False, "default"
    for product, quantity in lines:  # the caller's view of the products matches the database
        product.stock_reserved += quantity
