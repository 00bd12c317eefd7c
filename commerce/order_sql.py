"""The SQL of order_place: the product read it prices from, and its write in one statement.

Why not the ORM: with gap-free numbers the tenant's counter row stays locked from the moment
a number is taken until the commit is on disk, so a tenant's orders queue there, and on 2
cores CPU is the rest of the limit. benchmarks/orders.py, 16 clients on 50 products (2 cores
shared with other work): the ORM (a statement per table, a CASE update of the products) 80
orders/s at ~8 ms of client CPU per order; one write statement inside a transaction that
locked the products first (SELECT ... FOR UPDATE, pricing in Python, the write, COMMIT) 253;
the write below, its own transaction with the counter taken last, 317 placed + 167 refused
calls/s at 1.4 ms client + 0.9 ms PostgreSQL CPU per call: no lock is held while the client
prices, gets scheduled or sends COMMIT, and a refusal takes no lock at all.
"""

import json
from contextlib import nullcontext

from django.db import connection, transaction

from commerce.models import Order, OrderStatus, StockMovement

FIRST_ORDER_NUMBER = 1001

_ORDER_COLUMNS = ("id, tenant_id, number, status, payment_method, currency, subtotal, shipping_cost, total, "
                  "customer_id, customer_snapshot, shipping_address, billing_address, shipping_days_min, "
                  "shipping_days_max, carrier, tracking_number, tracking_url, external_id, note, placed_by_id, "
                  "created_at, updated_at")
# One statement, run as its own transaction, so no lock waits on a round trip to the client:
# lock the products by id, check every line against what the caller priced, reserve, and only
# then take the tenant's counter (the lock every order of the tenant queues on) and write the
# order, its items, movements and event. Any line that no longer fits (sold meanwhile, price
# changed, deactivated) leaves the statement writing nothing and returning no row.
_WRITE = f"""
WITH lines (product_id, quantity, unit_price) AS (
    SELECT * FROM unnest(%(product_ids)s::uuid[], %(quantities)s::integer[], %(prices)s::bigint[])
), locked AS MATERIALIZED (
    SELECT id, stock, stock_reserved, price, is_active FROM commerce_product
    WHERE tenant_id = %(tenant)s AND id = ANY(%(product_ids)s::uuid[]) ORDER BY id FOR UPDATE
), servable AS (
    SELECT count(*) = cardinality(%(product_ids)s::uuid[]) AS ok FROM lines JOIN locked ON locked.id = lines.product_id
    WHERE locked.is_active AND locked.price = lines.unit_price
      AND locked.stock - locked.stock_reserved >= lines.quantity
), reserved AS (
    UPDATE commerce_product AS p SET stock_reserved = p.stock_reserved + lines.quantity, updated_at = now()
    FROM lines WHERE p.id = lines.product_id AND (SELECT ok FROM servable)
    RETURNING p.id, p.sku, p.name, p.variant_name, p.stock, p.stock_reserved, lines.quantity, lines.unit_price
), counter AS (
    INSERT INTO commerce_ordercounter AS c (tenant_id, last_number)
    SELECT %(tenant)s, {FIRST_ORDER_NUMBER} WHERE (SELECT count(*) FROM reserved) = cardinality(%(product_ids)s::uuid[])
    ON CONFLICT (tenant_id) DO UPDATE SET last_number = c.last_number + 1
    RETURNING last_number
), new_order AS (
    INSERT INTO commerce_order ({_ORDER_COLUMNS})
    SELECT %(order)s, %(tenant)s, last_number, %(status)s, %(payment_method)s, %(currency)s, %(subtotal)s,
           %(shipping_cost)s, %(total)s, %(customer)s, %(customer_snapshot)s::jsonb, %(shipping_address)s::jsonb,
           '{{}}'::jsonb, %(days_min)s, %(days_max)s, '', '', '', %(external_id)s, %(note)s, %(user)s, now(), now()
    FROM counter
    RETURNING number, created_at
), items AS (
    INSERT INTO commerce_orderitem (id, tenant_id, order_id, product_id, sku, name, variant_name, unit_price, quantity)
    SELECT gen_random_uuid(), %(tenant)s, %(order)s, id, sku, name, variant_name, unit_price, quantity
    FROM reserved, new_order
), movements AS (
    INSERT INTO commerce_stockmovement (tenant_id, product_id, kind, delta, reserved_delta, stock_after,
                                        reserved_after, reason, order_id, user_id, at)
    SELECT %(tenant)s, id, '{StockMovement.Kind.RESERVE}', 0, quantity, stock, stock_reserved,
           'Order ' || number || ' placed', %(order)s, %(user)s, now()
    FROM reserved, new_order
), event AS (
    INSERT INTO commerce_orderevent (tenant_id, order_id, from_status, to_status, user_id, note, at)
    SELECT %(tenant)s, %(order)s, '', %(status)s, %(user)s, left(%(note)s, 500), now() FROM new_order
)
SELECT number, created_at FROM new_order
"""


def rows_as(model, sql: str, params, only: tuple[str, ...] = ()) -> list:
    """`model` instances from plain SQL ("SELECT {columns} FROM ..."), with only the columns
    `only` names when given (the rest deferred). For the reads of order_place (its products,
    the shipping rate): building them with the ORM took half the CPU order_place used on its
    side (profiled in one process)."""
    names = list(only) or [field.attname for field in model._meta.concrete_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql.format(columns=", ".join(names)), params)
        return [model.from_db("default", names, row) for row in cursor.fetchall()]


def order_insert(order: Order, lines) -> bool:
    """Write `order` (unsaved, priced) with its `lines` [(product as priced, quantity)]: the
    reservations, items, movements and event, then its number. True when written (order.number
    filled in); False when a line no longer fits, and then nothing was written."""
    lines = sorted(lines, key=lambda line: line[0].pk)
    params = {
        "product_ids": [product.pk for product, _ in lines], "quantities": [quantity for _, quantity in lines],
        "prices": [product.price for product, _ in lines], "tenant": order.tenant_id, "order": order.pk,
        "status": OrderStatus.PENDING, "payment_method": order.payment_method, "currency": order.currency,
        "subtotal": order.subtotal, "shipping_cost": order.shipping_cost, "total": order.total,
        "customer": order.customer_id, "customer_snapshot": json.dumps(order.customer_snapshot),
        "shipping_address": json.dumps(order.shipping_address), "days_min": order.shipping_days_min,
        "days_max": order.shipping_days_max, "external_id": order.external_id, "note": order.note,
        "user": order.placed_by_id,
    }
    # Outside a transaction the statement is its own; inside the caller's, a savepoint keeps a
    # refused external id from spoiling it.
    with transaction.atomic() if connection.in_atomic_block else nullcontext(), connection.cursor() as cursor:
        cursor.execute(_WRITE, params)
        row = cursor.fetchone()
    if row is None:
        return False
    order.number, order.created_at = row
    order.updated_at = order.created_at
    order._state.adding, order._state.db = False, "default"
    return True
