"""Every change of a product's stock or reserved units, each leaving a StockMovement."""

from django.db import transaction

from commerce.models import Product, StockMovement
from commerce.services.errors import ShopError


def stock_move_locked(order, lines, *, stock: int, reserved: int, kind: str, user, reason: str) -> None:
    """Apply per-unit deltas to products the caller has locked and write one movement each."""
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
