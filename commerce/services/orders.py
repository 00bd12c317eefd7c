"""Orders: a quote, placing one (its units reserved), moving it along the status table with its
effect on stock, and its tracking. A transition locks the order row first, then its products by
id (see the package docstring for why the order of locks matters)."""

import uuid
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from commerce import order_sql
from commerce.models import Address, Customer, Order, OrderEvent, OrderStatus, PaymentMethod, Product
from commerce.services.errors import ShopError
from commerce.services.pricing import OrderLine, Quote, quantities_by_product, quote_priced, shipping_rate_for
from commerce.services.stock import stock_move_locked
from commerce.transitions import allowed_next, stock_effect

# Pricing again after a line stopped fitting between the read and the write: each retry means
# another order or a staff change got there first.
ORDER_PLACE_ATTEMPTS = 5

# What pricing an order reads of its products (and all order_sql writes from them).
_PRICED_PRODUCT_FIELDS = ("id", "tenant_id", "sku", "name", "variant_name", "price", "stock", "stock_reserved",
                          "is_active")


def order_quote(*, tenant, lines: Iterable[OrderLine], city: str, department: str = "",
                payment_method: str = PaymentMethod.CASH_ON_DELIVERY) -> Quote:
    """Prices, shipping and availability as they are now, without reserving anything."""
    wanted = quantities_by_product(lines)
    rate = shipping_rate_for(tenant, city, department)
    products = list(Product.objects.filter(tenant=tenant, pk__in=wanted).order_by("pk"))
    return quote_priced(tenant, wanted, products, rate, payment_method, city)


def order_place(*, tenant, lines: Iterable[OrderLine], customer: Customer, address: Address,
                payment_method: str, placed_by=None, note: str = "", external_id: str = "") -> Order:
    """A PENDING order with its units reserved, priced from the live products and the
    shipping rate of the address's destination. Refused whole if any line cannot be served.

    Priced from the products as they are now, then written in one statement (its own
    transaction) that locks them by id and writes nothing unless every line still fits (see
    order_sql). When one no longer does, the order is priced again: refused if a line cannot
    be served any more, placed at the new price if only the price changed."""
    if customer.tenant_id != tenant.pk or address.customer_id != customer.pk:
        raise ShopError("The customer or the address belongs to another business.")
    if payment_method not in PaymentMethod.values:
        raise ShopError(f"“{payment_method}” is not a payment method.")
    wanted = quantities_by_product(lines)
    external_id, note = external_id.strip(), note.strip()[:2000]
    if external_id and Order.objects.filter(tenant=tenant, external_id=external_id).exists():
        raise ShopError(f"Order {external_id} was already placed.")
    rate = shipping_rate_for(tenant, address.city, address.department)
    for _ in range(ORDER_PLACE_ATTEMPTS):
        products = order_sql.rows_as(
            Product, "SELECT {columns} FROM commerce_product WHERE tenant_id = %s AND id = ANY(%s)",
            [tenant.pk, list(wanted)], only=_PRICED_PRODUCT_FIELDS)
        quote = quote_priced(tenant, wanted, products, rate, payment_method, address.city)
        order = Order(
            id=uuid.uuid4(), tenant=tenant, payment_method=payment_method, currency=quote.currency,
            subtotal=quote.subtotal, shipping_cost=quote.shipping_cost, total=quote.total, customer=customer,
            customer_snapshot=_customer_snapshot(customer), shipping_address=address.snapshot(),
            shipping_days_min=rate.days_min, shipping_days_max=rate.days_max, note=note, external_id=external_id,
            placed_by=placed_by)
        try:
            if order_sql.order_insert(order, quote.lines):
                return order
        except IntegrityError:  # the same external id placed a moment ago by another request
            raise ShopError(f"Order {external_id} was already placed.") from None
    raise ShopError("These products are selling fast right now: please try again in a moment.", "selling_fast")


@transaction.atomic
def order_transition(*, order: Order, to_status: str, user=None, note: str = "", carrier: str | None = None,
                     tracking_number: str | None = None, tracking_url: str | None = None) -> Order:
    """Move the order to `to_status` if the table allows it, with its effect on stock."""
    order = Order.objects.select_for_update().get(pk=order.pk, tenant_id=order.tenant_id)
    if to_status not in allowed_next(order.status):
        raise ShopError(f"Order {order.number} is {OrderStatus(order.status).label.lower()}: it cannot become "
                        f"{_status_label(to_status)}.")
    effect = stock_effect(order.status, to_status)
    if effect:
        stock, reserved, kind = effect
        items = list(order.items.order_by("product_id"))
        products = {p.pk: p for p in Product.objects.select_for_update().filter(
            pk__in=[item.product_id for item in items]).order_by("pk")}
        stock_move_locked(order, [(products[item.product_id], item.quantity) for item in items], stock=stock,
                          reserved=reserved, kind=kind, user=user,
                          reason=f"Order {order.number} {_status_label(to_status)}")
    event = OrderEvent(tenant_id=order.tenant_id, order=order, from_status=order.status, to_status=to_status,
                       user=user, note=note.strip()[:500])
    order.status = to_status
    _set_tracking(order, carrier, tracking_number, tracking_url)
    order.full_clean(exclude=["customer", "placed_by", "tenant"])
    order.save()
    event.save()
    return order


def order_tracking_update(*, order: Order, carrier: str, tracking_number: str, tracking_url: str) -> Order:
    _set_tracking(order, carrier, tracking_number, tracking_url)
    try:
        order.full_clean(exclude=["customer", "placed_by", "tenant"])
    except ValidationError as error:
        raise ShopError(" ".join(error.messages)) from None
    order.save(update_fields=["carrier", "tracking_number", "tracking_url", "updated_at"])
    return order


def _set_tracking(order, carrier, tracking_number, tracking_url):
    for field, value in (("carrier", carrier), ("tracking_number", tracking_number), ("tracking_url", tracking_url)):
        if value is not None:
            setattr(order, field, value.strip())


def _status_label(status: str) -> str:
    return OrderStatus(status).label.lower() if status in OrderStatus.values else f"“{status}”"


def _customer_snapshot(customer: Customer) -> dict:
    return {field: getattr(customer, field) for field in ("name", "email", "phone", "national_id")}
