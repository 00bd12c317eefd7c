"""The demo shop: a living catalogue, orders in every status, and shipping rates that say
what the demo's own knowledge base says."""

import io
import re

import pytest
from django.core.management import call_command

from commerce import selectors
from commerce.demo import PESOS
from commerce.models import Order, OrderEvent, Product, StockMovement
from documents.demo import DEMO_DOCUMENTS
from kaiu.accounts.models import Tenant


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return Tenant.objects.get(slug="kaiu-natural-living")


def test_the_demo_shop_has_variants_some_out_of_stock_and_orders_in_every_status(demo):
    products = Product.objects.filter(tenant=demo)
    assert products.filter(name="Aceite esencial de lavanda").count() == 2
    assert selectors.product_list_for_tenant(demo, stock="out").exists()
    assert set(Order.objects.filter(tenant=demo).values_list("status", flat=True)) == set(Order.Status.values)
    for product in products:  # the ledger explains every level
        movements = StockMovement.objects.filter(product=product)
        assert (product.stock, product.stock_reserved) == (
            sum(m.delta for m in movements), sum(m.reserved_delta for m in movements))
    shipped = Order.objects.get(tenant=demo, status="SHIPPED")
    assert shipped.tracking_number
    assert shipped.carrier in {"Servientrega", "Coordinadora", "Interrapidísimo"}
    first, *rest = OrderEvent.objects.filter(order=shipped)
    assert all(event.at > first.at for event in rest)


def _pesos(text):
    return int(text.replace(".", "")) * PESOS


def _cities(text):
    return [city.strip() for city in re.split(r",| y | e ", text) if city.strip()]


def test_the_rates_agree_with_the_demo_pages_on_shipping_and_payments(demo):
    shipping = (DEMO_DOCUMENTS / "envios.md").read_text()
    payments = (DEMO_DOCUMENTS / "pagos.md").read_text()

    def rate(city):
        return selectors.shipping_rate_find_for_tenant(demo, city=city)

    checked = 0
    for places, low, high in re.findall(r"\*\*(.+?):\*\* (\d+) a (\d+) días hábiles", shipping):
        for city in _cities(places.replace("Zonas rurales", "").replace("Otras ciudades", "Pasto")):
            if city in ("municipios",):
                continue
            assert (rate(city).days_min, rate(city).days_max) == (int(low), int(high)), city
            checked += 1
    assert checked >= 12

    near_cost, near, far_cost = re.search(r"cuesta \$([\d.]+) en (.+?) y \$([\d.]+) al resto", shipping).groups()
    for city in _cities(near):
        assert rate(city).cost == _pesos(near_cost)
    assert rate("Pasto").cost == rate("Cartagena").cost == _pesos(far_cost)
    free_from = _pesos(re.search(r"gratis en compras desde \$([\d.]+)", shipping).group(1))
    assert {r.free_from for r in selectors.shipping_rate_list_for_tenant(demo)} == {free_from}

    cod_places, cod_max = re.search(r"contra entrega en efectivo\*\*, disponible en (.+?) para pedidos hasta "
                                    r"\$([\d.]+)", payments).groups()
    cod = {r.city for r in selectors.shipping_rate_list_for_tenant(demo) if r.cash_on_delivery}
    assert cod == set(_cities(cod_places))
    assert all(rate(city).cash_on_delivery_max == _pesos(cod_max) for city in cod)
