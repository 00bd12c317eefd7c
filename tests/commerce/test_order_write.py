"""The one-statement write of order_place (commerce.order_sql): it writes nothing unless every
line still fits under the products' locks, and an order waiting for a busy product holds no
order number."""

import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from commerce import order_sql, services
from commerce.models import Order, OrderCounter, OrderEvent, OrderItem, Product, StockMovement
from commerce.services import OrderLine
from tests.commerce.conftest import PESOS, at_once


def _priced_order(shop, buyer, product, quantity, *, external_id=""):
    customer, address = buyer
    return Order(id=uuid.uuid4(), tenant=shop, payment_method="TRANSFER", currency="COP",
                 subtotal=product.price * quantity, shipping_cost=0, total=product.price * quantity,
                 customer=customer, customer_snapshot={}, shipping_address=address.snapshot(),
                 shipping_days_min=1, shipping_days_max=2, external_id=external_id)


def _nothing_written(product, reserved):
    product.refresh_from_db()
    assert product.stock_reserved == reserved
    assert not Order.objects.filter(tenant_id=product.tenant_id).exists()
    assert not OrderItem.objects.exists()
    assert not OrderEvent.objects.exists()
    assert not StockMovement.objects.filter(product=product, kind="RESERVE").exists()
    assert not OrderCounter.objects.filter(tenant_id=product.tenant_id).exists()  # no number used


@pytest.mark.django_db
class TestALineThatNoLongerFitsWritesNothing:
    def test_a_price_changed_since_pricing(self, shop, buyer, make_product):
        product = make_product(stock=10, price=10_000 * PESOS)
        seen = Product.objects.get(pk=product.pk)
        services.product_update(product=product, price=12_000 * PESOS)
        assert order_sql.order_insert(_priced_order(shop, buyer, seen, 1), [(seen, 1)]) is False
        _nothing_written(product, 0)

    def test_units_sold_since_pricing(self, shop, buyer, make_product, place):
        product = make_product(stock=3)
        seen = Product.objects.get(pk=product.pk)
        place(product, quantity=2)  # another buyer, after `seen` was read
        assert order_sql.order_insert(_priced_order(shop, buyer, seen, 2), [(seen, 2)]) is False
        product.refresh_from_db()
        assert (product.stock_reserved, Order.objects.count()) == (2, 1)

    def test_a_product_deactivated_since_pricing(self, shop, buyer, make_product):
        fine, gone = make_product(stock=10), make_product(stock=10)
        seen = [Product.objects.get(pk=fine.pk), Product.objects.get(pk=gone.pk)]
        services.product_update(product=gone, is_active=False)
        order = _priced_order(shop, buyer, seen[0], 1)
        assert order_sql.order_insert(order, [(seen[0], 1), (seen[1], 1)]) is False
        _nothing_written(fine, 0)

    def test_every_line_fitting_writes_the_order_with_its_number(self, shop, buyer, make_product):
        product = make_product(stock=10)
        order = _priced_order(shop, buyer, product, 3)
        assert order_sql.order_insert(order, [(product, 3)]) is True
        assert order.number == 1001
        product.refresh_from_db()
        assert product.stock_reserved == 3
        [movement] = StockMovement.objects.filter(order=order)
        assert (movement.reserved_delta, movement.reserved_after, movement.reason) == (3, 3, "Order 1001 placed")


@pytest.mark.django_db
def test_a_taken_external_id_inside_a_callers_transaction_leaves_it_usable(shop, buyer, make_product):
    product = make_product(stock=10)
    assert order_sql.order_insert(_priced_order(shop, buyer, product, 1, external_id="GW-1"), [(product, 1)])
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            order_sql.order_insert(_priced_order(shop, buyer, product, 1, external_id="GW-1"), [(product, 1)])
        assert Order.objects.count() == 1  # the caller's transaction still works
    product.refresh_from_db()
    assert product.stock_reserved == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_same_external_id_placed_at_once_makes_one_order(shop, buyer, make_product):
    product = make_product(stock=100)
    customer, address = buyer

    def place(i):
        return services.order_place(tenant=shop, lines=[OrderLine(product.pk, 1)], customer=customer,
                                    address=address, payment_method="TRANSFER", external_id="GW-42")

    results = at_once(8, place)

    assert sum(isinstance(result, Order) for result in results) == 1, results
    assert all("already placed" in str(result) for result in results if not isinstance(result, Order))
    product.refresh_from_db()
    assert product.stock_reserved == 1
    assert [o.number for o in Order.objects.all()] == [1001]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_order_waiting_for_a_busy_product_holds_no_number(shop, buyer, make_product, place):
    """The counter is taken last: an order queued behind a product's lock does not stop the
    tenant's orders for other products."""
    busy, free = make_product(stock=10), make_product(stock=10)
    locked, release, waiting = threading.Event(), threading.Event(), {}

    def hold_busy():  # a long write on the product, like a stock count in progress
        try:
            with transaction.atomic():
                Product.objects.select_for_update().get(pk=busy.pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    def order_busy():
        try:
            waiting["order"] = place(busy, quantity=1)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_busy)
    holder.start()
    assert locked.wait(10)
    blocked = threading.Thread(target=order_busy)
    blocked.start()
    try:
        blocked.join(0.5)
        assert blocked.is_alive()  # queued behind the product's lock
        assert place(free, quantity=1).number == 1001  # not behind the queued order
    finally:
        release.set()
        holder.join()
        blocked.join(10)
    assert waiting["order"].number == 1002


@pytest.mark.django_db
def test_an_order_placed_inside_a_callers_transaction_is_part_of_it(shop, make_product, place):
    product = make_product(stock=5)

    @transaction.atomic
    def place_then_fail():
        place(product, quantity=2)
        raise RuntimeError("the caller fails after placing")

    with pytest.raises(RuntimeError):
        place_then_fail()
    product.refresh_from_db()
    assert (product.stock_reserved, Order.objects.count()) == (0, 0)
    assert place(product, quantity=1).number == 1001


