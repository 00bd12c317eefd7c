"""The shop in a real browser: a warehouse user takes an order from PENDING to DELIVERED with
the stock right at every step, cancelling asks first, and the shop's pages fit a phone."""

import pytest

from commerce import services
from commerce.models import Order, Product
from tests.e2e.helpers import VIEWPORTS, log_in
from tests.e2e.test_phone_layout import MEASURE

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PASSWORD = "bodega-segura-2024"


@pytest.fixture
def store(django_user_model):
    """A shop in pesos with two products, a customer in Bogotá, her PENDING order of 3 units of
    lavender oil, and a warehouse member."""
    from kaiu.accounts.models import Membership, Role
    from kaiu.accounts.services import tenant_create

    owner = django_user_model.objects.create_user(email="dueña@aceites.test", password=PASSWORD)
    tenant = tenant_create(owner=owner, name="Aceites Naturales", language="es")
    tenant.currency = "COP"
    tenant.save(update_fields=["currency"])
    warehouse = django_user_model.objects.create_user(email="bodega@aceites.test", password=PASSWORD,
                                                      full_name="Julián Bodega")
    Membership.objects.create(user=warehouse, tenant=tenant, role=Role.WAREHOUSE)
    services.shipping_rate_save(tenant=tenant, city="Bogotá", cost=1_200_000, days_min=1, days_max=2,
                                cash_on_delivery=True)
    lavender = services.product_create(tenant=tenant, sku="LAV-10", name="Aceite esencial de lavanda",
                                       variant_name="10 ml gotero", price=4_590_000, stock=10)
    services.product_create(tenant=tenant, sku="ROM-30", name="Aceite de romero", variant_name="30 ml",
                            price=3_200_000, stock=2)
    customer = services.customer_upsert(tenant=tenant, name="Laura Méndez", phone="300 123 4567",
                                        email="laura@example.com", national_id="1020304050")
    address = services.address_add(customer=customer, line1="Calle 85 # 12-30", line2="Apto 402", city="Bogotá",
                                   department="Cundinamarca", notes="Portería 24 horas")
    order = services.order_place(tenant=tenant, lines=[services.OrderLine(lavender.pk, 3)], customer=customer,
                                 address=address, payment_method="COD")
    return {"tenant": tenant, "order": order, "lavender": lavender}


def stock_of(product):
    product.refresh_from_db()
    return product.stock, product.stock_reserved


def test_a_warehouse_user_takes_an_order_from_pending_to_delivered(page, shot, store):
    order, lavender = store["order"], store["lavender"]
    log_in(page, "bodega@aceites.test", PASSWORD)
    overview = page.locator("#shop-title").locator("..")
    assert "0 orders to ship" in " ".join(overview.inner_text().split())
    assert "1 product low or out of stock" in " ".join(overview.inner_text().split())  # the 2 of rosemary
    shot("30-shop-overview")

    page.click("nav >> text=Shop")
    page.wait_for_url("**/app/shop/")
    assert page.locator("tr", has_text="LAV-10").get_by_text("In stock: 7").is_visible()  # 10, 3 reserved
    assert page.locator("tr", has_text="ROM-30").get_by_text("Low: 2 left").is_visible()
    shot("31-shop-products")
    page.click(".tabs >> text=Orders")
    page.click(f"text=Order {order.number}")
    page.wait_for_url(f"**/app/shop/orders/{order.pk}/")
    assert page.locator("h1 .badge").inner_text() == "Pending"
    assert stock_of(lavender) == (10, 3)
    shot("32-order-pending")

    steps = [("Confirm order", "CONFIRMED", "Confirmed", (10, 3)),
             ("Start processing", "PROCESSING", "Processing", (10, 3)),
             ("Mark ready to ship", "READY_TO_SHIP", "Ready to ship", (10, 3)),
             ("Request pickup", "PICKUP_REQUESTED", "Pickup requested", (10, 3)),
             ("Mark shipped", "SHIPPED", "Shipped", (7, 0)),  # sold: out of stock and of reserved
             ("Mark delivered", "DELIVERED", "Delivered", (7, 0))]
    for button, status, label, stock in steps:
        if status == "SHIPPED":  # the carrier's guide goes on the order before the parcel leaves
            page.click("text=Add carrier and tracking")
            page.fill("#id_carrier", "Servientrega")
            page.fill("#id_tracking_number", "SV-778812")
            page.fill("#id_tracking_url", "https://rastreo.example/SV-778812")
            page.click("button:has-text('Save tracking')")
            page.wait_for_selector(f"text=Tracking of order {order.number} saved.")
            shot("33-order-tracking")
        page.click(f"button:has-text('{button}')")
        page.wait_for_selector(f"text=Order {order.number} is now {label.lower()}.")
        assert page.locator("h1 .badge").inner_text() == label
        order.refresh_from_db()
        assert order.status == status
        assert stock_of(lavender) == stock, status
    shot("34-order-delivered")

    # Delivered: only a return may follow; the timeline holds every step and the stock moves.
    buttons = page.locator(".order-actions button")
    assert buttons.all_inner_texts() == ["Mark returned"]
    timeline = page.locator(".timeline").inner_text()
    for line in ("Pending → Confirmed", "Pickup requested → Shipped", "Shipped → Delivered",
                 "Reserved for an order", "Shipped (sold)"):
        assert line in timeline, line
    assert "bodega@aceites.test" in timeline
    assert page.get_by_role("link", name="SV-778812").get_attribute("href") == "https://rastreo.example/SV-778812"

    page.goto(f"/app/shop/orders/{order.pk}/packing-slip/")
    assert page.locator("text=Calle 85 # 12-30, Apto 402").is_visible()
    assert page.locator("text=Aceite esencial de lavanda · 10 ml gotero").is_visible()
    shot("35-packing-slip")
    page.emulate_media(media="print")
    assert not page.locator("button:has-text('Print')").is_visible()  # the sheet alone on paper
    shot("36-packing-slip-print")

    page.goto(f"/app/shop/products/{lavender.pk}/")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 3  # opening stock, reserved, shipped
    assert "Shipped (sold)" in rows.first.inner_text()
    shot("37-product-movements")


def test_cancelling_asks_first_and_gives_the_units_back(page, store):
    order, lavender = store["order"], store["lavender"]
    log_in(page, "bodega@aceites.test", PASSWORD)
    page.goto(f"/app/shop/orders/{order.pk}/")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Cancel order')")
    page.wait_for_timeout(300)
    order.refresh_from_db()
    assert order.status == "PENDING"
    assert stock_of(lavender) == (10, 3)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Cancel order')")
    page.wait_for_selector(f"text=Order {order.number} is now cancelled.")
    order.refresh_from_db()
    assert order.status == "CANCELLED"
    assert stock_of(lavender) == (10, 0)
    assert page.locator(".order-actions button").count() == 0


def test_adjusting_stock_in_the_browser(page, store):
    lavender = store["lavender"]
    log_in(page, "bodega@aceites.test", PASSWORD)
    page.goto(f"/app/shop/products/{lavender.pk}/")
    page.fill("#id_delta", "-8")
    page.fill("#id_reason", "Conteo físico")
    page.click("button:has-text('Change stock')")
    page.wait_for_selector("text=the stock cannot go below 3")  # 3 are held by the order
    assert stock_of(lavender) == (10, 3)
    page.fill("#id_delta", "5")
    page.fill("#id_reason", "Llegó pedido del proveedor")
    page.click("button:has-text('Change stock')")
    page.wait_for_selector("text=15 units now, 12 available")
    assert stock_of(lavender) == (15, 3)


SHOP_PAGES = [("products", "/app/shop/"), ("product", "/app/shop/products/{product}/"),
              ("orders", "/app/shop/orders/"), ("order", "/app/shop/orders/{order}/"),
              ("customers", "/app/shop/customers/"), ("customer", "/app/shop/customers/{customer}/"),
              ("import", "/app/shop/products/import/"), ("new-product", "/app/shop/products/new/"),
              ("packing-slip", "/app/shop/orders/{order}/packing-slip/")]


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_shop_pages_fit_the_screen(page, shot, store, viewport):
    page.set_viewport_size(VIEWPORTS[viewport])
    log_in(page, "bodega@aceites.test", PASSWORD)
    order = store["order"]
    ids = {"product": store["lavender"].pk, "order": order.pk, "customer": order.customer_id}
    for name, url in SHOP_PAGES:
        page.goto(url.format(**ids))
        shot(f"38-shop-{name}-{viewport}")
        measured = page.evaluate(MEASURE)
        assert measured["scrollWidth"] <= measured["width"], f"{name} is wider than the screen"
        assert measured["broken"] == [], f"{name} breaks words mid-word"
    assert Product.objects.count() == 2
    assert Order.objects.get().status == "PENDING"
