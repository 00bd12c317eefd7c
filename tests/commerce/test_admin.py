"""The shop in the Django admin: warehouse staff change stock and status only through the
services, so each change leaves its movement or event, and the rules of the dashboard hold."""

import pytest
from django.contrib.auth.models import Group

from commerce.models import Customer, OrderEvent, Product, StockMovement
from kaiu.accounts.models import User
from kaiu.accounts.staff import sync_staff_groups


@pytest.fixture
def warehouse(client, db):
    sync_staff_groups()
    user = User.objects.create_user(email="warehouse@staff.test", password="x" * 12, is_staff=True)
    user.groups.add(Group.objects.get(name="WAREHOUSE"))
    client.force_login(user)
    return user


def product_form(product, **changes):
    data = {"name": product.name, "variant_name": product.variant_name, "description": product.description,
            "price": product.price, "is_active": "on" if product.is_active else "", "weight_grams": "",
            "length_mm": "", "width_mm": "", "height_mm": "", "stock_change": "", "stock_reason": ""}
    data.update(changes)
    return {key: value for key, value in data.items() if value is not False}


def test_a_stock_change_in_the_admin_is_an_adjustment_with_its_reason(client, warehouse, make_product):
    product = make_product(stock=10)
    response = client.post(f"/admin/commerce/product/{product.pk}/change/",
                           product_form(product, stock_change=-4, stock_reason="Conteo físico", stock=999))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.stock == 6  # the posted "stock" is not a field: ignored
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.kind, movement.delta, movement.reason, movement.user) == ("ADJUST", -4, "Conteo físico", warehouse)


def test_the_admin_refuses_stock_below_the_reserved_units_and_a_change_without_reason(
        client, warehouse, make_product, place):
    product = make_product(stock=5)
    place(product, quantity=4)
    page = client.post(f"/admin/commerce/product/{product.pk}/change/",
                       product_form(product, stock_change=-3, stock_reason="x")).content.decode()
    assert "Open orders hold 4 units" in page
    page = client.post(f"/admin/commerce/product/{product.pk}/change/",
                       product_form(product, stock_change=3)).content.decode()
    assert "Say why the stock changes" in page
    product.refresh_from_db()
    assert product.stock == 5


def test_a_product_added_in_the_admin_records_its_opening_stock(client, warehouse, shop):
    response = client.post("/admin/commerce/product/add/", {
        "tenant": shop.pk, "sku": "LAV-10", "name": "Aceite de lavanda", "variant_name": "10 ml", "price": 4590000,
        "is_active": "on", "stock_change": 12, "stock_reason": ""})
    assert response.status_code == 302
    product = Product.objects.get(tenant=shop, sku="LAV-10")
    assert (product.stock, product.slug) == (12, "aceite-de-lavanda-10-ml")
    assert StockMovement.objects.get(product=product).user == warehouse


def test_status_changes_in_the_admin_follow_the_table_and_move_stock(client, warehouse, make_product, place):
    product = make_product(stock=10)
    order = place(product, quantity=2)
    url = f"/admin/commerce/order/{order.pk}/change/"
    form = {"carrier": "", "tracking_number": "", "tracking_url": "", "transition_note": "",
            "items-TOTAL_FORMS": 0, "items-INITIAL_FORMS": 0, "events-TOTAL_FORMS": 0, "events-INITIAL_FORMS": 0}
    # SHIPPED is not offered to a pending order: the form refuses it, nothing moves.
    page = client.post(url, {**form, "move_to": "SHIPPED"}).content.decode()
    assert "Select a valid choice" in page
    order.refresh_from_db()
    assert order.status == "PENDING"
    for status in ("CONFIRMED", "PROCESSING", "READY_TO_SHIP", "SHIPPED"):
        assert client.post(url, {**form, "move_to": status, "carrier": "Servientrega"}).status_code == 302
    order.refresh_from_db()
    product.refresh_from_db()
    assert (order.status, order.carrier, product.stock, product.stock_reserved) == ("SHIPPED", "Servientrega", 8, 0)
    assert OrderEvent.objects.filter(order=order, user=warehouse).count() == 4


def test_orders_are_not_added_or_deleted_in_the_admin(client, warehouse, make_product, place):
    order = place(make_product(), quantity=1)
    assert client.get("/admin/commerce/order/add/").status_code == 403
    assert client.post(f"/admin/commerce/order/{order.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/commerce/stockmovement/{StockMovement.objects.first().pk}/change/").status_code == 200


def test_a_customers_phone_is_stored_in_e164_from_the_admin(client, warehouse, shop):
    response = client.post("/admin/commerce/customer/add/", {
        "tenant": shop.pk, "name": "Laura", "email": "", "phone": "300 123 4567", "national_id": "", "whatsapp_id": "",
        "addresses-TOTAL_FORMS": 1, "addresses-INITIAL_FORMS": 0, "addresses-0-line1": "Calle 1",
        "addresses-0-city": "Bogotá"})
    assert response.status_code == 302
    customer = Customer.objects.get(tenant=shop)
    assert customer.phone == "+573001234567"
    assert customer.addresses.get().tenant_id == shop.pk


def test_deactivating_in_the_admin_goes_through_the_service(client, warehouse, make_product):
    product = make_product()
    client.post("/admin/commerce/product/", {"action": "deactivate", "_selected_action": [product.pk]})
    product.refresh_from_db()
    assert product.is_active is False
