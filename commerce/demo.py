"""Demo data owned by the shop: the natural-products store's catalogue, its shipping rates
(the same as its knowledge base's "Envíos" and "Medios de pago" pages say), customers, and
orders in every status, all made through commerce.services."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from commerce import knowledge, services
from commerce.models import Customer, Order, OrderEvent, Product, ShippingRate, StockMovement
from commerce.services import OrderLine
from documents.ingest import process_document
from kaiu.accounts.models import Membership, Role

PESOS = 100  # COP is kept in centavos (ISO 4217 minor units); prices are whole pesos

# (sku, name, variant, price in pesos, stock, description)
CATALOGUE = [
    ("AE-LAV-10", "Aceite esencial de lavanda", "10 ml gotero", 45_900, 40,
     "Lavandula angustifolia, destilada al vapor. Relajante; segura para niños desde los 2 años diluida al 0,5 %."),
    ("AE-LAV-30", "Aceite esencial de lavanda", "30 ml gotero", 98_900, 12,
     "Lavandula angustifolia, destilada al vapor. El tamaño para difusor y masajes de uso diario."),
    ("AE-EUC-10", "Aceite esencial de eucalipto", "10 ml gotero", 38_900, 25,
     "Eucalyptus globulus. Fresco y balsámico, para difusor; no usar en niños menores de 10 años."),
    ("AE-EUC-30", "Aceite esencial de eucalipto", "30 ml gotero", 84_900, 0,
     "Eucalyptus globulus. Fresco y balsámico, para difusor; no usar en niños menores de 10 años."),
    ("AE-MEN-10", "Aceite esencial de menta", "10 ml gotero", 42_900, 18,
     "Mentha piperita. Refrescante; diluir siempre, no aplicar en el rostro de niños."),
    ("AE-TEA-10", "Aceite esencial de árbol de té", "10 ml gotero", 47_900, 30,
     "Melaleuca alternifolia. Para el cuidado de la piel con tendencia grasa, siempre diluido."),
    ("AE-TEA-30", "Aceite esencial de árbol de té", "30 ml gotero", 99_900, 6,
     "Melaleuca alternifolia. Formato grande para uso frecuente."),
    ("AE-ROM-10", "Aceite esencial de romero", "10 ml gotero", 39_900, 0,
     "Rosmarinus officinalis. Estimulante; no usar durante el embarazo."),
    ("AE-NAR-10", "Aceite esencial de naranja dulce", "10 ml gotero", 32_900, 22,
     "Citrus sinensis, prensado en frío. Fotosensibilizante: evita el sol 12 horas tras aplicarlo."),
    ("AE-LIM-10", "Aceite esencial de limoncillo", "10 ml gotero", 34_900, 3,
     "Cymbopogon citratus. Aroma cítrico para difusor; diluir al 1 % en piel."),
    ("AP-ALM-120", "Aceite de almendras dulces", "120 ml", 36_900, 35,
     "Aceite portador prensado en frío, para masajes y para diluir aceites esenciales."),
    ("AP-ALM-250", "Aceite de almendras dulces", "250 ml", 62_900, 14,
     "Aceite portador prensado en frío, tamaño familiar."),
    ("AP-COC-120", "Aceite de coco fraccionado", "120 ml", 34_900, 20,
     "Siempre líquido, sin aroma; no mancha la ropa. Portador ligero para roll-on."),
    ("AP-JOJ-30", "Aceite de jojoba", "30 ml", 54_900, 9,
     "Cera líquida muy estable, parecida al sebo de la piel. Portador para rostro."),
    ("AP-JOJ-60", "Aceite de jojoba", "60 ml", 89_900, 0,
     "Cera líquida muy estable, parecida al sebo de la piel. Formato grande."),
    ("AP-ROS-30", "Aceite de rosa mosqueta", "30 ml", 59_900, 11,
     "Rosa rubiginosa, prensado en frío. Para cicatrices y manchas; de noche."),
]

# documents/demo/envios.md (days, cost, free from $150.000) and pagos.md (cash on delivery in
# five cities, up to $400.000). tests/commerce/test_demo.py reads both pages to keep these true.
FREE_FROM, COD_MAX = 150_000 * PESOS, 400_000 * PESOS
# (city, department, cost in pesos, days min, days max, cash on delivery)
SHIPPING = [
    ("Bogotá", "", 12_000, 1, 2, True),
    ("Medellín", "Antioquia", 12_000, 1, 2, True),
    ("Cali", "Valle del Cauca", 15_000, 2, 3, True),
    ("Barranquilla", "Atlántico", 15_000, 2, 3, True),
    ("Bucaramanga", "Santander", 15_000, 2, 3, True),
    ("Pereira", "Risaralda", 15_000, 2, 3, False),
    ("Cartagena", "Bolívar", 15_000, 3, 4, False),
    ("Santa Marta", "Magdalena", 15_000, 3, 4, False),
    ("Manizales", "Caldas", 15_000, 3, 4, False),
    ("Armenia", "Quindío", 15_000, 3, 4, False),
    ("Ibagué", "Tolima", 15_000, 3, 4, False),
    ("San Andrés", "San Andrés y Providencia", 15_000, 6, 10, False),
    ("", "", 15_000, 4, 6, False),  # "Otras ciudades y municipios"
]

# (name, phone, e-mail, ID number, address, city, department)
CUSTOMERS = [
    ("Laura Méndez", "300 555 0101", "laura.mendez@example.com", "1020304050", "Calle 85 # 12-30, apto 402",
     "Bogotá", ""),
    ("Santiago Restrepo", "301 555 0102", "santiago.r@example.com", "71234567", "Carrera 43A # 1-50",
     "Medellín", "Antioquia"),
    ("Daniela Castro", "315 555 0103", "dani.castro@example.com", "1144556677", "Avenida 6N # 23-45", "Cali",
     "Valle del Cauca"),
    ("Mateo Pérez", "320 555 0104", "", "1045678901", "Calle 72 # 54-10", "Barranquilla", "Atlántico"),
    ("Valeria Gómez", "310 555 0105", "valeria.gomez@example.com", "1088776655", "Carrera 7 # 19-28",
     "Pereira", "Risaralda"),
    ("Sebastián Ortiz", "312 555 0106", "sebas.ortiz@example.com", "1047112233", "Barrio Manga, Calle 25 # 20-15",
     "Cartagena", "Bolívar"),
]

# (customer index, [(sku, quantity)], payment method, status it has reached, days ago)
ORDERS = [
    (0, [("AE-LAV-10", 2), ("AP-ALM-120", 1)], "COD", "DELIVERED", 13),
    (1, [("AE-TEA-10", 1), ("AP-JOJ-30", 1)], "COD", "DELIVERED", 11),
    (4, [("AE-NAR-10", 3)], "TRANSFER", "RETURNED", 10),
    (5, [("AE-LAV-30", 1), ("AP-ROS-30", 1)], "PAYMENT_LINK", "SHIPPED", 6),
    (2, [("AE-MEN-10", 1), ("AP-COC-120", 1)], "COD", "PICKUP_REQUESTED", 4),
    (3, [("AE-EUC-10", 2)], "COD", "CANCELLED", 4),
    (0, [("AE-TEA-30", 1)], "COD", "READY_TO_SHIP", 3),
    (1, [("AP-ALM-250", 1), ("AE-LAV-10", 1)], "TRANSFER", "PROCESSING", 2),
    (2, [("AE-LIM-10", 1)], "COD", "CONFIRMED", 1),
    (5, [("AE-LAV-10", 1), ("AE-MEN-10", 1), ("AP-JOJ-30", 1)], "PAYMENT_LINK", "PENDING", 0),
    (4, [("AP-ROS-30", 2)], "TRANSFER", "PENDING", 0),
]
PATHS = {
    "PENDING": [], "CONFIRMED": ["CONFIRMED"], "PROCESSING": ["CONFIRMED", "PROCESSING"],
    "READY_TO_SHIP": ["CONFIRMED", "PROCESSING", "READY_TO_SHIP"],
    "PICKUP_REQUESTED": ["CONFIRMED", "PROCESSING", "READY_TO_SHIP", "PICKUP_REQUESTED"],
    "SHIPPED": ["CONFIRMED", "PROCESSING", "READY_TO_SHIP", "PICKUP_REQUESTED", "SHIPPED"],
    "DELIVERED": ["CONFIRMED", "PROCESSING", "READY_TO_SHIP", "PICKUP_REQUESTED", "SHIPPED", "DELIVERED"],
    "CANCELLED": ["CANCELLED"],
    "RETURNED": ["CONFIRMED", "PROCESSING", "READY_TO_SHIP", "SHIPPED", "DELIVERED", "RETURNED"],
}
CARRIERS = ["Servientrega", "Coordinadora", "Interrapidísimo"]


def seed(tenant) -> str:
    """seed_demo's step: what is missing of the shop. Existing rows are never changed, so a
    second run changes nothing."""
    with transaction.atomic():
        added = _seed_catalogue(tenant) + _seed_shipping(tenant)
        customers = _seed_customers(tenant)
        if not Order.objects.filter(tenant=tenant).exists():
            _seed_orders(tenant, customers)
    # The bot that knows the shop reads its catalogue now, so the demo answers about products at once.
    knowledge.shop_knowledge_sync(tenant.pk, refresh=False)
    for document in knowledge.catalog_documents_waiting(tenant.pk):
        process_document(document.pk)
    new = f", {added} new" if added else ""
    return (f"Shop: {Product.objects.filter(tenant=tenant).count()} products, "
            f"{ShippingRate.objects.filter(tenant=tenant).count()} shipping rates{new}, "
            f"{Order.objects.filter(tenant=tenant).count()} orders.")


def _seed_catalogue(tenant) -> int:
    have = set(Product.objects.filter(tenant=tenant).values_list("sku", flat=True))
    added = 0
    for sku, name, variant, price, stock, description in CATALOGUE:
        if sku not in have:
            services.product_create(tenant=tenant, sku=sku, name=name, variant_name=variant, price=price * PESOS,
                                    stock=stock, description=description,
                                    weight_grams=60 if "10 ml" in variant else 150)
            added += 1
    return added


def _seed_shipping(tenant) -> int:
    have = set(ShippingRate.objects.filter(tenant=tenant).values_list("city", flat=True))
    added = 0
    for city, department, cost, days_min, days_max, cod in SHIPPING:
        if city not in have:
            services.shipping_rate_save(tenant=tenant, city=city, department=department, cost=cost * PESOS,
                                        days_min=days_min, days_max=days_max, free_from=FREE_FROM,
                                        cash_on_delivery=cod, cash_on_delivery_max=COD_MAX if cod else None)
            added += 1
    return added


def _seed_customers(tenant) -> list[tuple[Customer, object]]:
    seeded = []
    for name, phone, email, national_id, line1, city, department in CUSTOMERS:
        known = Customer.objects.filter(tenant=tenant, name=name).first()
        if known is None:
            known = services.customer_upsert(tenant=tenant, name=name, phone=phone, email=email,
                                             national_id=national_id)
            services.address_add(customer=known, line1=line1, city=city, department=department)
        seeded.append((known, known.addresses.first()))
    return seeded


def _seed_orders(tenant, customers) -> None:
    staff = Membership.objects.filter(tenant=tenant, role=Role.WAREHOUSE).select_related("user").first()
    user = staff.user if staff else None
    products = {product.sku: product for product in Product.objects.filter(tenant=tenant)}
    now = timezone.now()
    for number, (who, lines, payment, status, days_ago) in enumerate(ORDERS):
        customer, address = customers[who]
        order = services.order_place(tenant=tenant, lines=[OrderLine(products[sku].pk, qty) for sku, qty in lines],
                                     customer=customer, address=address, payment_method=payment)
        for step in PATHS[status]:
            tracking = {}
            if step == "SHIPPED":
                guide = f"{7000120000 + number * 7919}"
                tracking = {"carrier": CARRIERS[number % 3], "tracking_number": guide,
                            "tracking_url": f"https://kaiu.demo/rastreo/{guide}"}
            note = "El cliente cambió de opinión." if step == "CANCELLED" else ""
            order = services.order_transition(order=order, to_status=step, user=user, note=note, **tracking)
        _backdate(order, now - timedelta(days=days_ago, hours=3 + number % 5))
    # The opening stock came in before the first order.
    StockMovement.objects.filter(tenant=tenant, order=None).update(at=now - timedelta(days=15))


def _backdate(order, placed_at) -> None:
    """Spread the demo's history over the past two weeks: each step some hours after the last,
    and each stock movement at the time of the step that made it."""
    Order.objects.filter(pk=order.pk).update(created_at=placed_at)
    events = list(OrderEvent.objects.filter(order=order).order_by("id"))
    moved_at = {event.at: placed_at + timedelta(hours=5 * step) for step, event in enumerate(events)}
    for event in events:
        OrderEvent.objects.filter(pk=event.pk).update(at=moved_at[event.at])
    for movement in StockMovement.objects.filter(order=order):
        step_at = min((at for at in moved_at if at >= movement.at), default=max(moved_at))
        StockMovement.objects.filter(pk=movement.pk).update(at=moved_at[step_at])
