"""The catalogue as a CSV (columns in commerce.csv_io.COLUMNS): imported all or nothing, by
SKU, through the same services as a form; exported as it is."""

from dataclasses import dataclass

from django.db import transaction

from commerce import csv_io
from commerce.models import Product, StockMovement
from commerce.services.errors import CsvImportError
from commerce.services.products import product_create, product_update
from commerce.services.stock import stock_adjust


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
        product = existing.get(row.sku)
        changed = _row_apply(tenant, row, product, user)
        if product is None:
            created += 1
        elif changed:
            updated += 1
        else:
            unchanged += 1
    return ImportResult(created=created, updated=updated, unchanged=unchanged)


def _row_apply(tenant, row: csv_io.ProductRow, product: Product | None, user) -> bool:
    """Create the row's product, or bring `product` up to the row; True if anything changed."""
    fields = {field: getattr(row, field) for field in ("name", "price", "variant_name", "description",
                                                       "is_active", "weight_grams")
              if getattr(row, field) is not None}
    if product is None:
        product = product_create(tenant=tenant, sku=row.sku, user=user, **fields)
        changed = True
    else:
        changed = any(getattr(product, field) != value for field, value in fields.items())
        if changed:
            product_update(product=product, **fields)
    if row.stock is not None and row.stock != product.stock:
        stock_adjust(product=product, delta=row.stock - product.stock, reason=f"CSV import, line {row.line}",
                     user=user, kind=StockMovement.Kind.IMPORT)
        changed = True
    return changed


def _line_number(message: str) -> int:
    head = message.split(":", 1)[0]
    return int(head.removeprefix("Line ")) if head.startswith("Line ") else 0


def product_export_csv(*, tenant) -> str:
    return csv_io.rows_write(Product.objects.filter(tenant=tenant).order_by("sku"), currency=tenant.currency)
