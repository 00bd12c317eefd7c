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
