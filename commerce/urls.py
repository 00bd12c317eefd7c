from django.urls import path

from commerce import views

app_name = "commerce"

# Mounted at the root (kaiu/urls.py): the dashboard under /app/shop/, product images under
# /shop/images/ (public by design: the chat shows them to visitors, see views.product_image).
urlpatterns = [
    path("app/shop/", views.product_list, name="shop"),
    path("app/shop/products/new/", views.product_create, name="product-create"),
    path("app/shop/products/import/", views.product_import, name="product-import"),
    path("app/shop/products/export/", views.product_export, name="product-export"),
    path("app/shop/products/<uuid:product_id>/", views.product_detail, name="product-detail"),
    path("app/shop/products/<uuid:product_id>/edit/", views.product_edit, name="product-edit"),
    path("app/shop/products/<uuid:product_id>/stock/", views.product_stock_adjust, name="product-stock-adjust"),
    path("app/shop/products/<uuid:product_id>/deactivate/", views.product_deactivate, name="product-deactivate"),
    path("app/shop/products/<uuid:product_id>/activate/", views.product_activate, name="product-activate"),
    path("app/shop/customers/", views.customer_list, name="customer-list"),
    path("app/shop/customers/<uuid:customer_id>/", views.customer_detail, name="customer-detail"),
    path("app/shop/orders/", views.order_list, name="order-list"),
    path("app/shop/orders/<uuid:order_id>/", views.order_detail, name="order-detail"),
    path("app/shop/orders/<uuid:order_id>/transition/", views.order_transition, name="order-transition"),
    path("app/shop/orders/<uuid:order_id>/tracking/", views.order_tracking, name="order-tracking"),
    path("app/shop/orders/<uuid:order_id>/packing-slip/", views.order_packing_slip, name="order-packing-slip"),
    path("shop/images/<uuid:product_id>/<str:filename>", views.product_image, name="product-image"),
]
