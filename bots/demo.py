"""Demo data owned by bots: the demo business's assistant."""

from bots.models import Bot, Template
from bots.services import bot_create, template_sync

DEMO_BOT_NAME = "Asistente KAIU"


def seed(tenant) -> str:
    """seed_demo's step: the demo assistant."""
    return f"Bot “{seed_bot(tenant).name}”."


def demo_bot(tenant) -> Bot | None:
    return Bot.objects.filter(tenant=tenant, name=DEMO_BOT_NAME).first()


def seed_bot(tenant) -> Bot:
    template_sync()
    bot = demo_bot(tenant)
    if bot is None:
        bot = bot_create(
            tenant=tenant,
            template=Template.objects.get(slug="customer-support"),
            name=DEMO_BOT_NAME,
            description="Atiende a los clientes de KAIU Natural Living: envíos, pagos, devoluciones y "
            "uso seguro de aceites esenciales.",
        )
    return bot
