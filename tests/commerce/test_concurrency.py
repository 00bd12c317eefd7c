"""Many buyers at once, against the real database: no oversell, numbers unique and gap-free,
and no deadlock when orders share products in any order."""

import random

import pytest

from commerce import services
from commerce.models import Order, Product, StockMovement
from commerce.services import OrderLine, ShopError
from tests.commerce.conftest import at_once

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_twenty_buyers_of_the_last_five_units_make_exactly_five_orders(make_product, place):
    product = make_product(stock=5)

    results = at_once(20, lambda i: place(product, quantity=1))

    orders = [result for result in results if isinstance(result, Order)]
    refused = [result for result in results if isinstance(result, ShopError)]
    assert (len(orders), len(refused)) == (5, 15), results
    assert "has none left" in str(refused[0])
    product.refresh_from_db()
    assert (product.stock, product.stock_reserved) == (5, 5)
    assert Order.objects.count() == 5
    assert StockMovement.objects.filter(product=product, kind="RESERVE").count() == 5


def test_order_numbers_are_unique_and_gap_free_under_concurrency(make_product, place):
    product = make_product(stock=30)
    short = make_product(stock=0)

    # Every third order asks for a product with no stock: refused after taking locks, it must
    # not use up a number.
    results = at_once(24, lambda i: place((product, 1), (short, 1)) if i % 3 == 0 else place(product, quantity=1))

    numbers = sorted(result.number for result in results if isinstance(result, Order))
    assert numbers == list(range(1001, 1001 + 16))
    assert sum(isinstance(result, ShopError) for result in results) == 8


def test_orders_sharing_products_in_any_order_never_deadlock(shop, make_product, buyer):
    products = [make_product(stock=1000) for _ in range(6)]
    customer, address = buyer

    def buy(i):
        rng = random.Random(i)
        picked = rng.sample(products, 4)  # a different order of the same products each time
        return services.order_place(tenant=shop, lines=[OrderLine(p.pk, rng.randint(1, 3)) for p in picked],
                                    customer=customer, address=address, payment_method="TRANSFER")

    results = at_once(16, buy)

    assert all(isinstance(result, Order) for result in results), results
    for product in Product.objects.filter(pk__in=[p.pk for p in products]):
        ordered = sum(item.quantity for item in product.order_items.all())
        assert product.stock_reserved == ordered


def test_shipping_and_cancelling_at_once_with_new_orders_keep_the_levels_exact(make_product, place):
    product = make_product(stock=20)
    first = [place(product, quantity=2) for _ in range(4)]
    for order in first[:2]:
        for status in ("CONFIRMED", "PROCESSING", "READY_TO_SHIP"):
            order = services.order_transition(order=order, to_status=status)
        first[first.index(next(o for o in first if o.pk == order.pk))] = order

    def work(i):
        if i < 2:
            return services.order_transition(order=first[i], to_status="SHIPPED")
        if i < 4:
            return services.order_transition(order=first[i], to_status="CANCELLED")
        return place(product, quantity=1)

    results = at_once(12, work)

    assert all(isinstance(result, Order) for result in results), results
    product.refresh_from_db()
    # 20 - 4 shipped = 16 on the shelf; reserved: 8 ordered - 4 shipped - 4 cancelled + 8 new = 8.
    assert (product.stock, product.stock_reserved) == (16, 8)
