"""The catalogue: creating and changing products and their images. Stock changes go through
stock.py; a change the bot should know of tells commerce.knowledge."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from commerce import knowledge
from commerce.images import InvalidImage, image_check
from commerce.models import Product
from commerce.services.errors import ShopError, validation_messages
from commerce.services.stock import stock_adjust

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
        raise ShopError(" ".join(validation_messages(error))) from None
    except IntegrityError:
        raise ShopError(f"Another product already has the SKU {product.sku}.") from None


def _unique_slug(tenant, product: Product) -> str:
    base = slugify(f"{product.name} {product.variant_name}")[:200] or slugify(product.sku) or "product"
    taken = set(Product.objects.filter(tenant=tenant, slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug
