"""Products, stock adjustments and the CSV import/export."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from commerce import services
from commerce.models import Product, StockMovement
from commerce.services import CsvImportError, ShopError
from tests.commerce.conftest import PESOS

HEADER = "sku,name,variant_name,description,price,stock,is_active,weight_grams\n"


def test_stock_adjust_records_who_and_why(make_product, owner):
    product = make_product(stock=10)
    services.stock_adjust(product=product, delta=-3, reason="Conteo físico", user=owner)
    product.refresh_from_db()
    assert product.stock == 7
    movement = StockMovement.objects.filter(product=product).first()
    assert (movement.kind, movement.delta, movement.stock_after, movement.reason, movement.user) == (
        "ADJUST", -3, 7, "Conteo físico", owner)


def test_stock_never_goes_below_what_orders_hold(make_product, place):
    product = make_product(stock=5)
    place(product, quantity=4)
    with pytest.raises(ShopError, match="cannot go below 4"):
        services.stock_adjust(product=product, delta=-2, reason="Broken")
    product.refresh_from_db()
    assert (product.stock, product.stock_reserved) == (5, 4)


@pytest.mark.parametrize(("delta", "reason", "message"), [(0, "x", "other than 0"), (2, " ", "Say why")])
def test_stock_adjust_needs_a_change_and_a_reason(make_product, delta, reason, message):
    with pytest.raises(ShopError, match=message):
        services.stock_adjust(product=make_product(), delta=delta, reason=reason)


def test_the_database_refuses_reserved_above_stock_whatever_the_code(make_product):
    from django.db import IntegrityError, transaction

    product = make_product(stock=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(stock_reserved=3)


def test_a_sku_is_unique_per_tenant_only(shop, other_tenant):
    services.product_create(tenant=shop, sku="LAV-10", name="Lavanda", price=1)
    with pytest.raises(ShopError, match="already has the SKU LAV-10"):
        services.product_create(tenant=shop, sku="LAV-10", name="Otra", price=1)
    assert services.product_create(tenant=other_tenant, sku="LAV-10", name="Lavanda", price=1).pk


def test_variants_of_one_name_get_their_own_slugs(shop):
    small = services.product_create(tenant=shop, sku="A", name="Aceite de romero", variant_name="10 ml", price=1)
    large = services.product_create(tenant=shop, sku="B", name="Aceite de romero", variant_name="30 ml", price=1)
    twin = services.product_create(tenant=shop, sku="C", name="Aceite de romero", variant_name="30 ml", price=1)
    assert (small.slug, large.slug, twin.slug) == ("aceite-de-romero-10-ml", "aceite-de-romero-30-ml",
                                                   "aceite-de-romero-30-ml-2")


def test_an_image_is_accepted_by_its_bytes_not_its_name(make_product):
    product = make_product()
    png = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
    services.product_image_set(product=product, upload=SimpleUploadedFile("photo.html", png))
    assert product.image_type == "image/png"
    assert product.image.name.endswith(".png")
    assert "photo" not in product.image.name
    with pytest.raises(ShopError, match="PNG, JPEG, GIF or WebP"):
        services.product_image_set(product=product, upload=SimpleUploadedFile("x.png", b"<svg onload=alert(1)>"))


# --- CSV ----------------------------------------------------------------------------------


def test_a_csv_creates_and_updates_products_by_sku(shop, make_product):
    existing = services.product_create(tenant=shop, sku="LAV-10", name="Lavanda", price=40_000 * PESOS, stock=3)
    data = (HEADER + "LAV-10,Aceite de lavanda,10 ml gotero,,45900,12,yes,40\n"
            "ROM-30,Aceite de romero,30 ml,\"Romero, puro\",\"$ 52.500\",0,no,\n").encode()

    result = services.product_import_csv(tenant=shop, data=data)

    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    existing.refresh_from_db()
    assert (existing.name, existing.price, existing.stock, existing.weight_grams) == (
        "Aceite de lavanda", 45_900 * PESOS, 12, 40)
    assert StockMovement.objects.filter(product=existing, kind="IMPORT", delta=9).exists()
    rosemary = Product.objects.get(tenant=shop, sku="ROM-30")
    assert (rosemary.price, rosemary.is_active, rosemary.description) == (52_500 * PESOS, False, "Romero, puro")
    assert services.product_import_csv(tenant=shop, data=data).unchanged == 2


def test_a_bad_line_is_reported_by_its_number_and_nothing_is_imported(shop):
    data = (HEADER
            + "OK-1,Bueno,,,1000,5,yes,\n"
            + "BAD-1,Sin precio,,,abc,5,yes,\n"
            + ",Sin SKU,,,1000,5,yes,\n"
            + "OK-1,Repetido,,,1000,-2,talvez,\n").encode()

    with pytest.raises(CsvImportError) as refused:
        services.product_import_csv(tenant=shop, data=data)

    errors = refused.value.errors
    assert [error.split(":")[0] for error in errors] == ["Line 3", "Line 4", "Line 5"]
    assert "“abc” is not an amount" in errors[0]
    assert "the SKU is empty" in errors[1]
    assert "SKU OK-1 is also on line 2" in errors[2]
    assert "stock “-2”" in errors[2]
    assert "“talvez”" in errors[2]
    assert "Nothing was imported: 3 lines need fixing" in str(refused.value)
    assert not Product.objects.filter(tenant=shop).exists()


def test_a_csv_cannot_set_stock_below_what_orders_hold(shop, make_product, place):
    product = make_product(stock=5)
    place(product, quantity=4)
    with pytest.raises(CsvImportError, match="Line 2: stock 1 is below the 4 units"):
        services.product_import_csv(tenant=shop, data=f"sku,name,price,stock\n{product.sku},X,1,1\n".encode())


@pytest.mark.parametrize(("data", "message"), [
    (b"name,price\nA,1\n", "Line 1: the header lacks the column sku"),
    (b"sku,name,price\n", "no products"),
    ("sku,name,price\nA,Ñandú,1\n".encode("latin-1"), "not UTF-8"),
])
def test_unreadable_files_say_why(shop, data, message):
    with pytest.raises(CsvImportError, match=message):
        services.product_import_csv(tenant=shop, data=data)


def test_the_export_imports_back_unchanged_and_defuses_formulas(shop):
    services.product_create(tenant=shop, sku="A-1", name="=HYPERLINK(\"http://evil\")", price=45_900 * PESOS,
                            stock=4, variant_name="10 ml", description="Línea 1\nLínea 2")
    services.product_create(tenant=shop, sku="B-2", name="Romero", price=52_550, is_active=False)
    exported = services.product_export_csv(tenant=shop)
    assert exported.splitlines()[0] == HEADER.strip()
    assert "'=HYPERLINK" in exported
    assert ",45900," in exported
    assert ",525.50," in exported

    result = services.product_import_csv(tenant=shop, data=exported.encode())

    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)
    assert Product.objects.get(sku="A-1").name == "=HYPERLINK(\"http://evil\")"
