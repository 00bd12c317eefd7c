import pytest

from chat.models import Channel
from chat.reply import reply
from chat.services import conversation_start

KNOWLEDGE = "\n\n".join([
    "# Envíos\nEnviamos a toda Colombia. A Bogotá y Medellín el envío tarda de 1 a 2 días hábiles. "
    "A Cali y Barranquilla tarda de 3 a 5 días hábiles.",
    "# Pagos\nAceptamos tarjeta de crédito, PSE, Nequi y pago contra entrega en efectivo.",
    "# Devoluciones\nTienes 30 días para devolver un producto sin abrir. El reembolso llega en 5 días.",
    "# Seguridad\nNo uses aceites esenciales puros sobre la piel: dilúyelos siempre en un aceite portador.",
])


def _with_knowledge(bot, add_text):
    bot.rag_config = {**bot.rag_config, "chunk_size": 220, "chunk_overlap": 0}
    bot.save()
    add_text(bot, "Políticas de la tienda", KNOWLEDGE)
    bot.refresh_from_db()
    return bot


@pytest.fixture
def shop_bot(bot, add_text):
    """The `bot` with a small Spanish shop knowledge base, one passage per section."""
    return _with_knowledge(bot, add_text)


@pytest.fixture
def ask():
    """Ask a question in a conversation (a new one by default); returns (streamed text, message)."""

    def run(bot, text, conversation=None, channel=Channel.PAGE, **kwargs):
        conversation = conversation or conversation_start(bot=bot, channel=channel, visitor_id="visitor-1")
        pieces, message = [], None
        for event in reply(conversation, text, **kwargs):
            if event.type == "delta":
                pieces.append(event.text)
            else:
                message = event.message
        return "".join(pieces), message

    return run


@pytest.fixture
def llm_bot(bot, add_text, fake_openai):
    """The shop bot on a tenant that uses the local fake OpenAI-compatible server."""
    from tests.fakes.openai_server import chat_handler, use_fake_server

    use_fake_server(bot.tenant, fake_openai)
    fake_openai.routes[("POST", "/v1/chat/completions")] = chat_handler()
    bot.refresh_from_db()
    return _with_knowledge(bot, add_text)


# --- A shop whose bot knows it (chat.shop) ------------------------------------------------

PESOS = 100  # COP minor units per peso


def shop_of(tenant, currency="COP"):
    """Shipping rates of a shop: Bogotá with cash on delivery, anywhere else without."""
    from commerce import services

    tenant.currency = currency
    tenant.save(update_fields=["currency"])
    services.shipping_rate_save(tenant=tenant, city="Bogotá", cost=12_000 * PESOS, days_min=1, days_max=2,
                                free_from=150_000 * PESOS, cash_on_delivery=True, cash_on_delivery_max=400_000 * PESOS)
    services.shipping_rate_save(tenant=tenant, cost=15_000 * PESOS, days_min=4, days_max=6)
    return tenant


@pytest.fixture
def store_bot(tenant, owner, django_capture_on_commit_callbacks):
    """A customer-support bot (it knows the shop) with the shop's policies and three products:
    lavender in two sizes (the larger sold out) and jojoba; the catalogue ingested."""
    from bots.models import Template
    from bots.services import bot_create
    from commerce import services
    from documents.services import document_add_text

    shop_of(tenant)
    with django_capture_on_commit_callbacks(execute=True):
        bot = bot_create(tenant=tenant, template=Template.objects.get(slug="customer-support"), name="Tienda",
                         user=owner)
        bot.rag_config = {**bot.rag_config, "chunk_size": 220, "chunk_overlap": 0}
        bot.save()
        document_add_text(bot=bot, title="Políticas de la tienda", text=KNOWLEDGE)
    for sku, name, variant, price, stock in (("AE-LAV-10", "Aceite esencial de lavanda", "10 ml gotero", 45_900, 10),
                                             ("AE-LAV-30", "Aceite esencial de lavanda", "30 ml gotero", 98_900, 0),
                                             ("AP-JOJ-30", "Aceite de jojoba", "30 ml", 54_900, 4)):
        with django_capture_on_commit_callbacks(execute=True):
            services.product_create(tenant=tenant, sku=sku, name=name, variant_name=variant, price=price * PESOS,
                                    stock=stock, description="Puro, prensado en frío." if "jojoba" in name else
                                    "Destilado al vapor, relajante.")
    bot.refresh_from_db()
    return bot


def product(tenant, sku):
    from commerce.models import Product

    return Product.objects.get(tenant=tenant, sku=sku)


@pytest.fixture
def say():
    """Say `text` in `conversation` (read again from the database first, as every request
    does); returns (the answer's text, the stored message)."""
    from chat.models import Conversation

    def run(conversation, text, **kwargs):
        conversation = Conversation.objects.get(pk=conversation.pk)
        pieces, message = [], None
        for event in reply(conversation, text, **kwargs):
            if event.type == "delta":
                pieces.append(event.text)
            else:
                message = event.message
        return "".join(pieces), message

    return run
