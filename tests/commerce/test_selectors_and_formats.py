"""Reads scoped by tenant, the shipping rate chosen for a destination, money and phones."""

import pytest
from django.http import Http404

from commerce import selectors, services
from commerce.phones import InvalidPhone, phone_normalize
from kaiu.currencies import format_money, parse_money
from tests.commerce.conftest import PESOS


def test_another_tenants_rows_are_not_found_through_any_selector(shop, other_tenant, make_product, place):
    product = make_product()
    order = place(product, quantity=1)
    customer = order.customer
    for get in (selectors.product_get_for_tenant, selectors.order_get_for_tenant, selectors.customer_get_for_tenant):
        with pytest.raises(Http404):
            get(other_tenant, {selectors.product_get_for_tenant: product, selectors.order_get_for_tenant: order,
                               selectors.customer_get_for_tenant: customer}[get].pk)
    assert selectors.product_find_for_tenant(other_tenant, product.pk) is None
    assert selectors.order_find_for_tenant(other_tenant, order.pk) is None
    assert selectors.customer_find_for_tenant(other_tenant, customer.pk) is None
    assert selectors.order_find_for_tenant_by_number(other_tenant, order.number) is None
    assert selectors.order_find_for_tenant_by_number(shop, order.number) == order
    for listing in (selectors.product_list_for_tenant, selectors.order_list_for_tenant,
                    selectors.customer_list_for_tenant, selectors.shipping_rate_list_for_tenant):
        assert not listing(other_tenant).exists()
        assert listing(shop).exists()
    assert selectors.shipping_rate_find_for_tenant(other_tenant, city="Bogotá") is None
    assert selectors.shop_counters_for_tenant(other_tenant) == {"orders_to_ship": 0, "low_stock": 0}


def test_product_and_order_lists_filter(shop, make_product, place):
    out = make_product(stock=0, name="Aceite de eucalipto")
    low = make_product(stock=3, name="Aceite de menta")
    plenty = make_product(stock=50, name="Aceite de lavanda")
    assert list(selectors.product_list_for_tenant(shop, stock="out")) == [out]
    assert list(selectors.product_list_for_tenant(shop, stock="low")) == [low]
    assert list(selectors.product_list_for_tenant(shop, search="LAVANDA")) == [plenty]
    order = place(plenty, quantity=1)
    services.order_transition(order=order, to_status="CONFIRMED")
    place(low, quantity=3)  # now out of stock as well
    assert list(selectors.order_list_for_tenant(shop, status="CONFIRMED")) == [order]
    assert selectors.shop_counters_for_tenant(shop) == {"orders_to_ship": 1, "low_stock": 2}


@pytest.mark.parametrize(("city", "department", "expected"), [
    ("Medellín", "", "Medellín"),
    ("MEDELLIN", "Antioquia", "Medellín"),
    ("Envigado", "Antioquia", "Antioquia"),
    ("Pasto", "Nariño", "default"),
    ("", "", "default"),
])
def test_the_rate_is_the_citys_then_the_departments_then_the_default(shop, city, department, expected):
    services.shipping_rate_save(tenant=shop, city="Medellín", department="Antioquia", cost=1, days_min=1, days_max=2)
    services.shipping_rate_save(tenant=shop, department="Antioquia", cost=2, days_min=2, days_max=3)
    rate = selectors.shipping_rate_find_for_tenant(shop, city=city, department=department)
    assert (rate.city or rate.department or "default") == expected


def test_saving_a_rate_for_a_destination_replaces_it(shop):
    first = services.shipping_rate_save(tenant=shop, city="bogota", cost=1, days_min=1, days_max=1)
    assert first.pk == selectors.shipping_rate_find_for_tenant(shop, city="Bogotá").pk
    assert selectors.shipping_rate_list_for_tenant(shop).count() == 2


@pytest.mark.parametrize(("amount", "currency", "shown"), [
    (45_900 * PESOS, "COP", "$ 45.900"), (1_234_567_89, "COP", "$ 1.234.568"), (4590, "USD", "US$45.90"),
    (123450, "SEK", "1,234.50 SEK"), (12345, "JPY", "12,345 JPY"), (12345, "KWD", "12.345 KWD"),
    (45900, "CLP", "$ 45.900"), (0, "COP", "$ 0"),
])
def test_money_is_shown_as_each_currency_is_written(amount, currency, shown):
    assert format_money(amount, currency) == shown


@pytest.mark.parametrize(("text", "currency", "amount"), [
    ("45900", "COP", 45_900 * PESOS), ("$ 45.900", "COP", 45_900 * PESOS), ("45900.50", "COP", 4_590_050),
    ("45.90", "USD", 4590), ("12,5", "EUR", 1250), ("12345", "JPY", 12345),
])
def test_amounts_people_write_are_read_in_minor_units(text, currency, amount):
    assert parse_money(text, currency) == amount


@pytest.mark.parametrize(("text", "message"), [
    ("abc", "is not an amount"), ("1.234.567,50", "is not an amount"), ("45.999", "more than 2 decimals"),
    ("-5", "is not an amount")])
def test_unreadable_amounts_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_money(text, "USD")


@pytest.mark.parametrize(("raw", "region", "e164"), [
    ("300 123 4567", "CO", "+573001234567"), ("(300) 123-4567", "CO", "+573001234567"),
    ("+57 300 123 4567", None, "+573001234567"), ("0057 3001234567", None, "+573001234567"),
    ("573001234567", "CO", "+573001234567"), ("0412 555 1234", "VE", "+584125551234"),
    ("(415) 555-0100", "US", "+14155550100"), ("", "CO", ""),
])
def test_phones_are_stored_in_e164(raw, region, e164):
    assert phone_normalize(raw, region=region) == e164


@pytest.mark.parametrize(("raw", "region", "message"), [
    ("300 123 4567", None, "with its country code"), ("+57 300 abc", "CO", "digits only"), ("+57 12", "CO", "digits"),
])
def test_unreadable_phones_say_why(raw, region, message):
    with pytest.raises(InvalidPhone, match=message):
        phone_normalize(raw, region=region)


def test_a_returning_customer_is_found_by_phone_however_it_is_written(shop):
    first = services.customer_upsert(tenant=shop, name="Laura", phone="300 123 4567")
    again = services.customer_upsert(tenant=shop, name="Laura Méndez", phone="+57 (300) 123-4567",
                                     email="Laura@Example.com")
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.name, again.phone, again.email) == ("Laura Méndez", "+573001234567", "laura@example.com")
