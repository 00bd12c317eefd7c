"""A shop in pesos with shipping rates, and factories for products, customers and orders,
all made through commerce.services."""

import threading

import pytest
from django.db import connection

from commerce import services
from commerce.services import OrderLine

PESOS = 100  # COP minor units per peso


@pytest.fixture
def shop(tenant):
    tenant.currency = "COP"
    tenant.save(update_fields=["currency"])
    services.shipping_rate_save(tenant=tenant, city="Bogotá", cost=12_000 * PESOS, days_min=1, days_max=2,
                                free_from=150_000 * PESOS, cash_on_delivery=True,
                                cash_on_delivery_max=400_000 * PESOS)
    services.shipping_rate_save(tenant=tenant, cost=15_000 * PESOS, days_min=4, days_max=6,
                                free_from=150_000 * PESOS)
    return tenant


@pytest.fixture
def make_product(shop):
    counter = iter(range(1, 10_000))

    def make(*, stock=10, price=45_900 * PESOS, tenant=None, **fields):
        number = next(counter)
        fields.setdefault("name", f"Aceite {number}")
        return services.product_create(tenant=tenant or shop, sku=f"SKU-{number}", price=price, stock=stock,
                                       **fields)

    return make


@pytest.fixture
def buyer(shop):
    """A customer in Bogotá (cash on delivery offered there), with an address."""
    customer = services.customer_upsert(tenant=shop, name="Laura Méndez", phone="300 123 4567",
                                        email="laura@example.com")
    address = services.address_add(customer=customer, line1="Calle 85 # 12-30", city="Bogotá",
                                   department="Cundinamarca")
    return customer, address


@pytest.fixture
def place(shop, buyer):
    """Place an order for the buyer: place(product, 2) or place((p1, 1), (p2, 3))."""

    def run(*lines, quantity=None, payment_method="COD", tenant=None, customer=None, address=None):
        if quantity is not None:
            lines = ((lines[0], quantity),)
        return services.order_place(
            tenant=tenant or shop, lines=[OrderLine(product.pk, qty) for product, qty in lines],
            customer=customer or buyer[0], address=address or buyer[1], payment_method=payment_method)

    return run


def at_once(count, work):
    """Run `work(i)` in `count` threads released together; returns each result or exception."""
    barrier, results = threading.Barrier(count), [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:  # the refusals are what the tests count
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
