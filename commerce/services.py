"""Writes for the shop. Every change of stock or order status happens here, in one
transaction, and leaves a StockMovement or an OrderEvent.

Locks are always taken in one order, so two writers never wait on each other in a circle:
the order row first (a transition), then products by id, then the tenant's order counter.
Refusals a person can act on raise ShopError; its message is shown as it is.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from commerce import csv_io, knowledge, order_sql, selectors
from commerce.images import InvalidImage, image_check
from commerce.models import (
    Address,
    Customer,
    Order,
    OrderEvent,
    OrderStatus,
    PaymentMethod,
    Product,
    ShippingRate,
    StockMovement,
    place_key,
)
from commerce.phones import InvalidPhone, phone_normalize, region_for_currency
from commerce.transitions import allowed_next, stock_effect
from kaiu.currencies import format_money

MAX_ORDER_LINES = 50
MAX_LINE_QUANTITY = 1000
# Pricing again after a line stopped fitting between the read and the write: each retry means
# another order or a staff change got there first.
ORDER_PLACE_ATTEMPTS = 5


class ShopError(Exception):
    """A refusal a person can act on ("Only 2 units of ... are left."): show str(error).
    `code` and `params` say which refusal it is, for a caller that words it in the
    customer's language (the chat): "sold_out", "not_sold", "no_shipping", "no_cod",
    "cod_max", "selling_fast"; "" for the others."""

    def __init__(self, message: str, code: str = "", **params):
        super().__init__(message)
        self.code, self.params = code, params


class CsvImportError(ShopError):
    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__(f"Nothing was imported: {len(errors)} line{'s' if len(errors) != 1 else ''} "
                         f"need fixing. " + " ".join(errors[:20]))


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


# --- Orders -------------------------------------------------------------------------------


def order_quote(*, tenant, lines: Iterable[OrderLine], city: str, department: str = "",
                payment_method: str = PaymentMethod.CASH_ON_DELIVERY) -> Quote:
    """Prices, shipping and availability as they are now, without reserving anything."""
    wanted = _merged(lines)
    rate = _rate_for(tenant, city, department)
    products = list(Product.objects.filter(tenant=tenant, pk__in=wanted).order_by("pk"))
    return _priced(tenant, wanted, products, rate, payment_method, city)


# What pricing an order reads of its products (and all order_sql writes from them).
_PRICED_PRODUCT_FIELDS = ("id", "tenant_id", "sku", "name", "variant_name", "price", "stock", "stock_reserved",
                          "is_active")


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
    wanted = _merged(lines)
    external_id, note = external_id.strip(), note.strip()[:2000]
    if external_id and Order.objects.filter(tenant=tenant, external_id=external_id).exists():
        raise ShopError(f"Order {external_id} was already placed.")
    rate = _rate_for(tenant, address.city, address.department)
    for _ in range(ORDER_PLACE_ATTEMPTS):
        products = order_sql.rows_as(
            Product, "SELECT {columns} FROM commerce_product WHERE tenant_id = %s AND id = ANY(%s)",
            [tenant.pk, list(wanted)], only=_PRICED_PRODUCT_FIELDS)
        quote = _priced(tenant, wanted, products, rate, payment_method, address.city)
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
        _move_stock(order, [(products[item.product_id], item.quantity) for item in items], stock=stock,
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


def _merged(lines: Iterable[OrderLine]) -> dict:
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


def _rate_for(tenant, city: str, department: str) -> ShippingRate:
    rate = selectors.shipping_rate_find_for_tenant(tenant, city=city, department=department)
    if rate is None:
        raise ShopError(f"We do not ship to {city or 'that place'} yet.", "no_shipping", city=city)
    return rate


def _priced(tenant, wanted: dict, products: list[Product], rate: ShippingRate, payment_method: str,
            city: str) -> Quote:
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


def _customer_snapshot(customer: Customer) -> dict:
    return {field: getattr(customer, field) for field in ("name", "email", "phone", "national_id")}


# --- Stock --------------------------------------------------------------------------------


def _move_stock(order, lines, *, stock: int, reserved: int, kind: str, user, reason: str) -> None:
    """Apply per-unit deltas to locked products and write one movement each."""
    movements = []
    for product, quantity in lines:
        product.stock += stock * quantity
        product.stock_reserved += reserved * quantity
        movements.append(StockMovement(
            tenant_id=product.tenant_id, product=product, kind=kind, delta=stock * quantity,
            reserved_delta=reserved * quantity, stock_after=product.stock, reserved_after=product.stock_reserved,
            reason=reason, order=order, user=user))
    Product.objects.bulk_update([product for product, _ in lines], ["stock", "stock_reserved"])
    StockMovement.objects.bulk_create(movements)


@transaction.atomic
def stock_adjust(*, product: Product, delta: int, reason: str, user=None,
                 kind: str = StockMovement.Kind.ADJUST) -> Product:
    """Count found, damage, a delivery from a supplier: stock changes by `delta`, never below
    what open orders hold."""
    reason = (reason or "").strip()
    if not reason:
        raise ShopError("Say why the stock changes (a count, damage, a delivery...).")
    if not isinstance(delta, int) or delta == 0:
        raise ShopError("The change must be a whole number other than 0.")
    product = Product.objects.select_for_update().get(pk=product.pk, tenant_id=product.tenant_id)
    if product.stock + delta < product.stock_reserved:
        raise ShopError(f"{product} has {product.stock} units, {product.stock_reserved} of them reserved by open "
                        f"orders: the stock cannot go below {product.stock_reserved}.")
    product.stock += delta
    product.save(update_fields=["stock", "updated_at"])
    StockMovement.objects.create(tenant_id=product.tenant_id, product=product, kind=kind, delta=delta,
                                 stock_after=product.stock, reserved_after=product.stock_reserved,
                                 reason=reason[:200], user=user)
    return product


# --- Products -----------------------------------------------------------------------------

PRODUCT_FIELDS = ("name", "description", "variant_name", "price", "is_active", "weight_grams", "length_mm",
                  "width_mm", "height_mm")


@transaction.atomic
def product_create(*, tenant, sku: str, name: str, price: int, stock: int = 0, user=None, **fields) -> Product:
    """A product; its opening stock is recorded as a movement like any other change."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_create() got unexpected fields {sorted(unknown)}")
    product = Product(tenant=tenant, sku=sku.strip(), name=name.strip(), price=price, **fields)
    product.slug = _unique_slug(tenant, product)
    _save_checked(product)
    if stock:
        stock_adjust(product=product, delta=stock, reason="Opening stock", user=user)
        product.refresh_from_db()
    if product.is_active:
        knowledge.products_changed(tenant.pk)
    return product


def product_update(*, product: Product, **fields) -> Product:
    """Change the catalogue fields; stock changes only through stock_adjust."""
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"product_update() got unexpected fields {sorted(unknown)}")
    before = (knowledge.product_passage(product), product.is_active)
    for field, value in fields.items():
        setattr(product, field, value.strip() if isinstance(value, str) else value)
    # Only these columns: the stock may have moved since `product` was read.
    _save_checked(product, update_fields=[*fields, "updated_at"])
    if (knowledge.product_passage(product), product.is_active) != before:  # a price change is read live
        knowledge.products_changed(product.tenant_id)
    return product


def product_image_set(*, product: Product, upload) -> Product:
    try:
        content_type, extension = image_check(upload)
    except InvalidImage as error:
        raise ShopError(str(error)) from None
    old = product.image.name
    product.image.save(f"image.{extension}", upload, save=False)
    product.image_type = content_type
    product.save(update_fields=["image", "image_type", "updated_at"])
    if old:
        transaction.on_commit(lambda: product.image.storage.delete(old))
    return product


def _save_checked(product: Product, update_fields=None) -> None:
    try:
        product.full_clean(exclude=["tenant", "image"])
        with transaction.atomic():  # a savepoint: a taken SKU must not spoil the caller's transaction
            product.save(update_fields=update_fields)
    except ValidationError as error:
        raise ShopError(" ".join(_messages(error))) from None
    except IntegrityError:
        raise ShopError(f"Another product already has the SKU {product.sku}.") from None


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "message_dict"):
        return [f"{field}: {message}" if field != "__all__" else message
                for field, messages in error.message_dict.items() for message in messages]
    return error.messages


def _unique_slug(tenant, product: Product) -> str:
    base = slugify(f"{product.name} {product.variant_name}")[:200] or slugify(product.sku) or "product"
    taken = set(Product.objects.filter(tenant=tenant, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


@transaction.atomic
def product_import_csv(*, tenant, data: bytes, user=None) -> ImportResult:
    """Create or update products by SKU from a CSV (columns in csv_io.COLUMNS). All or
    nothing: any bad line raises CsvImportError listing every bad line by its number."""
    rows, errors = csv_io.rows_read(data, currency=tenant.currency)
    existing = {p.sku: p for p in Product.objects.select_for_update().filter(
        tenant=tenant, sku__in=[row.sku for row in rows]).order_by("pk")}
    for row in rows:
        product = existing.get(row.sku)
        if product and row.stock is not None and row.stock < product.stock_reserved:
            errors.append(f"Line {row.line}: stock {row.stock} is below the {product.stock_reserved} units "
                          f"open orders hold.")
    if errors:
        raise CsvImportError(sorted(errors, key=_line_number))
    created = updated = unchanged = 0
    for row in rows:
        fields = {field: getattr(row, field) for field in ("name", "price", "variant_name", "description",
                                                           "is_active", "weight_grams")
                  if getattr(row, field) is not None}
        product = existing.get(row.sku)
        if product is None:
            product = product_create(tenant=tenant, sku=row.sku, user=user, **fields)
            created += 1
            changed = True
        else:
            changed = any(getattr(product, field) != value for field, value in fields.items())
            if changed:
                product_update(product=product, **fields)
        if row.stock is not None and row.stock != product.stock:
            stock_adjust(product=product, delta=row.stock - product.stock, reason=f"CSV import, line {row.line}",
                         user=user, kind=StockMovement.Kind.IMPORT)
            changed = True
        if row.sku in existing:
            updated, unchanged = (updated + 1, unchanged) if changed else (updated, unchanged + 1)
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _line_number(message: str) -> int:
    head = message.split(":", 1)[0]
    return int(head.removeprefix("Line ")) if head.startswith("Line ") else 0


def product_export_csv(*, tenant) -> str:
    return csv_io.rows_write(Product.objects.filter(tenant=tenant).order_by("sku"), currency=tenant.currency)


# --- Customers and shipping ---------------------------------------------------------------


def customer_upsert(*, tenant, name: str, phone: str = "", email: str = "", national_id: str = "") -> Customer:
    """The tenant's customer with this phone (or else e-mail), created or brought up to date."""
    try:
        phone = phone_normalize(phone, region=region_for_currency(tenant.currency))
    except InvalidPhone as error:
        raise ShopError(str(error)) from None
    email, name = email.strip().lower(), name.strip()
    if not name:
        raise ShopError("The customer needs a name.")
    customer = None
    if phone:
        customer = Customer.objects.filter(tenant=tenant, phone=phone).first()
    if customer is None and email:
        customer = Customer.objects.filter(tenant=tenant, email__iexact=email).order_by("created_at").first()
    customer = customer or Customer(tenant=tenant)
    customer.name = name
    customer.phone = phone or customer.phone
    customer.email = email or customer.email
    customer.national_id = national_id.strip() or customer.national_id
    try:
        customer.full_clean(exclude=["tenant"], validate_constraints=False)
        with transaction.atomic():
            customer.save()
    except ValidationError as error:
        raise ShopError(" ".join(_messages(error))) from None
    except IntegrityError:  # the same phone saved by someone else a moment ago
        return customer_upsert(tenant=tenant, name=name, phone=phone, email=email, national_id=national_id)
    return customer


def customer_update(*, customer: Customer, name: str, phone: str = "", email: str = "", national_id: str = "",
                    whatsapp_id: str = "") -> Customer:
    """Save a customer (new or not) as typed by staff, the phone in E.164."""
    try:
        customer.phone = phone_normalize(phone, region=region_for_currency(customer.tenant.currency))
    except InvalidPhone as error:
        raise ShopError(str(error)) from None
    customer.name, customer.email = name.strip(), email.strip().lower()
    customer.national_id, customer.whatsapp_id = national_id.strip(), whatsapp_id.strip()
    try:
        customer.full_clean()
    except ValidationError as error:
        raise ShopError(" ".join(_messages(error))) from None
    customer.save()
    return customer


def address_add(*, customer: Customer, line1: str, city: str, department: str = "", line2: str = "",
                postal_code: str = "", notes: str = "") -> Address:
    address = Address(tenant_id=customer.tenant_id, customer=customer, line1=line1.strip(), city=city.strip(),
                      department=department.strip(), line2=line2.strip(), postal_code=postal_code.strip(),
                      notes=notes.strip())
    try:
        address.full_clean(exclude=["tenant", "customer"])
    except ValidationError as error:
        raise ShopError(" ".join(_messages(error))) from None
    address.save()
    return address


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
        raise ShopError(" ".join(_messages(error))) from None
    if rate.days_min > rate.days_max:
        raise ShopError("The fewest days cannot be more than the most days.")
    rate.save()
    return rate




def customer_for_whatsapp(*, tenant, wa_id: str, user_id: str = "", name: str = "") -> Customer:
    """The customer writing from WhatsApp number `wa_id` (digits with the country code) or
    with Meta's business-scoped user id `user_id`, created when new (named from their
    WhatsApp profile). A customer staff already know keeps the name staff gave them."""
    try:
        phone = phone_normalize("+" + wa_id.lstrip("+"), region=None) if wa_id else ""
    except InvalidPhone:
        phone = ""
    ids = [value for value in (user_id, wa_id) if value]
    customers = Customer.objects.filter(tenant=tenant)
    customer = (customers.filter(phone=phone).first() if phone else None) or (
        customers.filter(whatsapp_id__in=ids).order_by("created_at").first() if ids else None)
    if customer is None:
        customer = Customer(tenant=tenant, name=(name.strip() or phone or "WhatsApp")[:150])
    changed = customer._state.adding
    if phone and not customer.phone:
        customer.phone, changed = phone, True
    if (user_id or wa_id)[:32] != customer.whatsapp_id and (user_id or not customer.whatsapp_id):
        customer.whatsapp_id, changed = (user_id or wa_id)[:32], True
    if not changed:
        return customer
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError:  # the same number saved by someone else a moment ago
        return Customer.objects.get(tenant=tenant, phone=phone)
    return customer
