"""The shop in the Django admin (staff groups ADMIN and WAREHOUSE). Every write goes through
commerce.services: stock only by stock_adjust, status only by order_transition, so the admin
leaves the same movements and events as the dashboard."""

from django import forms
from django.contrib import admin, messages

from commerce import services
from commerce.images import InvalidImage, image_check
from commerce.models import (
    Address,
    Customer,
    Order,
    OrderCounter,
    OrderEvent,
    OrderItem,
    Product,
    ShippingRate,
    StockMovement,
    place_key,
)
from commerce.phones import InvalidPhone, phone_normalize, region_for_currency
from commerce.transitions import allowed_next
from kaiu.platform.admin import SystemRowAdmin


class ProductForm(forms.ModelForm):
    stock_change = forms.IntegerField(required=False, help_text="Units to add (or, negative, to remove).")
    stock_reason = forms.CharField(required=False, max_length=200, help_text="Why: a count, damage, a delivery...")

    class Meta:
        model = Product
        fields = ["tenant", "sku", "name", "variant_name", "description", "price", "is_active", "image",
                  "weight_grams", "length_mm", "width_mm", "height_mm"]

    def clean(self):
        data = super().clean()
        change = data.get("stock_change")
        if change:
            if not (data.get("stock_reason") or "").strip() and not self.instance._state.adding:
                self.add_error("stock_reason", "Say why the stock changes.")
            if self.instance.stock + change < self.instance.stock_reserved:
                self.add_error("stock_change", f"Open orders hold {self.instance.stock_reserved} units: the stock "
                                               f"cannot go below that.")
        image = data.get("image")
        if image and "image" in self.changed_data:
            try:
                image_check(image)
            except InvalidImage as error:
                self.add_error("image", str(error))
        return data


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    form = ProductForm
    list_display = ["sku", "name", "variant_name", "tenant", "price", "stock", "stock_reserved", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["sku", "name", "variant_name", "tenant__name"]
    readonly_fields = ["stock", "stock_reserved", "slug", "image_type", "created_at", "updated_at"]
    raw_id_fields = ["tenant"]
    actions = ["deactivate", "activate"]

    def get_readonly_fields(self, request, obj=None):
        # The SKU and the business are fixed once orders may point at the product.
        return [*self.readonly_fields, "tenant", "sku"] if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {name: data[name] for name in services.PRODUCT_FIELDS if name in data}
        try:
            if change:
                services.product_update(product=obj, **{k: v for k, v in fields.items() if k in form.changed_data})
                if data.get("stock_change"):
                    services.stock_adjust(product=obj, delta=data["stock_change"], reason=data["stock_reason"],
                                          user=request.user)
            else:
                created = services.product_create(tenant=data["tenant"], sku=data["sku"], user=request.user,
                                                  stock=data.get("stock_change") or 0, **fields)
                obj.pk = created.pk
                obj._state.adding = False
            if data.get("image") and "image" in form.changed_data:
                services.product_image_set(product=Product.objects.get(pk=obj.pk), upload=data["image"])
            obj.refresh_from_db()
        except services.ShopError as error:
            self.message_user(request, str(error), messages.ERROR)

    @admin.action(description="Deactivate the selected products (no longer sold)")
    def deactivate(self, request, queryset):
        for product in queryset:
            services.product_update(product=product, is_active=False)

    @admin.action(description="Activate the selected products")
    def activate(self, request, queryset):
        for product in queryset:
            services.product_update(product=product, is_active=True)


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = ["tenant", "name", "email", "phone", "national_id", "whatsapp_id"]

    def clean(self):
        data = super().clean()
        tenant = data.get("tenant") or getattr(self.instance, "tenant", None)
        if data.get("phone") and tenant:
            try:
                data["phone"] = phone_normalize(data["phone"], region=region_for_currency(tenant.currency))
                self.instance.phone = data["phone"]
            except InvalidPhone as error:
                self.add_error("phone", str(error))
        return data


class AddressInline(admin.TabularInline):
    model = Address
    extra = 0
    fields = ["line1", "line2", "city", "department", "postal_code", "notes"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = ["name", "phone", "email", "tenant", "created_at"]
    search_fields = ["name", "phone", "email", "national_id", "tenant__name"]
    raw_id_fields = ["tenant"]
    inlines = [AddressInline]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        services.customer_update(customer=obj, name=data["name"], phone=data.get("phone", ""),
                                 email=data.get("email", ""), national_id=data.get("national_id", ""),
                                 whatsapp_id=data.get("whatsapp_id", ""))

    def save_formset(self, request, form, formset, change):
        for address in formset.save(commit=False):
            address.tenant_id = form.instance.tenant_id
            address.save()
        for address in formset.deleted_objects:
            address.delete()


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["customer", "line1", "city", "department"]
    search_fields = ["customer__name", "line1", "city"]
    raw_id_fields = ["customer"]
    exclude = ["tenant"]

    def save_model(self, request, obj, form, change):
        obj.tenant_id = obj.customer.tenant_id  # always the customer's business
        super().save_model(request, obj, form, change)


class ShippingRateForm(forms.ModelForm):
    class Meta:
        model = ShippingRate
        fields = ["tenant", "city", "department", "cost", "free_from", "days_min", "days_max", "cash_on_delivery",
                  "cash_on_delivery_max"]

    def clean(self):
        data = super().clean()
        tenant = data.get("tenant")
        if tenant:
            same = ShippingRate.objects.filter(tenant=tenant, city_key=place_key(data.get("city", "")),
                                               department_key=place_key(data.get("department", "")))
            if same.exclude(pk=self.instance.pk).exists():
                raise forms.ValidationError("The business already has a rate for this destination.")
        return data


@admin.register(ShippingRate)
class ShippingRateAdmin(admin.ModelAdmin):
    form = ShippingRateForm
    list_display = ["__str__", "tenant", "cost", "free_from", "days_min", "days_max", "cash_on_delivery"]
    search_fields = ["city", "department", "tenant__name"]
    raw_id_fields = ["tenant"]


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0
    fields = ["sku", "name", "variant_name", "unit_price", "quantity"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    fields = ["at", "from_status", "to_status", "user", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class OrderForm(forms.ModelForm):
    move_to = forms.ChoiceField(required=False, label="Change status to")
    transition_note = forms.CharField(required=False, max_length=500, label="Note for the timeline")

    class Meta:
        model = Order
        fields = ["carrier", "tracking_number", "tracking_url", "move_to", "transition_note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(status, Order.Status(status).label) for status in allowed_next(self.instance.status)]
        self.fields["move_to"].choices = [("", "— keep it " + self.instance.get_status_display().lower()), *choices]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    form = OrderForm
    list_display = ["number", "tenant", "status", "payment_method", "total", "created_at"]
    list_filter = ["status", "payment_method"]
    search_fields = ["=number", "tracking_number", "external_id", "customer__name", "customer__phone", "tenant__name"]
    readonly_fields = ["tenant", "number", "status", "payment_method", "currency", "subtotal", "shipping_cost",
                       "total", "customer", "customer_snapshot", "shipping_address", "billing_address",
                       "shipping_days_min", "shipping_days_max", "external_id", "note", "placed_by", "created_at",
                       "updated_at"]
    inlines = [OrderItemInline, OrderEventInline]

    def has_add_permission(self, request):
        return False  # orders are placed through order_place (dashboard, chat), which reserves stock

    def has_delete_permission(self, request, obj=None):
        return False  # cancel it instead: deleting would leave its units reserved

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            if data.get("move_to"):
                services.order_transition(order=obj, to_status=data["move_to"], user=request.user,
                                          note=data.get("transition_note", ""), carrier=data.get("carrier"),
                                          tracking_number=data.get("tracking_number"),
                                          tracking_url=data.get("tracking_url"))
            elif form.changed_data:
                services.order_tracking_update(order=obj, carrier=data["carrier"],
                                               tracking_number=data["tracking_number"],
                                               tracking_url=data["tracking_url"])
        except services.ShopError as error:
            self.message_user(request, str(error), messages.ERROR)
        obj.refresh_from_db()


@admin.register(OrderItem)
class OrderItemAdmin(SystemRowAdmin):
    list_display = ["order", "sku", "name", "unit_price", "quantity"]
    search_fields = ["sku", "name", "=order__number"]


@admin.register(StockMovement)
class StockMovementAdmin(SystemRowAdmin):
    list_display = ["at", "product", "kind", "delta", "reserved_delta", "stock_after", "reserved_after", "order",
                    "user", "reason"]
    list_filter = ["kind"]
    search_fields = ["product__sku", "product__name", "reason"]
    list_select_related = ["product", "order", "user"]


@admin.register(OrderEvent)
class OrderEventAdmin(SystemRowAdmin):
    list_display = ["at", "order", "from_status", "to_status", "user", "note"]
    list_filter = ["to_status"]
    search_fields = ["=order__number", "note"]


@admin.register(OrderCounter)
class OrderCounterAdmin(SystemRowAdmin):
    list_display = ["tenant", "last_number"]
