"""Reads for the shop, always scoped by tenant (naming rule: kaiu/accounts/selectors.py)."""

from datetime import date

from django.db.models import F, Q, QuerySet
from django.shortcuts import get_object_or_404

from commerce.models import Customer, Order, OrderEvent, Product, ShippingRate, StockMovement, place_key
from commerce.order_sql import rows_as

LOW_STOCK = 5  # units available at or below which a product counts as running low


def product_get_for_tenant(tenant, product_id) -> Product:
    return get_object_or_404(Product, tenant=tenant, pk=product_id)


def product_find_for_tenant(tenant, product_id) -> Product | None:
    return Product.objects.filter(tenant=tenant, pk=product_id).first()


def product_list_for_tenant(tenant, *, search: str = "", active: bool | None = None,
                            stock: str = "") -> QuerySet[Product]:
    """`stock`: "out" (nothing available), "low" (1 to LOW_STOCK available), "short" (either:
    what the overview counts as low stock) or "" (any)."""
    products = Product.objects.filter(tenant=tenant)
    if search:
        products = products.filter(Q(name__icontains=search) | Q(sku__icontains=search)
                                   | Q(variant_name__icontains=search))
    if active is not None:
        products = products.filter(is_active=active)
    available = F("stock") - F("stock_reserved")
    if stock == "out":
        products = products.alias(available=available).filter(available__lte=0)
    elif stock == "low":
        products = products.alias(available=available).filter(available__gt=0, available__lte=LOW_STOCK)
    elif stock == "short":
        products = products.alias(available=available).filter(available__lte=LOW_STOCK)
    return products


def customer_get_for_tenant(tenant, customer_id) -> Customer:
    return get_object_or_404(Customer, tenant=tenant, pk=customer_id)


def customer_find_for_tenant(tenant, customer_id) -> Customer | None:
    return Customer.objects.filter(tenant=tenant, pk=customer_id).first()


def customer_list_for_tenant(tenant, *, search: str = "") -> QuerySet[Customer]:
    customers = Customer.objects.filter(tenant=tenant)
    if search:
        customers = customers.filter(Q(name__icontains=search) | Q(email__icontains=search)
                                     | Q(phone__contains=search) | Q(national_id__contains=search))
    return customers


def order_get_for_tenant(tenant, order_id) -> Order:
    return get_object_or_404(Order.objects.select_related("customer"), tenant=tenant, pk=order_id)


def order_find_for_tenant(tenant, order_id) -> Order | None:
    return Order.objects.filter(tenant=tenant, pk=order_id).first()


def order_find_for_tenant_by_number(tenant, number: int) -> Order | None:
    """The order a customer names by its number ("pedido 1042"); the caller verifies who asks."""
    return Order.objects.filter(tenant=tenant, number=number).first()


# Orders the warehouse still has to send out (the overview's "to ship").
ORDERS_TO_SHIP = (Order.Status.CONFIRMED, Order.Status.PROCESSING, Order.Status.READY_TO_SHIP,
                  Order.Status.PICKUP_REQUESTED)
TO_SHIP = "TO_SHIP"  # a `status` filter meaning any of ORDERS_TO_SHIP


def order_list_for_tenant(tenant, *, status: str = "", customer=None, since: date | None = None,
                          until: date | None = None, search: str = "") -> QuerySet[Order]:
    """`since` and `until` are days in the tenant's time zone (the active one), both included.
    `search`: an order number, or part of the customer's name, phone or e-mail."""
    orders = Order.objects.filter(tenant=tenant).select_related("customer")
    if status == TO_SHIP:
        orders = orders.filter(status__in=ORDERS_TO_SHIP)
    elif status:
        orders = orders.filter(status=status)
    search = search.strip()
    if search.isdigit():
        orders = orders.filter(number=int(search)) if len(search) < 10 else orders.none()
    elif search:
        orders = orders.filter(Q(customer__name__icontains=search) | Q(customer__email__icontains=search)
                               | Q(customer__phone__contains=search))
    if customer is not None:
        orders = orders.filter(customer=customer)
    if since:
        orders = orders.filter(created_at__date__gte=since)
    if until:
        orders = orders.filter(created_at__date__lte=until)
    return orders


def order_event_list_for_order(order) -> QuerySet[OrderEvent]:
    return OrderEvent.objects.filter(tenant_id=order.tenant_id, order=order).select_related("user")


def stock_movement_list_for_order(order) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(tenant_id=order.tenant_id, order=order).select_related("product", "user")


def stock_movement_list_for_product(product) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(tenant_id=product.tenant_id, product=product).select_related("order", "user")


def shipping_rate_list_for_tenant(tenant) -> QuerySet[ShippingRate]:
    return ShippingRate.objects.filter(tenant=tenant)


def shipping_rate_find_for_tenant(tenant, *, city: str, department: str = "") -> ShippingRate | None:
    """The rate for a destination: the city's (in that department, or in any), else the
    department's, else the tenant's default; None when the tenant ships nowhere there."""
    city, department = place_key(city), place_key(department)
    rates = rows_as(ShippingRate, "SELECT {columns} FROM commerce_shippingrate WHERE tenant_id = %s "
                                "AND city_key IN ('', %s)", [tenant.pk, city])
    by_place = {(rate.city_key, rate.department_key): rate for rate in rates}
    if city:
        for key in ((city, department), (city, "")):
            if key in by_place:
                return by_place[key]
        if not department:  # "Medellín" alone matches "Medellín, Antioquia"
            same_city = sorted(key for key in by_place if key[0] == city)
            if same_city:
                return by_place[same_city[0]]
    if department and ("", department) in by_place:
        return by_place[("", department)]
    return by_place.get(("", ""))


def shop_counters_for_tenant(tenant) -> dict[str, int]:
    """The overview's counters: orders waiting to go out, and active products running low."""
    to_ship = Order.objects.filter(tenant=tenant, status__in=ORDERS_TO_SHIP).count()
    low = product_list_for_tenant(tenant, active=True, stock="short").count()
    return {"orders_to_ship": to_ship, "low_stock": low}
