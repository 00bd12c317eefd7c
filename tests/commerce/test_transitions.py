"""order_transition: one table of allowed moves, every other move refused, and stock that
follows the order (shipping sells the reserved units, cancelling releases them, returning
restocks them)."""

import itertools

import pytest

from commerce import services
from commerce.models import Order, OrderEvent, StockMovement
from commerce.services import ShopError
from commerce.transitions import TRANSITIONS

S = Order.Status
# The way to each status from PENDING, along the table.
PATH = {
    S.PENDING: [], S.CONFIRMED: [S.CONFIRMED], S.PROCESSING: [S.CONFIRMED, S.PROCESSING],
    S.READY_TO_SHIP: [S.CONFIRMED, S.PROCESSING, S.READY_TO_SHIP],
    S.PICKUP_REQUESTED: [S.CONFIRMED, S.PROCESSING, S.READY_TO_SHIP, S.PICKUP_REQUESTED],
    S.SHIPPED: [S.CONFIRMED, S.PROCESSING, S.READY_TO_SHIP, S.PICKUP_REQUESTED, S.SHIPPED],
    S.DELIVERED: [S.CONFIRMED, S.PROCESSING, S.READY_TO_SHIP, S.PICKUP_REQUESTED, S.SHIPPED, S.DELIVERED],
    S.CANCELLED: [S.CANCELLED],
    S.RETURNED: [S.CONFIRMED, S.PROCESSING, S.READY_TO_SHIP, S.SHIPPED, S.RETURNED],
}


def walk(order, statuses, user=None):
    for status in statuses:
        order = services.order_transition(order=order, to_status=status, user=user)
    return order


def test_the_table_covers_every_status():
    assert set(TRANSITIONS) == set(S.values)
    assert set(PATH) == set(S.values)


@pytest.mark.parametrize(("from_status", "to_status"), [
    pair for pair in itertools.product(S.values, S.values) if pair[1] not in TRANSITIONS[pair[0]]])
def test_every_move_the_table_does_not_allow_is_refused_and_changes_nothing(
        make_product, place, from_status, to_status):
    product = make_product(stock=5)
    order = walk(place(product, quantity=2), PATH[from_status])
    product.refresh_from_db()
    before = (product.stock, product.stock_reserved, StockMovement.objects.count(), OrderEvent.objects.count())

    with pytest.raises(ShopError, match=f"Order {order.number} is .*: it cannot become"):
        services.order_transition(order=order, to_status=to_status)

    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == from_status
    assert (product.stock, product.stock_reserved, StockMovement.objects.count(),
            OrderEvent.objects.count()) == before


@pytest.mark.parametrize(("from_status", "to_status"), [
    (source, target) for source, targets in TRANSITIONS.items() for target in targets])
def test_every_allowed_move_is_taken_and_leaves_an_event(make_product, place, owner, from_status, to_status):
    order = walk(place(make_product(stock=5), quantity=2), PATH[from_status])
    order = services.order_transition(order=order, to_status=to_status, user=owner, note="ok")
    assert order.status == to_status
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.from_status, event.to_status, event.user, event.note) == (from_status, to_status, owner, "ok")


def test_an_unknown_status_is_refused(make_product, place):
    with pytest.raises(ShopError, match="cannot become “LOST”"):
        services.order_transition(order=place(make_product(), quantity=1), to_status="LOST")


def levels(product):
    product.refresh_from_db()
    return product.stock, product.stock_reserved


def test_pending_to_delivered_moves_stock_only_when_shipped(make_product, place):
    product = make_product(stock=10)
    order = place(product, quantity=3)
    for status, expected in [(S.CONFIRMED, (10, 3)), (S.PROCESSING, (10, 3)), (S.READY_TO_SHIP, (10, 3)),
                             (S.PICKUP_REQUESTED, (10, 3)), (S.SHIPPED, (7, 0)), (S.DELIVERED, (7, 0))]:
        order = services.order_transition(order=order, to_status=status)
        assert levels(product) == expected, status
    movements = StockMovement.objects.filter(order=order).order_by("id")
    kinds = list(movements.values_list("kind", "delta", "reserved_delta"))
    assert kinds == [("RESERVE", 0, 3), ("SHIP", -3, -3)]


@pytest.mark.parametrize("from_status", [S.PENDING, S.CONFIRMED, S.PROCESSING, S.READY_TO_SHIP, S.PICKUP_REQUESTED])
def test_cancelling_before_shipping_releases_the_reservation(make_product, place, from_status):
    product = make_product(stock=10)
    order = walk(place(product, quantity=4), PATH[from_status])
    services.order_transition(order=order, to_status=S.CANCELLED)
    assert levels(product) == (10, 0)
    assert StockMovement.objects.filter(order=order, kind="RELEASE", reserved_delta=-4).count() == 1


@pytest.mark.parametrize("from_status", [S.SHIPPED, S.DELIVERED])
def test_returning_puts_the_units_back_on_the_shelf(make_product, place, from_status):
    product = make_product(stock=10)
    order = walk(place(product, quantity=4), PATH[from_status])
    assert levels(product) == (6, 0)
    services.order_transition(order=order, to_status=S.RETURNED)
    assert levels(product) == (10, 0)


def test_the_movements_add_up_to_the_stock(make_product, place):
    """The ledger is complete: summing every movement gives the levels the product shows."""
    a, b = make_product(stock=20), make_product(stock=5)
    walk(place((a, 2), (b, 1)), PATH[S.RETURNED])
    walk(place((a, 3), (b, 2)), PATH[S.CANCELLED])
    walk(place((a, 1), (b, 1)), PATH[S.DELIVERED])
    place(a, quantity=4)
    services.stock_adjust(product=a, delta=-2, reason="Broken bottles")
    for product in (a, b):
        movements = StockMovement.objects.filter(product=product)
        assert levels(product) == (sum(m.delta for m in movements), sum(m.reserved_delta for m in movements))
        last = movements.first()  # newest first
        assert (last.stock_after, last.reserved_after) == levels(product)


def test_tracking_given_when_shipping_is_kept(make_product, place):
    order = walk(place(make_product(), quantity=1), PATH[S.READY_TO_SHIP])
    order = services.order_transition(order=order, to_status=S.SHIPPED, carrier="Servientrega",
                                      tracking_number="SV123", tracking_url="https://example.com/t/SV123")
    order.refresh_from_db()
    assert (order.carrier, order.tracking_number, order.tracking_url) == (
        "Servientrega", "SV123", "https://example.com/t/SV123")
    with pytest.raises(ShopError, match="URL"):
        services.order_tracking_update(order=order, carrier="X", tracking_number="1", tracking_url="javascript:x")
