"""What an order costs and whether it can be served, read from the products and the shipping
rate as they are now. Nothing here writes: orders.py prices before it places."""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from commerce import selectors
from commerce.models import PaymentMethod, Product, ShippingRate
from commerce.services.errors import ShopError
from kaiu.currencies import format_money

MAX_ORDER_LINES = 50
MAX_LINE_QUANTITY = 1000


@dataclass(frozen=True)
class OrderLine:
    product_id: uuid.UUID | str
    quantity: int


@dataclass(frozen=True)
class Quote:
    """What an order would cost now: shown to the customer before they confirm."""

    lines: list[tuple[Product, int]]
    subtotal: int
    shipping_cost: int
    total: int
    rate: ShippingRate
    currency: str

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)


def quantities_by_product(lines: Iterable[OrderLine]) -> dict:
    """product id → quantity, the same product on two lines counted once."""
    wanted: dict = {}
    for line in lines:
        if not isinstance(line.quantity, int) or isinstance(line.quantity, bool) or line.quantity < 1:
            raise ShopError("Each quantity must be a whole number of 1 or more.")
        try:
            key = uuid.UUID(str(line.product_id))
        except ValueError:
            raise ShopError("That product does not exist.") from None
        wanted[key] = wanted.get(key, 0) + line.quantity
    if not wanted:
        raise ShopError("The order has no products.")
    if len(wanted) > MAX_ORDER_LINES or max(wanted.values()) > MAX_LINE_QUANTITY:
        raise ShopError(f"An order holds at most {MAX_ORDER_LINES} products and {MAX_LINE_QUANTITY} units of each.")
    return wanted


def shipping_rate_for(tenant, city: str, department: str) -> ShippingRate:
    rate = selectors.shipping_rate_find_for_tenant(tenant, city=city, department=department)
    if rate is None:
        raise ShopError(f"We do not ship to {city or 'that place'} yet.", "no_shipping", city=city)
    return rate


def quote_priced(tenant, wanted: dict, products: list[Product], rate: ShippingRate, payment_method: str,
                 city: str) -> Quote:
    """The quote for `wanted` from these product rows, refused whole if a line cannot be served
    or cash on delivery is not available for it."""
    found = {product.pk: product for product in products}
    problems, first = [], None
    for product_id, quantity in wanted.items():
        product = found.get(product_id)
        if product is None or not product.is_active:
            problems.append(f"{product or 'One of the products'} is not sold any more.")
            first = first or ("not_sold", {"product": str(product or "")})
        elif product.available < quantity:
            left = f"only {product.available} left" if product.available else "none left"
            problems.append(f"{product} has {left}.")
            first = first or ("sold_out", {"product": str(product), "available": product.available})
    if problems:
        raise ShopError(" ".join(problems), first[0], **first[1])
    lines = [(found[product_id], quantity) for product_id, quantity in sorted(wanted.items())]
    subtotal = sum(product.price * quantity for product, quantity in lines)
    shipping = 0 if rate.free_from is not None and subtotal >= rate.free_from else rate.cost
    total = subtotal + shipping
    if payment_method == PaymentMethod.CASH_ON_DELIVERY:
        if not rate.cash_on_delivery:
            raise ShopError(f"Cash on delivery is not available in {city}.", "no_cod", city=city)
        if rate.cash_on_delivery_max is not None and total > rate.cash_on_delivery_max:
            limit = format_money(rate.cash_on_delivery_max, tenant.currency)
            raise ShopError(f"Cash on delivery is available for orders up to {limit}.", "cod_max", limit=limit)
    return Quote(lines=lines, subtotal=subtotal, shipping_cost=shipping, total=total, rate=rate,
                 currency=tenant.currency)
