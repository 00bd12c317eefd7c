"""The shop in the dashboard: who may open and change what, the order's buttons and its
stock, the CSV import's errors, stock adjustments, images and the lists' filters."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce import services
from commerce.models import OrderEvent, Product, StockMovement
from tests.commerce.conftest import PESOS

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


@pytest.fixture
def order(make_product, place):
    product = make_product(stock=10, name="Aceite de lavanda", variant_name="10 ml gotero")
    return place(product, quantity=2)


def as_role(client, owner, member_with_role, role):
    client.force_login(owner if role == "OWNER" else member_with_role(role))
    return client


def buttons_of(html: str) -> list[str]:
    """The statuses the order page offers as buttons."""
    return re.findall(r'name="to_status" value="(\w+)"', html)


# --- Who may do what --------------------------------------------------------------------

READ_PAGES = ["/app/shop/", "/app/shop/products/{product}/", "/app/shop/orders/", "/app/shop/orders/{order}/",
              "/app/shop/orders/{order}/packing-slip/"]
MANAGE_PAGES = ["/app/shop/products/new/", "/app/shop/products/import/", "/app/shop/products/export/",
                "/app/shop/products/{product}/edit/", "/app/shop/products/{product}/deactivate/",
                "/app/shop/customers/", "/app/shop/customers/{customer}/"]


@pytest.mark.parametrize("role", ["OWNER", "ADMIN", "WAREHOUSE", "SUPPORT"])
def test_every_role_reads_products_and_orders_but_only_the_shop_roles_manage(
        client, owner, member_with_role, order, role):
    as_role(client, owner, member_with_role, role)
    item = order.items.get()
    ids = {"product": item.product_id, "order": order.pk, "customer": order.customer_id}
    for path in READ_PAGES:
        assert client.get(path.format(**ids)).status_code == 200, path
    for path in MANAGE_PAGES:
        status = client.get(path.format(**ids)).status_code
        assert status == (403 if role == "SUPPORT" else 200), f"{role} {path} → {status}"


def test_support_sees_no_button_that_changes_the_shop_and_cannot_post_one(client, member_with_role, order):
    client.force_login(member_with_role("SUPPORT"))
    product = order.items.get().product
    order_page = client.get(f"/app/shop/orders/{order.pk}/").content.decode()
    assert buttons_of(order_page) == []
    assert "tracking-form" not in order_page
    assert "Confirm order" not in order_page
    assert "/app/shop/customers/" not in order_page  # customers are not theirs to open
    product_page = client.get(f"/app/shop/products/{product.pk}/").content.decode()
    for control in ("Adjust stock", "stock-adjust", "Edit", "Deactivate"):
        assert control not in product_page, control
    list_page = client.get("/app/shop/").content.decode()
    assert "Add a product" not in list_page
    assert "Import CSV" not in list_page

    assert client.post(f"/app/shop/orders/{order.pk}/transition/", {"to_status": "CONFIRMED"}).status_code == 403
    assert client.post(f"/app/shop/products/{product.pk}/stock/", {"delta": "5", "reason": "x"}).status_code == 403
    order.refresh_from_db()
    product.refresh_from_db()
    assert order.status == "PENDING"
    assert product.stock == 10


def test_another_businesss_products_and_orders_are_404_and_stay_as_they_were(
        owner_client, other_tenant, outsider, order, make_product, place):
    from commerce.models import Customer

    theirs = make_product(stock=7, tenant=other_tenant)
    services.shipping_rate_save(tenant=other_tenant, cost=0, days_min=1, days_max=2, cash_on_delivery=True)
    customer = services.customer_upsert(tenant=other_tenant, name="Beto", phone="+573009998877")
    address = services.address_add(customer=customer, line1="Calle 2", city="Cali")
    their_order = place(theirs, quantity=1, tenant=other_tenant, customer=customer, address=address)
    for path in [f"/app/shop/products/{theirs.pk}/", f"/app/shop/products/{theirs.pk}/edit/",
                 f"/app/shop/orders/{their_order.pk}/", f"/app/shop/orders/{their_order.pk}/packing-slip/",
                 f"/app/shop/customers/{customer.pk}/"]:
        assert owner_client.get(path).status_code == 404, path
    posts = {f"/app/shop/orders/{their_order.pk}/transition/": {"to_status": "CANCELLED"},
             f"/app/shop/orders/{their_order.pk}/tracking/": {"carrier": "X", "tracking_number": "1"},
             f"/app/shop/products/{theirs.pk}/stock/": {"delta": "-7", "reason": "robbed"},
             f"/app/shop/products/{theirs.pk}/deactivate/": {},
             f"/app/shop/products/{theirs.pk}/edit/": {"name": "Hijacked", "price": "1"}}
    for path, data in posts.items():
        assert owner_client.post(path, data).status_code == 404, path
    theirs.refresh_from_db()
    their_order.refresh_from_db()
    assert (theirs.name, theirs.stock, theirs.stock_reserved, theirs.is_active) == ("Aceite 2", 7, 1, True)
    assert (their_order.status, their_order.carrier) == ("PENDING", "")
    # Their order is not in our list, not even by its number.
    page = owner_client.get("/app/shop/orders/", {"q": str(their_order.number)}).content.decode()
    assert f"/app/shop/orders/{their_order.pk}/" not in page
    assert f"/app/shop/products/{theirs.pk}/" not in owner_client.get("/app/shop/").content.decode()
    assert Customer.objects.filter(tenant=other_tenant).count() == 1


# --- Orders -----------------------------------------------------------------------------

def test_the_order_page_offers_exactly_the_allowed_transitions_at_each_step(owner_client, order):
    expected = {
        "PENDING": ["CONFIRMED", "CANCELLED"],
        "CONFIRMED": ["PROCESSING", "CANCELLED"],
        "PROCESSING": ["READY_TO_SHIP", "CANCELLED"],
        "READY_TO_SHIP": ["PICKUP_REQUESTED", "SHIPPED", "CANCELLED"],
        "PICKUP_REQUESTED": ["SHIPPED", "CANCELLED"],
        "SHIPPED": ["DELIVERED", "RETURNED"],
        "DELIVERED": ["RETURNED"],
        "RETURNED": [],
    }
    path = ["PENDING", "CONFIRMED", "PROCESSING", "READY_TO_SHIP", "PICKUP_REQUESTED", "SHIPPED", "DELIVERED",
            "RETURNED"]
    for status, following in zip(path, [*path[1:], None], strict=True):
        page = owner_client.get(f"/app/shop/orders/{order.pk}/").content.decode()
        assert buttons_of(page) == expected[status], status
        if following:
            response = owner_client.post(f"/app/shop/orders/{order.pk}/transition/", {"to_status": following})
            assert response.status_code == 302
    assert "nothing follows" in owner_client.get(f"/app/shop/orders/{order.pk}/").content.decode()


def test_cancelling_asks_first_and_releases_the_reservation(owner_client, order):
    page = owner_client.get(f"/app/shop/orders/{order.pk}/").content.decode()
    cancel = re.search(r'<button[^>]*value="CANCELLED"[^>]*>', page).group(0)
    assert "data-confirm=" in cancel
    assert "data-confirm" not in re.search(r'<button[^>]*value="CONFIRMED"[^>]*>', page).group(0)
    response = owner_client.post(f"/app/shop/orders/{order.pk}/transition/",
                                 {"to_status": "CANCELLED", "note": "Customer changed her mind"}, follow=True)
    assert f"Order {order.number} is now cancelled." in response.content.decode()
    product = order.items.get().product
    product.refresh_from_db()
    assert (product.stock, product.stock_reserved) == (10, 0)
    event = OrderEvent.objects.filter(order=order).last()
    assert (event.from_status, event.to_status, event.note) == ("PENDING", "CANCELLED", "Customer changed her mind")
    assert event.user.email == "owner@alpha.test"
    page = response.content.decode()
    assert "Customer changed her mind" in page
    assert "Released by a cancellation" in page


def test_a_transition_the_table_refuses_is_refused_with_its_reason(owner_client, order):
    for status in ("SHIPPED", "DELIVERED", "RETURNED", "PENDING", "NOT_A_STATUS"):
        response = owner_client.post(f"/app/shop/orders/{order.pk}/transition/", {"to_status": status}, follow=True)
        assert response.status_code == 200
        assert b"flash-error" in response.content, status
    order.refresh_from_db()
    assert order.status == "PENDING"
    product = order.items.get().product
    product.refresh_from_db()
    assert (product.stock, product.stock_reserved) == (10, 2)
    assert OrderEvent.objects.filter(order=order).count() == 1  # its placing only


def test_tracking_is_saved_and_a_bad_link_is_explained(owner_client, order):
    response = owner_client.post(f"/app/shop/orders/{order.pk}/tracking/",
                                 {"carrier": "Servientrega", "tracking_number": "SV123", "tracking_url": "not a url"})
    assert response.status_code == 400
    assert "Enter a valid URL" in response.content.decode()
    response = owner_client.post(f"/app/shop/orders/{order.pk}/tracking/", {
        "carrier": "Servientrega", "tracking_number": "SV123", "tracking_url": "https://track.example/SV123"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert (order.carrier, order.tracking_number, order.tracking_url) == (
        "Servientrega", "SV123", "https://track.example/SV123")
    page = owner_client.get(f"/app/shop/orders/{order.pk}/").content.decode()
    assert 'href="https://track.example/SV123"' in page


def test_the_packing_slip_lists_the_items_and_the_amount_to_collect(owner_client, order):
    page = owner_client.get(f"/app/shop/orders/{order.pk}/packing-slip/").content.decode()
    assert "Aceite de lavanda · 10 ml gotero" in page
    assert "Calle 85 # 12-30" in page
    assert "Laura Méndez" in page
    assert "to collect on delivery" in page
    assert "$ 103.800" in page  # 2 × $ 45.900 + $ 12.000 shipping to Bogotá
    assert "data-print" in page


def test_orders_filter_by_status_customer_date_and_number(owner_client, shop, make_product, place, buyer):
    product = make_product(stock=50)
    first, second = place(product, quantity=1), place(product, quantity=1)
    services.order_transition(order=second, to_status="CONFIRMED")
    other = services.customer_upsert(tenant=shop, name="Pedro Gómez", phone="3105556677")
    other_address = services.address_add(customer=other, line1="Cra 7", city="Bogotá")
    third = place(product, quantity=1, customer=other, address=other_address)

    def listed(**params):
        page = owner_client.get("/app/shop/orders/", params).content.decode()
        return {number for number in (first.number, second.number, third.number) if f"Order {number}<" in page}

    assert listed() == {first.number, second.number, third.number}
    assert listed(status="PENDING") == {first.number, third.number}
    assert listed(status="TO_SHIP") == {second.number}
    assert listed(customer=str(other.pk)) == {third.number}
    assert listed(q="pedro") == {third.number}
    assert listed(q=str(first.number)) == {first.number}
    today = first.created_at.date().isoformat()
    assert listed(since=today, until=today) == {first.number, second.number, third.number}
    assert listed(since="2001-01-01", until="2001-01-02") == set()
    response = owner_client.get("/app/shop/orders/", {"since": "2030-01-02", "until": "2030-01-01"})
    assert "“From” is after “To”" in response.content.decode()
    assert listed(since="2030-01-02", until="2030-01-01") == set()


def test_the_order_list_is_paginated(owner_client, make_product, place):
    product = make_product(stock=100)
    orders = [place(product, quantity=1) for _ in range(27)]
    first_page = owner_client.get("/app/shop/orders/").content.decode()
    assert "Page 1 of 2" in first_page
    assert f"Order {orders[-1].number}<" in first_page
    assert f"Order {orders[0].number}<" not in first_page
    second_page = owner_client.get("/app/shop/orders/", {"page": 2}).content.decode()
    assert f"Order {orders[0].number}<" in second_page


# --- Products and stock -----------------------------------------------------------------

def test_a_product_is_created_with_its_price_in_pesos_and_its_image(owner_client, shop):
    response = owner_client.post("/app/shop/products/new/", {
        "sku": "LAV-10", "name": "Aceite de lavanda", "variant_name": "10 ml", "price": "45.900", "stock": "12",
        "image": SimpleUploadedFile("foto.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    product = Product.objects.get(tenant=shop, sku="LAV-10")
    assert (product.price, product.stock, product.image_type) == (45_900 * PESOS, 12, "image/png")
    assert StockMovement.objects.get(product=product).reason == "Opening stock"
    page = owner_client.get(response["Location"]).content.decode()
    assert "$ 45.900" in page
    image_url = re.search(r'<img class="product-image" src="([^"]+)"', page).group(1)
    assert image_url.startswith(f"/shop/images/{product.pk}/")
    assert "foto" not in image_url

    # Public by design (the chat's cards show it), served as an image that cannot run as a page.
    owner_client.logout()
    image = owner_client.get(image_url)
    assert image.status_code == 200
    assert b"".join(image.streaming_content) == PNG
    assert (image["Content-Type"], image["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert owner_client.get(f"/shop/images/{product.pk}/guessed.png").status_code == 404


def test_a_replaced_image_is_gone_with_its_old_url(owner_client, make_product, django_capture_on_commit_callbacks):
    product = make_product()
    with django_capture_on_commit_callbacks(execute=True):
        services.product_image_set(product=product, upload=SimpleUploadedFile("a.png", PNG))
    old_url = owner_client.get(f"/app/shop/products/{product.pk}/").content.decode().split('src="')[1].split('"')[0]
    form = {"name": product.name, "price": "45900", "image": SimpleUploadedFile("b.png", PNG + b"2")}
    with django_capture_on_commit_callbacks(execute=True):
        assert owner_client.post(f"/app/shop/products/{product.pk}/edit/", form).status_code == 302
    assert owner_client.get(old_url).status_code == 404


def test_product_form_errors_are_shown_and_nothing_is_saved(owner_client, shop, make_product):
    make_product(name="Existente")  # SKU-1
    cases = [({"sku": "SKU-1", "name": "Otro", "price": "1000"}, "already has the SKU SKU-1"),
             ({"sku": "N-1", "name": "Otro", "price": "doce"}, "is not an amount"),
             ({"sku": "N-2", "name": "Otro", "price": "1000",
               "image": SimpleUploadedFile("x.png", b"<svg onload=alert(1)>")}, "Upload a PNG, JPEG, GIF or WebP")]
    for data, message in cases:
        response = owner_client.post("/app/shop/products/new/", {"stock": "0", **data})
        assert response.status_code == 400, message
        assert message in response.content.decode()
    assert set(Product.objects.filter(tenant=shop).values_list("sku", flat=True)) == {"SKU-1"}


def test_editing_a_product_changes_its_catalogue_fields_not_its_stock(owner_client, make_product, order):
    product = order.items.get().product
    response = owner_client.post(f"/app/shop/products/{product.pk}/edit/", {
        "name": "Aceite de lavanda orgánico", "variant_name": "10 ml", "price": "49900", "stock": "999",
        "sku": "CHANGED"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.name, product.price, product.sku) == ("Aceite de lavanda orgánico", 49_900 * PESOS, "SKU-1")
    assert (product.stock, product.stock_reserved) == (10, 2)


def test_stock_is_adjusted_with_a_reason_and_never_below_what_orders_hold(owner_client, order):
    product = order.items.get().product  # 10 in stock, 2 reserved
    url = f"/app/shop/products/{product.pk}/stock/"
    response = owner_client.post(url, {"delta": "5", "reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    response = owner_client.post(url, {"delta": "0", "reason": "Conteo"})
    assert response.status_code == 400
    assert "other than 0" in response.content.decode()
    response = owner_client.post(url, {"delta": "-9", "reason": "Conteo"})
    assert response.status_code == 400
    assert "cannot go below 2" in response.content.decode()
    product.refresh_from_db()
    assert product.stock == 10

    response = owner_client.post(url, {"delta": "-3", "reason": "Frascos rotos"}, follow=True)
    assert "changed by -3: 7 units now, 5 available" in response.content.decode()
    product.refresh_from_db()
    assert (product.stock, product.stock_reserved) == (7, 2)
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.kind, movement.delta, movement.reason, movement.user.email) == (
        "ADJUST", -3, "Frascos rotos", "owner@alpha.test")
    assert "Frascos rotos" in response.content.decode()  # in the movements table


def test_deactivating_asks_first_then_stops_the_sale(owner_client, make_product):
    product = make_product()
    page = owner_client.get(f"/app/shop/products/{product.pk}/deactivate/").content.decode()
    assert "Stop selling" in page
    assert "Deactivate product" in page
    product.refresh_from_db()
    assert product.is_active  # asking changed nothing
    owner_client.post(f"/app/shop/products/{product.pk}/deactivate/")
    product.refresh_from_db()
    assert not product.is_active
    owner_client.post(f"/app/shop/products/{product.pk}/activate/")
    product.refresh_from_db()
    assert product.is_active


def test_the_product_list_searches_filters_and_badges_stock(owner_client, make_product, place):
    make_product(name="Lavanda", stock=30)
    make_product(name="Romero", stock=3)
    make_product(name="Menta", stock=0)
    make_product(name="Eucalipto", stock=8, is_active=False)

    def listed(**params):
        page = owner_client.get("/app/shop/", params).content.decode()
        return {name for name in ("Lavanda", "Romero", "Menta", "Eucalipto") if f">{name}</a>" in page}

    assert listed() == {"Lavanda", "Romero", "Menta", "Eucalipto"}
    assert listed(q="rom") == {"Romero"}
    assert listed(q="SKU-3") == {"Menta"}
    assert listed(stock="out") == {"Menta"}
    assert listed(stock="low") == {"Romero"}
    assert listed(stock="short") == {"Romero", "Menta"}
    assert listed(active="no") == {"Eucalipto"}
    page = owner_client.get("/app/shop/").content.decode()
    assert "Out of stock" in page
    assert "Low: 3 left" in page
    assert "In stock: 30" in page


def test_an_empty_shop_says_how_to_start(owner_client, shop):
    page = owner_client.get("/app/shop/").content.decode()
    assert "No products yet" in page
    assert "Import CSV" in page
    assert "No orders yet" in owner_client.get("/app/shop/orders/").content.decode()
    assert "No customers yet" in owner_client.get("/app/shop/customers/").content.decode()


# --- CSV --------------------------------------------------------------------------------

def test_a_csv_with_bad_lines_shows_every_one_by_number_and_imports_nothing(owner_client, shop, make_product):
    existing = make_product(name="Lavanda", stock=4)
    csv = ("sku,name,price,stock\n"
           f"{existing.sku},Lavanda nueva,50000,9\n"
           "NEW-1,Romero,abc,5\n"
           "NEW-2,Menta,30000,3\n"
           "NEW-3,,30000,-2\n").encode()
    response = owner_client.post("/app/shop/products/import/", {"file": SimpleUploadedFile("p.csv", csv)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was imported: 2 problems to fix" in page
    assert "Line 3:" in page
    assert "Line 5:" in page
    assert "Line 2:" not in page
    assert "Line 4:" not in page
    existing.refresh_from_db()
    assert (existing.name, existing.stock) == ("Lavanda", 4)
    assert not Product.objects.filter(tenant=shop, sku__startswith="NEW").exists()


def test_a_good_csv_imports_and_the_export_reads_back(owner_client, shop, make_product):
    existing = make_product(name="Lavanda", stock=4)
    csv = f"sku,name,price,stock\n{existing.sku},Lavanda nueva,50000,9\nNEW-1,Romero,30000,5\n".encode()
    response = owner_client.post("/app/shop/products/import/", {"file": SimpleUploadedFile("p.csv", csv)},
                                 follow=True)
    assert "Imported: 1 created, 1 updated, 0 unchanged." in response.content.decode()
    existing.refresh_from_db()
    assert (existing.name, existing.price, existing.stock) == ("Lavanda nueva", 50_000 * PESOS, 9)
    assert StockMovement.objects.filter(product=existing).first().user.email == "owner@alpha.test"
    export = owner_client.get("/app/shop/products/export/")
    assert export["Content-Type"].startswith("text/csv")
    assert "attachment" in export["Content-Disposition"]
    lines = export.content.decode().splitlines()
    assert lines[0].startswith("sku,name")
    assert f"{existing.sku},Lavanda nueva,,,50000,9,yes," in lines
    assert "NEW-1,Romero,,,30000,5,yes," in lines


# --- Customers and the overview ---------------------------------------------------------

def test_customers_are_searched_and_show_their_orders(owner_client, order, buyer):
    customer = buyer[0]
    page = owner_client.get("/app/shop/customers/", {"q": "laura"}).content.decode()
    assert "Laura Méndez" in page
    assert f"?customer={customer.pk}" in page
    assert "Laura" not in owner_client.get("/app/shop/customers/", {"q": "nadie"}).content.decode()
    detail = owner_client.get(f"/app/shop/customers/{customer.pk}/").content.decode()
    assert "+573001234567" in detail
    assert "Calle 85 # 12-30" in detail
    assert f"Order {order.number}" in detail


def test_the_overview_counts_orders_to_ship_and_products_running_low(client, owner, member_with_role, order,
                                                                     make_product):
    make_product(stock=2)  # low
    services.order_transition(order=order, to_status="CONFIRMED")
    client.force_login(member_with_role("WAREHOUSE"))
    page = client.get("/app/").content.decode()
    section = page[page.index('id="shop-title"'):]
    assert re.search(r'counter-value">1</strong> order to ship', section)
    assert re.search(r'counter-value">1</strong> product low or out of stock', section)
    assert "soon" not in page
