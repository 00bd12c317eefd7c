"""The shop as bot knowledge: one passage per active product for every bot that knows the shop.

The passages hold what describes a product (name, variant, description, SKU), never its price
or stock: those are read live from Product when a passage is used (`products_live`), so a new
price shows in the next answer without re-indexing, and a product taken off sale is never
offered even while its passage is still stored. The catalogue is a document of the bot
(source type PRODUCT_CATALOG) that the ingestion queue builds from the products when it runs
(documents.ingest.PASSAGE_SOURCES); the product services call `products_changed` after a
change that alters a passage, and the bot's settings call `shop_knowledge_sync`.
"""

from __future__ import annotations

from django.db import connection, transaction

from bots.models import Bot
from commerce.models import Product
from documents.chunking import ChunkDraft
from documents.models import Document
from documents.services import document_delete, generated_document_find, generated_document_refresh

CATALOG = Document.SourceType.PRODUCT_CATALOG
CATALOG_NAMES = {"es": "Catálogo de la tienda", "en": "Shop catalogue"}
KNOWS_SHOP = "knows_shop"  # the bot's rag_config key: its Retrieval page's "Knows the shop"


def knows_shop(bot: Bot) -> bool:
    return bool((bot.rag_config or {}).get(KNOWS_SHOP))


# A product passage is a record ("name: …" lines), as a CSV row is: an answer quotes it whole,
# its name with what it is, never its name alone or a neighbour's fields.
FIELD_NAMES = {"es": ("nombre", "descripción", "SKU"), "en": ("name", "description", "SKU")}


def product_passage(product: Product, language: str = "es") -> str:
    """What a customer asking about the product names: no price or stock (read live)."""
    name, description, sku = FIELD_NAMES.get(language, FIELD_NAMES["en"])
    title = f"{product.name} ({product.variant_name})" if product.variant_name else product.name
    lines = [f"{name}: {title}"]
    if product.description.strip():
        lines.append(f"{description}: {' '.join(product.description.split())}")
    lines.append(f"{sku}: {product.sku}")
    return "\n".join(lines)


def catalog_passages(document: Document) -> list[ChunkDraft]:
    """The catalogue document's passages, one per active product of its tenant."""
    products = Product.objects.filter(tenant_id=document.tenant_id, is_active=True).order_by("name", "variant_name",
                                                                                           "sku")
    return [ChunkDraft(index=index, text=product_passage(product, document.bot.language),
                       metadata={"product": str(product.pk), "sku": product.sku, "item": index + 1})
            for index, product in enumerate(products)]


# --- Keeping the catalogue in step -------------------------------------------------------------


def products_changed(tenant_id) -> None:
    """Once the caller's transaction commits, re-read the catalogue of the tenant's bots that
    know the shop. Called by the product services when a passage changes (a new product, a new
    name or description, on or off sale); a price or stock change needs nothing."""
    if _already_queued(tenant_id):
        return

    def sync():
        sync.shop_tenant_id = None  # run: a later change needs a sync of its own
        shop_knowledge_sync(tenant_id)

    sync.shop_tenant_id = tenant_id
    transaction.on_commit(sync)


def _already_queued(tenant_id) -> bool:
    """A CSV import changes a hundred products in one transaction: one sync after it is enough.
    The callbacks waiting for the commit are Django's own list (dropped with a rollback)."""
    return any(getattr(callback, "shop_tenant_id", None) == tenant_id
               for _, callback, _ in connection.run_on_commit)


def shop_knowledge_sync(tenant_id, *, bot: Bot | None = None, refresh: bool = True) -> list[Document]:
    """Every bot of the tenant (or just `bot`) that knows the shop has its catalogue document,
    queued to read the products again (`refresh` False: only when it has none yet); a bot that
    no longer knows the shop loses it. A tenant with no products gets no empty catalogue.
    Returns the catalogue documents queued."""
    bots = [bot] if bot is not None else list(Bot.objects.filter(tenant_id=tenant_id))
    has_products = Product.objects.filter(tenant_id=tenant_id).exists()
    queued = []
    for each in bots:
        if knows_shop(each) and has_products:
            if refresh or generated_document_find(bot=each, source_type=CATALOG) is None:
                queued.append(generated_document_refresh(
                    bot=each, source_type=CATALOG, name=CATALOG_NAMES.get(each.language, CATALOG_NAMES["en"])))
        else:
            document = generated_document_find(bot=each, source_type=CATALOG)
            if document is not None:
                document_delete(document=document)
    return queued


def catalog_documents_waiting(tenant_id) -> list[Document]:
    return list(Document.objects.filter(tenant_id=tenant_id, source_type=CATALOG, status=Document.Status.PENDING))


def bot_saved(sender, instance, **kwargs) -> None:
    """A bot saved (its settings, or a new bot from a template that knows the shop) gets or
    loses its catalogue once that commits. A receiver, not a call: bots may not import the
    shop (apps depend one way), as DocumentsConfig's receivers do for files."""
    bot_id, tenant_id = instance.pk, instance.tenant_id

    def sync():
        bot = Bot.objects.filter(pk=bot_id).first()
        if bot is not None:
            shop_knowledge_sync(tenant_id, bot=bot, refresh=False)

    transaction.on_commit(sync)


# --- At answer time ----------------------------------------------------------------------------


def product_id_of(metadata: dict) -> str | None:
    return (metadata or {}).get("product")


def products_live(tenant, product_ids) -> dict[str, Product]:
    """The tenant's products among `product_ids` that are on sale now, by id, as they are now."""
    ids = [product_id for product_id in dict.fromkeys(product_ids) if product_id]
    if not ids:
        return {}
    products = Product.objects.filter(tenant=tenant, is_active=True, pk__in=ids).select_related("tenant")
    return {str(product.pk): product for product in products}


LIVE_LINE = {
    "es": ("Precio: {price}.", "Disponible: {n} unidades.", "Agotado por ahora."),
    "en": ("Price: {price}.", "In stock: {n} units.", "Out of stock for now."),
}


def live_line(product: Product, language: str) -> str:
    """The price and availability sentence a product passage is read with at answer time."""
    price, available, sold_out = LIVE_LINE.get(language, LIVE_LINE["en"])
    stock = available.format(n=product.available) if product.available > 0 else sold_out
    return f"{price.format(price=product.price_display)} {stock}"
