"""order_place: priced from the live product and the destination's rate, stock reserved,
refused whole when any line cannot be served."""

import pytest

from commerce import services
from commerce.models import Order, OrderEvent, StockMovement
from commerce.services import OrderLine, ShopError
from tests.commerce.conftest import PESOS


def test_an_order_reserves_its_units_and_snapshots_price_customer_and_address(make_product, place, buyer):
    lavender = make_product(stock=10, price=45_900 * PESOS, name="Aceite de lavanda", variant_name="10 ml gotero")
    order = place(lavender, quantity=2)

    lavender.refresh_from_db()
    assert (lavender.stock, lavender.stock_reserved, lavender.available) == (10, 2, 8)
    assert order.status == Order.Status.PENDING
    assert (order.subtotal, order.shipping_cost, order.total) == (91_800 * PESOS, 12_000 * PESOS, 103_800 * PESOS)
    assert order.money(order.total) == "$ 103.800"
    [item] = order.items.all()
    assert (item.sku, item.name, item.variant_name, item.unit_price, item.quantity) == (
        lavender.sku, "Aceite de lavanda", "10 ml gotero", 45_900 * PESOS, 2)
    assert order.customer_snapshot["phone"] == "+573001234567"
    assert order.shipping_address["city"] == "Bogotá"
    assert (order.shipping_days_min, order.shipping_days_max) == (1, 2)
    [movement] = StockMovement.objects.filter(order=order)
    assert (movement.kind, movement.delta, movement.reserved_delta, movement.reserved_after) == ("RESERVE", 0, 2, 2)
    [event] = OrderEvent.objects.filter(order=order)
    assert (event.from_status, event.to_status) == ("", "PENDING")


def test_a_later_price_change_does_not_touch_a_placed_order(make_product, place):
    product = make_product(price=10_000 * PESOS)
    order = place(product, quantity=1)
    services.product_update(product=product, price=20_000 * PESOS)
    assert order.items.get().unit_price == 10_000 * PESOS
    assert place(product, quantity=1).items.get().unit_price == 20_000 * PESOS


def test_shipping_comes_from_the_destinations_rate_or_the_default_and_is_free_from_the_threshold(
        shop, make_product, place, buyer):
    product = make_product(price=50_000 * PESOS)
    customer, _ = buyer
    cali = services.address_add(customer=customer, line1="Cra 1", city="Cali", department="Valle del Cauca")
    assert place(product, quantity=1, address=cali, payment_method="TRANSFER").shipping_cost == 15_000 * PESOS
    assert place(product, quantity=1).shipping_cost == 12_000 * PESOS  # "Bogotá" as the rate spells it
    assert place(product, quantity=3).shipping_cost == 0  # 150.000 reached


def test_the_same_product_on_two_lines_is_one_item(make_product, place):
    product = make_product()
    order = place((product, 1), (product, 2))
    assert [(item.quantity) for item in order.items.all()] == [3]


@pytest.mark.parametrize(("stock", "active", "message"), [
    (1, True, "has only 1 left"),
    (0, True, "has none left"),
    (10, False, "is not sold any more"),
])
def test_an_order_that_cannot_be_served_is_refused_whole_and_reserves_nothing(
        make_product, place, stock, active, message):
    fine = make_product(stock=10)
    problem = make_product(stock=stock, is_active=active)
    with pytest.raises(ShopError, match=message):
        place((fine, 1), (problem, 2))
    fine.refresh_from_db()
    assert fine.stock_reserved == 0
    assert not Order.objects.exists()


def test_cash_on_delivery_only_where_the_rate_offers_it_and_up_to_its_limit(shop, make_product, place, buyer):
    product = make_product(price=300_000 * PESOS)
    customer, _ = buyer
    pasto = services.address_add(customer=customer, line1="Calle 18", city="Pasto", department="Nariño")
    with pytest.raises(ShopError, match="Cash on delivery is not available in Pasto"):
        place(product, quantity=1, address=pasto)
    with pytest.raises(ShopError, match=r"up to \$ 400\.000"):
        place(product, quantity=2)
    assert place(product, quantity=2, payment_method="PAYMENT_LINK").total == 600_000 * PESOS


def test_nowhere_to_ship_is_said_plainly(shop, make_product, place, buyer):
    shop.shipping_rates.filter(city="").delete()
    customer, _ = buyer
    pasto = services.address_add(customer=customer, line1="Calle 18", city="Pasto")
    with pytest.raises(ShopError, match="We do not ship to Pasto yet"):
        place(make_product(), quantity=1, address=pasto, payment_method="TRANSFER")


@pytest.mark.parametrize("quantity", [0, -1, 1.5, True])
def test_quantities_must_be_whole_and_positive(make_product, place, quantity):
    with pytest.raises(ShopError, match="whole number of 1 or more"):
        place(make_product(), quantity=quantity)


def test_another_tenants_product_or_customer_cannot_be_ordered(shop, other_tenant, make_product, place, buyer):
    theirs = make_product(tenant=other_tenant)
    with pytest.raises(ShopError, match="not sold any more"):
        place(theirs, quantity=1)
    stranger = services.customer_upsert(tenant=other_tenant, name="Otro", phone="+14155550100")
    address = services.address_add(customer=stranger, line1="Main St", city="Bogotá")
    with pytest.raises(ShopError, match="another business"):
        place(make_product(), quantity=1, customer=stranger, address=address)


def test_order_numbers_start_at_1001_and_count_per_tenant(shop, other_tenant, make_product, place):
    product = make_product()
    assert [place(product, quantity=1).number for _ in range(3)] == [1001, 1002, 1003]
    theirs = make_product(tenant=other_tenant)
    customer = services.customer_upsert(tenant=other_tenant, name="B", phone="+573009998877")
    address = services.address_add(customer=customer, line1="x", city="Bogotá")
    services.shipping_rate_save(tenant=other_tenant, cost=0, days_min=1, days_max=1)
    order = services.order_place(tenant=other_tenant, lines=[OrderLine(theirs.pk, 1)], customer=customer,
                                 address=address, payment_method="TRANSFER")
    assert order.number == 1001


def test_a_refused_order_leaves_no_gap_in_the_numbers(make_product, place):
    product = make_product(stock=1)
    assert place(product, quantity=1).number == 1001
    with pytest.raises(ShopError):
        place(product, quantity=1)
    services.stock_adjust(product=product, delta=5, reason="Delivery")
    assert place(product, quantity=1).number == 1002


def test_a_quote_prices_without_reserving(shop, make_product):
    product = make_product(price=45_900 * PESOS)
    quote = services.order_quote(tenant=shop, lines=[OrderLine(product.pk, 2)], city="bogota")
    assert (quote.subtotal, quote.shipping_cost, quote.total) == (91_800 * PESOS, 12_000 * PESOS, 103_800 * PESOS)
    assert quote.money(quote.total) == "$ 103.800"
    product.refresh_from_db()
    assert product.stock_reserved == 0
