"""Demo data owned by chat (seed_demo runs `seed`)."""

from chat.whatsapp import demo as whatsapp_demo


def seed(tenant) -> str:
    return whatsapp_demo.seed(tenant)
