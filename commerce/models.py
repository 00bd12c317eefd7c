"""The shop: products with stock, customers, shipping rates and orders.

Money is stored in integer minor units of the tenant's currency (an order keeps the currency
it was placed in). Stock changes and order status changes are written only by
commerce.services, and each leaves a StockMovement or an OrderEvent.
"""

import unicodedata
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kaiu.accounts.models import Tenant
from kaiu.currencies import format_money


def product_image_path(instance, filename):
    """Stored under a generated name; the extension comes from the validated content."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"products/{instance.tenant_id}/{uuid.uuid4().hex}.{extension}"


def place_key(name: str) -> str:
    """"Bogotá D.C." and "bogota d.c" are the same place: no accents, case or outer spaces."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).lower().split())


class Product(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="products")
    sku = models.CharField("SKU", max_length=64)
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=220)
    description = models.TextField(blank=True)
    variant_name = models.CharField(max_length=120, blank=True, help_text="Like “10 ml gotero”.")
    price = models.PositiveBigIntegerField(help_text="In minor units of the business's currency.")
    stock = models.PositiveIntegerField(default=0, help_text="Units in the warehouse, reserved ones included.")
    stock_reserved = models.PositiveIntegerField(default=0, help_text="Units held by orders not shipped yet.")
    is_active = models.BooleanField(default=True)
    image = models.FileField(upload_to=product_image_path, max_length=255, blank=True)
    image_type = models.CharField(max_length=20, blank=True, editable=False)  # the validated MIME type
    weight_grams = models.PositiveIntegerField(null=True, blank=True)
    length_mm = models.PositiveIntegerField(null=True, blank=True)
    width_mm = models.PositiveIntegerField(null=True, blank=True)
    height_mm = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "variant_name"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "sku"], name="product_sku_unique_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "slug"], name="product_slug_unique_per_tenant"),
            models.CheckConstraint(condition=Q(stock_reserved__gte=0) & Q(stock_reserved__lte=F("stock")),
                                   name="product_reserved_within_stock"),
        ]
        indexes = [models.Index(fields=["tenant", "is_active", "name"])]

    def __str__(self):
        return f"{self.name} ({self.variant_name})" if self.variant_name else self.name

    @property
    def available(self) -> int:
        return self.stock - self.stock_reserved

    @property
    def price_display(self) -> str:
        return format_money(self.price, self.tenant.currency)


class Customer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="customers")
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=16, blank=True, help_text="E.164, like +573001234567.")
    national_id = models.CharField("ID number", max_length=30, blank=True, help_text="For the carrier's guide.")
    whatsapp_id = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            # The chat finds a returning customer by phone: one customer per number.
            models.UniqueConstraint(fields=["tenant", "phone"], condition=~Q(phone=""),
                                    name="customer_phone_unique_per_tenant"),
        ]
        # WhatsApp finds a customer by the business-scoped user id Meta sends (chat.whatsapp.inbound).
        indexes = [models.Index(fields=["tenant", "email"]), models.Index(fields=["tenant", "whatsapp_id"])]

    def __str__(self):
        return self.name


class Address(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    line1 = models.CharField("address", max_length=200)
    line2 = models.CharField("apartment, building", max_length=200, blank=True)
    city = models.CharField(max_length=100)
    department = models.CharField("department / state", max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    notes = models.CharField(max_length=200, blank=True, help_text="Directions for the courier.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "addresses"

    def __str__(self):
        return ", ".join(part for part in (self.line1, self.line2, self.city, self.department) if part)

    def snapshot(self) -> dict:
        return {field: getattr(self, field) for field in ("line1", "line2", "city", "department", "postal_code",
                                                           "notes")}


class ShippingRate(models.Model):
    """What shipping to a place costs and takes. A rate names a city (optionally with its
    department), or a whole department; the one with neither is the default for the rest."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="shipping_rates")
    city = models.CharField(max_length=100, blank=True)
    department = models.CharField("department / state", max_length=100, blank=True)
    city_key = models.CharField(max_length=100, blank=True, editable=False)
    department_key = models.CharField(max_length=100, blank=True, editable=False)
    cost = models.PositiveBigIntegerField(help_text="In minor units of the business's currency.")
    free_from = models.PositiveBigIntegerField(null=True, blank=True,
                                               help_text="Orders with a subtotal from this amount ship free.")
    days_min = models.PositiveSmallIntegerField(help_text="Business days.")
    days_max = models.PositiveSmallIntegerField(help_text="Business days.")
    cash_on_delivery = models.BooleanField(default=False, help_text="Cash on delivery is offered here.")
    cash_on_delivery_max = models.PositiveBigIntegerField(null=True, blank=True,
                                                          help_text="Largest order total paid on delivery.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["city_key", "department_key"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "city_key", "department_key"],
                                    name="shipping_rate_one_per_destination"),
            models.CheckConstraint(condition=Q(days_min__lte=F("days_max")), name="shipping_rate_days_in_order"),
        ]

    def __str__(self):
        return ", ".join(part for part in (self.city, self.department) if part) or "Everywhere else (default)"

    def save(self, *args, **kwargs):
        self.city_key, self.department_key = place_key(self.city), place_key(self.department)
        super().save(*args, **kwargs)

    @property
    def is_default(self) -> bool:
        return not self.city_key and not self.department_key


class OrderStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    CONFIRMED = "CONFIRMED", "Confirmed"
    PROCESSING = "PROCESSING", "Processing"
    READY_TO_SHIP = "READY_TO_SHIP", "Ready to ship"
    PICKUP_REQUESTED = "PICKUP_REQUESTED", "Pickup requested"
    SHIPPED = "SHIPPED", "Shipped"
    DELIVERED = "DELIVERED", "Delivered"
    CANCELLED = "CANCELLED", "Cancelled"
    RETURNED = "RETURNED", "Returned"


class PaymentMethod(models.TextChoices):
    CASH_ON_DELIVERY = "COD", "Cash on delivery"
    TRANSFER = "TRANSFER", "Bank transfer"
    PAYMENT_LINK = "PAYMENT_LINK", "Payment link"


class OrderCounter(models.Model):
    """The tenant's last order number. order_place increments it under the row's lock in the
    order's own transaction, so numbers are unique and a rolled-back order leaves no gap."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, primary_key=True, related_name="+")
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.tenant}: {self.last_number}"


class Order(models.Model):
    Status = OrderStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="orders",
                               db_index=False)  # (tenant, number) below
    number = models.PositiveIntegerField(editable=False)
    status = models.CharField(max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    payment_method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    currency = models.CharField(max_length=3, editable=False)
    subtotal = models.PositiveBigIntegerField()
    shipping_cost = models.PositiveBigIntegerField()
    total = models.PositiveBigIntegerField()
    customer = models.ForeignKey(Customer, on_delete=models.SET_NULL, null=True, blank=True, related_name="orders")
    # What the customer and the address were when the order was placed: later edits of the
    # customer do not rewrite an order already on its way.
    customer_snapshot = models.JSONField(default=dict)
    shipping_address = models.JSONField(default=dict)
    billing_address = models.JSONField(default=dict, blank=True)
    shipping_days_min = models.PositiveSmallIntegerField(null=True, blank=True)
    shipping_days_max = models.PositiveSmallIntegerField(null=True, blank=True)
    carrier = models.CharField(max_length=80, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    tracking_url = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(max_length=120, blank=True,
                                   help_text="The carrier's or payment gateway's id for this order.")
    note = models.TextField(blank=True)
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "number"], name="order_number_unique_per_tenant"),
            models.UniqueConstraint(fields=["tenant", "external_id"], condition=~Q(external_id=""),
                                    name="order_external_id_unique_per_tenant"),
            models.CheckConstraint(condition=Q(total=F("subtotal") + F("shipping_cost")), name="order_total_adds_up"),
        ]
        indexes = [models.Index(fields=["tenant", "status", "-created_at"]),
                   models.Index(fields=["tenant", "-created_at"])]

    def __str__(self):
        return f"Order {self.number}"

    def money(self, amount: int) -> str:
        return format_money(amount, self.currency)


# The rows order_place writes with each order carry their tenant for scoped reads, without a
# database-level key or index on it: the order they belong to has both, and each such check
# share-locked the tenant's row once per row written, a wait every concurrent order of the
# tenant joined (benchmarks/orders.py). Deletes cascade in Django, which needs neither. The user
# columns have no index either: a deleted user (rare) costs one scan of these tables.
_WRITTEN_WITH_ITS_ORDER = {"db_constraint": False, "db_index": False}


class OrderItem(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", **_WRITTEN_WITH_ITS_ORDER)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items",
                              db_index=False)  # (order, product) below
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_items")
    sku = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    variant_name = models.CharField(max_length=120, blank=True)
    unit_price = models.PositiveBigIntegerField()
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["order", "product"], name="order_item_one_line_per_product"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="order_item_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.sku}"

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


class StockMovement(models.Model):
    """One change of a product's stock or reserved stock, with the levels it left."""

    class Kind(models.TextChoices):
        RESERVE = "RESERVE", "Reserved for an order"
        RELEASE = "RELEASE", "Released by a cancellation"
        SHIP = "SHIP", "Shipped (sold)"
        RETURN = "RETURN", "Returned to stock"
        ADJUST = "ADJUST", "Adjusted by hand"
        IMPORT = "IMPORT", "Set by a CSV import"

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", **_WRITTEN_WITH_ITS_ORDER)
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements",
                                db_index=False)  # (product, -at) below
    kind = models.CharField(max_length=10, choices=Kind.choices)
    delta = models.IntegerField(help_text="Change of the stock.")
    reserved_delta = models.IntegerField(default=0, help_text="Change of the reserved stock.")
    stock_after = models.PositiveIntegerField()
    reserved_after = models.PositiveIntegerField()
    reason = models.CharField(max_length=200, blank=True)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, blank=True, related_name="movements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", db_index=False)  # never searched by; see _WRITTEN_WITH_ITS_ORDER
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["product", "-at"])]

    def __str__(self):
        return f"{self.product} {self.delta:+d} ({self.kind})"


class OrderEvent(models.Model):
    """One change of an order's status (from_status is blank for the order's creation)."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", **_WRITTEN_WITH_ITS_ORDER)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", db_index=False)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.order}: {self.from_status or '—'} → {self.to_status}"
