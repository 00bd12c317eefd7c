"""The shop in the dashboard: products and stock, customers, orders and their packing slips.

Capability "shop" (owner, admin, warehouse) runs the shop; "shop_read" (support too) sees
products and orders without any button that changes them. Every write is a commerce.services
call; every read a commerce.selectors one, scoped by the request's tenant (another business's
object is 404).
"""

import posixpath
from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from commerce import selectors, services
from commerce.csv_io import COLUMNS, REQUIRED
from commerce.forms import (
    CsvImportForm,
    CustomerFilterForm,
    OrderFilterForm,
    OrderTransitionForm,
    ProductFilterForm,
    ProductForm,
    StockAdjustForm,
    TrackingForm,
    price_example,
)
from commerce.images import image_response
from commerce.models import OrderStatus as S
from commerce.models import Product
from commerce.transitions import allowed_next
from kaiu.tenancy import tenant_view

PAGE_SIZE = 25

# The button that moves an order to each status, and whether it undoes work (asks first).
TRANSITION_BUTTONS = {
    S.CONFIRMED: ("Confirm order", False),
    S.PROCESSING: ("Start processing", False),
    S.READY_TO_SHIP: ("Mark ready to ship", False),
    S.PICKUP_REQUESTED: ("Request pickup", False),
    S.SHIPPED: ("Mark shipped", False),
    S.DELIVERED: ("Mark delivered", False),
    S.CANCELLED: ("Cancel order", True),
    S.RETURNED: ("Mark returned", True),
}


def product_image_url(product) -> str:
    """Where the product's image is served, "" without one. The URL holds the image's stored
    name (random, new with each upload): unguessable, and a changed image is a new URL."""
    if not product.image:
        return ""
    return reverse("commerce:product-image", args=[product.pk, posixpath.basename(product.image.name)])


def _page(request, queryset):
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# --- Products -----------------------------------------------------------------------------


@tenant_view("shop_read")
def product_list(request):
    form = ProductFilterForm(request.GET or None)
    filters = form.selector_filters() if form.is_valid() else {}
    products = selectors.product_list_for_tenant(request.tenant, **filters)
    if form.errors:  # filters that cannot be read list nothing rather than everything
        products = products.none()
    page, query = _page(request, products)
    has_products = bool(query) or selectors.product_list_for_tenant(request.tenant).exists()
    return render(request, "commerce/product_list.html", {
        "form": form, "page": page, "query": query, "has_products": has_products, "tab": "products"})


@tenant_view("shop_read")
def product_detail(request, product_id):
    product = selectors.product_get_for_tenant(request.tenant, product_id)
    return render(request, "commerce/product_detail.html", _product_context(request, product))


def _product_context(request, product, **extra):
    movements = selectors.stock_movement_list_for_product(product)[:50]
    return {"product": product, "movements": movements, "image_url": product_image_url(product),
            "stock_form": StockAdjustForm(), "tab": "products", **extra}


@tenant_view("shop")
def product_create(request):
    form = ProductForm(request.POST or None, request.FILES or None, currency=request.tenant.currency)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():  # the product and its image, or neither
                product = services.product_create(
                    tenant=request.tenant, sku=form.cleaned_data["sku"], stock=form.cleaned_data["stock"],
                    user=request.user, **form.catalogue_fields())
                if form.cleaned_data["image"]:
                    services.product_image_set(product=product, upload=form.cleaned_data["image"])
        except services.ShopError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Product “{product}” created.")
            return redirect("commerce:product-detail", product_id=product.pk)
    return render(request, "commerce/product_form.html", {"form": form, "title": "New product", "tab": "products"},
                  status=400 if form.errors else 200)


@tenant_view("shop")
def product_edit(request, product_id):
    product = selectors.product_get_for_tenant(request.tenant, product_id)
    form = ProductForm(request.POST or None, request.FILES or None, currency=request.tenant.currency,
                       product=product)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.product_update(product=product, **form.catalogue_fields())
                if form.cleaned_data["image"]:
                    services.product_image_set(product=product, upload=form.cleaned_data["image"])
        except services.ShopError as error:
            product.refresh_from_db()  # the title shows what is saved, not what was refused
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Product “{product}” saved.")
            return redirect("commerce:product-detail", product_id=product.pk)
    return render(request, "commerce/product_form.html", {
        "form": form, "product": product, "image_url": product_image_url(product), "title": f"Edit {product}",
        "tab": "products"}, status=400 if form.errors else 200)


@tenant_view("shop")
@require_POST
def product_stock_adjust(request, product_id):
    product = selectors.product_get_for_tenant(request.tenant, product_id)
    form = StockAdjustForm(request.POST)
    if form.is_valid():
        try:
            product = services.stock_adjust(product=product, delta=form.cleaned_data["delta"],
                                            reason=form.cleaned_data["reason"], user=request.user)
        except services.ShopError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Stock of “{product}” changed by {form.cleaned_data['delta']:+d}: "
                                      f"{product.stock} units now, {product.available} available.")
            return redirect("commerce:product-detail", product_id=product.pk)
    return render(request, "commerce/product_detail.html", _product_context(request, product, stock_form=form),
                  status=400)


@tenant_view("shop")
def product_deactivate(request, product_id):
    product = selectors.product_get_for_tenant(request.tenant, product_id)
    if request.method == "POST":
        services.product_update(product=product, is_active=False)
        messages.success(request, f"“{product}” is no longer sold. Orders already placed keep it.")
        return redirect("commerce:product-detail", product_id=product.pk)
    return render(request, "commerce/product_deactivate.html", {"product": product, "tab": "products"})


@tenant_view("shop")
@require_POST
def product_activate(request, product_id):
    product = selectors.product_get_for_tenant(request.tenant, product_id)
    services.product_update(product=product, is_active=True)
    messages.success(request, f"“{product}” is sold again.")
    return redirect("commerce:product-detail", product_id=product.pk)


@tenant_view("shop")
def product_import(request):
    form = CsvImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            result = services.product_import_csv(tenant=request.tenant, data=form.cleaned_data["file"].read(),
                                                 user=request.user)
        except services.CsvImportError as error:
            errors = error.errors
        else:
            messages.success(request, f"Imported: {result.created} created, {result.updated} updated, "
                                      f"{result.unchanged} unchanged.")
            return redirect("commerce:shop")
    return render(request, "commerce/product_import.html", {
        "form": form, "errors": errors, "columns": COLUMNS, "required": REQUIRED,
        "price_example": price_example(request.tenant.currency), "tab": "products"},
        status=400 if errors or form.errors else 200)


@tenant_view("shop")
def product_export(request):
    response = HttpResponse(services.product_export_csv(tenant=request.tenant), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="products-{request.tenant.slug}-{date.today()}.csv"'
    return response


def product_image(request, product_id, filename):
    """A product's image, for the dashboard and for the public chat's product cards alike:
    public by design. Only its current URL works (the stored name is random), so the
    address cannot be guessed and an image replaced is gone with its old URL."""
    product = get_object_or_404(Product.objects.only("image", "image_type"), pk=product_id)
    if not product.image or posixpath.basename(product.image.name) != filename:
        raise Http404("No such image.")
    try:
        return image_response(product)
    except FileNotFoundError:
        raise Http404("No such image.") from None


# --- Customers ----------------------------------------------------------------------------


@tenant_view("shop")
def customer_list(request):
    form = CustomerFilterForm(request.GET or None)
    search = form.cleaned_data["q"].strip() if form.is_valid() else ""
    customers = selectors.customer_list_for_tenant(request.tenant, search=search).annotate(
        order_count=Count("orders")).order_by("name", "pk")  # an aggregate drops the default order
    page, query = _page(request, customers)
    return render(request, "commerce/customer_list.html", {"form": form, "page": page, "query": query,
                                                           "tab": "customers"})


@tenant_view("shop")
def customer_detail(request, customer_id):
    customer = selectors.customer_get_for_tenant(request.tenant, customer_id)
    orders = selectors.order_list_for_tenant(request.tenant, customer=customer)
    return render(request, "commerce/customer_detail.html", {
        "customer": customer, "addresses": customer.addresses.all(), "orders": orders[:PAGE_SIZE],
        "order_count": orders.count(), "tab": "customers"})


# --- Orders -------------------------------------------------------------------------------


@tenant_view("shop_read")
def order_list(request):
    form = OrderFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    customer = None
    if filters.get("customer"):
        customer = selectors.customer_find_for_tenant(request.tenant, filters["customer"])
    orders = selectors.order_list_for_tenant(
        request.tenant, status=filters.get("status", ""), since=filters.get("since"), until=filters.get("until"),
        search=filters.get("q", ""), customer=customer)
    if form.errors or (filters.get("customer") and customer is None):
        orders = orders.none()
    page, query = _page(request, orders)
    return render(request, "commerce/order_list.html", {
        "form": form, "page": page, "query": query, "customer": customer, "tab": "orders"})


@tenant_view("shop_read")
def order_detail(request, order_id):
    order = selectors.order_get_for_tenant(request.tenant, order_id)
    return render(request, "commerce/order_detail.html", _order_context(order))


def _order_context(order, **extra):
    events = list(selectors.order_event_list_for_order(order))
    movements = list(selectors.stock_movement_list_for_order(order))
    timeline = sorted([("event", event.at, event) for event in events]
                      + [("movement", movement.at, movement) for movement in movements],
                      key=lambda entry: (entry[1], entry[0] == "movement"))
    buttons = [{"status": status, "label": TRANSITION_BUTTONS[status][0], "undoes": TRANSITION_BUTTONS[status][1]}
               for status in allowed_next(order.status)]
    return {"order": order, "items": list(order.items.select_related("product")), "timeline": timeline,
            "buttons": buttons, "tracking_form": TrackingForm(initial={
                "carrier": order.carrier, "tracking_number": order.tracking_number,
                "tracking_url": order.tracking_url}), "tab": "orders", **extra}


@tenant_view("shop")
@require_POST
def order_transition(request, order_id):
    order = selectors.order_get_for_tenant(request.tenant, order_id)
    form = OrderTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose one of the buttons below to change the order's status.")
        return redirect("commerce:order-detail", order_id=order.pk)
    try:
        order = services.order_transition(order=order, to_status=form.cleaned_data["to_status"], user=request.user,
                                          note=form.cleaned_data["note"])
    except services.ShopError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Order {order.number} is now {order.get_status_display().lower()}.")
    return redirect("commerce:order-detail", order_id=order.pk)


@tenant_view("shop")
@require_POST
def order_tracking(request, order_id):
    order = selectors.order_get_for_tenant(request.tenant, order_id)
    form = TrackingForm(request.POST)
    if form.is_valid():
        try:
            services.order_tracking_update(order=order, **form.cleaned_data)
        except services.ShopError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Tracking of order {order.number} saved.")
            return redirect("commerce:order-detail", order_id=order.pk)
    order.refresh_from_db()
    return render(request, "commerce/order_detail.html", _order_context(order, tracking_form=form), status=400)


@tenant_view("shop_read")
def order_packing_slip(request, order_id):
    order = selectors.order_get_for_tenant(request.tenant, order_id)
    return render(request, "commerce/packing_slip.html", {"order": order, "items": order.items.all()})
