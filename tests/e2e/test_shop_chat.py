"""A customer in the public chat: asks about a product and sees its cards with the live price,
orders it cash on delivery step by step, then checks the order's status after proving it is
theirs. Screenshots on a desktop and on a phone."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.chat.conftest import KNOWLEDGE, shop_of
from tests.e2e.conftest import SHOTS

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real one-colour PNG (the browser must draw it), written with zlib alone."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def ask(page, text):
    """Send `text` and wait for its answer to finish; return the answer's bubble."""
    done = page.locator(".bubble-bot:has(.feedback)")
    before = done.count()
    page.fill("#chat-input", text)
    page.press("#chat-input", "Enter")
    done.nth(before).wait_for()
    return done.nth(before)


def test_a_customer_asks_orders_and_tracks_in_the_public_chat(page, django_user_model, add_text):
    from bots.models import Bot, Template
    from bots.services import bot_create
    from commerce import services
    from commerce.knowledge import shop_knowledge_sync
    from commerce.models import Order, Product
    from documents.ingest import process_document
    from kaiu.accounts.services import tenant_create

    user = django_user_model.objects.create_user(email="ana@tienda.test", password="una-clave-bien-larga")
    tenant = shop_of(tenant_create(owner=user, name="Tienda Ana", language="es"))
    bot = bot_create(tenant=tenant, template=Template.objects.get(slug="customer-support"), name="Asistente")
    Bot.objects.filter(pk=bot.pk).update(rag_config={**bot.rag_config, "chunk_size": 220, "chunk_overlap": 0})
    bot.refresh_from_db()
    add_text(bot, "Políticas de la tienda", KNOWLEDGE)
    for sku, variant, price, stock, colour in (("AE-LAV-10", "10 ml gotero", 45_900, 10, (150, 120, 200)),
                                               ("AE-LAV-30", "30 ml gotero", 98_900, 0, (110, 80, 170))):
        lavender = services.product_create(tenant=tenant, sku=sku, name="Aceite esencial de lavanda",
                                           variant_name=variant, price=price * 100, stock=stock,
                                           description="Lavandula angustifolia, destilada al vapor.")
        services.product_image_set(product=lavender, upload=SimpleUploadedFile("foto.png", png(64, 64, colour)))
    services.product_create(tenant=tenant, sku="AP-JOJ-30", name="Aceite de jojoba", variant_name="30 ml",
                            price=54_900 * 100, stock=4, description="Portador para el rostro.")
    for document in shop_knowledge_sync(tenant.pk):
        process_document(document.pk)

    page.goto(f"/c/{bot.public_id}/")
    answer = ask(page, "¿Tienen aceite de lavanda? ¿Cuánto cuesta?")
    cards = answer.locator(".product-card")
    assert cards.count() == 2
    assert "$ 45.900" in cards.nth(0).inner_text() + cards.nth(1).inner_text()
    assert answer.locator(".product-stock.out-of-stock").inner_text() == "Agotado"
    assert answer.locator("img.product-image").first.evaluate("img => img.naturalWidth") == 64
    assert "- Aceite" not in answer.locator(".bubble-text").inner_text()  # the cards, not the plain list
    page.screenshot(path=str(SHOTS / "60-shop-cards-desktop.png"), full_page=True)

    for text, expected in (("Quiero pedir el de 10 ml", "¿Cuántas unidades"), ("2", "nombre"),
                           ("Laura Méndez", "teléfono"), ("300 123 4567", "ciudad"), ("Bogotá", "dirección")):
        assert expected in ask(page, text).inner_text()
    summary = ask(page, "Calle 85 # 12-30, apto 402")
    assert "Total a pagar contra entrega: $ 103.800" in summary.inner_text()
    assert not Order.objects.filter(tenant=tenant).exists()
    page.screenshot(path=str(SHOTS / "61-shop-order-summary-desktop.png"), full_page=True)

    placed = ask(page, "sí")
    order = Order.objects.get(tenant=tenant)
    assert f"pedido número {order.number}" in placed.inner_text()
    assert Product.objects.get(tenant=tenant, sku="AE-LAV-10").stock_reserved == 2

    page.set_viewport_size({"width": 375, "height": 812})
    asked = ask(page, f"¿Dónde está mi pedido {order.number}?")
    assert "teléfono o el correo" in asked.inner_text()
    status = ask(page, "3001234567")
    assert "recibido, pendiente de confirmar" in status.inner_text()
    page.screenshot(path=str(SHOTS / "62-shop-status-phone.png"), full_page=True)
    ask(page, "¿Venden aceite de jojoba?")
    page.screenshot(path=str(SHOTS / "63-shop-cards-phone.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375  # nothing wider than the phone
