"""Shipping rates: what delivery to a destination costs, how long it takes, and whether the
customer may pay on delivery. Read when an order is priced (pricing.py)."""

from django.core.exceptions import ValidationError

from commerce import selectors
from commerce.models import ShippingRate, place_key
from commerce.services.errors import ShopError, validation_messages


def shipping_rate_save(*, tenant, city: str = "", department: str = "", cost: int, days_min: int, days_max: int,
                       free_from: int | None = None, cash_on_delivery: bool = False,
                       cash_on_delivery_max: int | None = None) -> ShippingRate:
    """Create or replace the rate for a destination (no city and no department: the default)."""
    rate = selectors.shipping_rate_list_for_tenant(tenant).filter(
        city_key=place_key(city), department_key=place_key(department)).first() or ShippingRate(tenant=tenant)
    rate.city, rate.department = city.strip(), department.strip()
    rate.cost, rate.days_min, rate.days_max, rate.free_from = cost, days_min, days_max, free_from
    rate.cash_on_delivery, rate.cash_on_delivery_max = cash_on_delivery, cash_on_delivery_max
    try:
        rate.full_clean(exclude=["tenant"], validate_constraints=False)
    except ValidationError as error:
        raise ShopError(" ".join(validation_messages(error))) from None
    if rate.days_min > rate.days_max:
        raise ShopError("The fewest days cannot be more than the most days.")
    rate.save()
    return rate
