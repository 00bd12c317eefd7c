"""Demo data owned by chat: two weeks of questions for analytics (chat.demo_history),
conversations waiting for a person in the inbox, in Spanish, and a WhatsApp conversation
(chat.whatsapp.demo)."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bots.demo import demo_bot
from chat import demo_history
from chat.handover import handover_start, handover_text
from chat.models import Channel, Conversation, Message, Note
from chat.whatsapp import demo as whatsapp_demo
from commerce.models import Customer

# (visitor id, channel, linked to a demo customer, handover code, minutes waiting, [(role, text)], note)
WAITING = [
    ("demo-inbox-roto", Channel.WIDGET, False, "asked", 12, [
        ("user", "Hola, me llegó el kit de aromaterapia pero el frasco de eucalipto venía roto."),
        ("assistant", "Lamento lo ocurrido. Si un producto llega dañado, escríbenos dentro de los 5 días siguientes "
                      "a la entrega con una foto y lo reponemos sin costo."),
        ("user", "Ya tengo la foto. Quiero hablar con un asesor para que me lo cambien, por favor."),
    ], ""),
    ("demo-inbox-mayorista", Channel.PAGE, False, "unanswered", 47, [
        ("user", "¿Hacen ventas al por mayor para spas? Necesito 40 frascos de lavanda de 30 ml al mes."),
        ("assistant", "No encontré esa información en mis documentos. ¿Puedes reformular la pregunta o darme "
                      "más detalles?"),
        ("user", "¿Tienen precio especial o factura para empresa?"),
        ("assistant", "No encontré esa información en mis documentos. ¿Puedes reformular la pregunta o darme "
                      "más detalles?"),
    ], "Posible cliente mayorista (Spa Bambú, Chía). Pasar a Valentina para cotización."),
    ("demo-inbox-pedido", Channel.WIDGET, True, "order_not_found", 5, [
        ("user", "Buenas, ¿dónde está mi pedido? Lo hice hace una semana."),
        ("assistant", "Claro. ¿Cuál es el número de tu pedido?"),
        ("user", "Creo que es el 1009, con el celular de mi esposo."),
        ("assistant", "No encuentro un pedido 1009 con esos datos. Revisa el número y escribe el teléfono o el "
                      "correo con el que hiciste el pedido."),
    ], ""),
]


def seed(tenant) -> str:
    """seed_demo's step: the question history, then conversations waiting for a person and the
    WhatsApp one (each added when missing)."""
    history = demo_history.seed(tenant)
    bot = demo_bot(tenant)
    if bot is None:
        return f"{history} Inbox: no demo bot."
    added = 0
    for row in WAITING:
        if not Conversation.objects.filter(bot=bot, visitor_id=row[0]).exists():
            with transaction.atomic():
                _waiting(bot, *row)
            added += 1
    inbox = f"Inbox: {len(WAITING)} conversations waiting for a person{f', {added} new' if added else ''}."
    return f"{history} {inbox} {whatsapp_demo.seed(tenant)}"


def _waiting(bot, visitor_id, channel, with_customer, code, minutes, turns, note) -> None:
    started = timezone.now() - timedelta(minutes=minutes + 3)
    customer = Customer.objects.filter(tenant=bot.tenant).order_by("name").first() if with_customer else None
    conversation = Conversation.objects.create(tenant=bot.tenant, bot=bot, channel=channel, visitor_id=visitor_id,
                                               title=turns[0][1][:120], customer=customer)
    for role, text in turns:
        unanswered = text.startswith(("No encontré", "No encuentro"))
        Message.objects.create(conversation=conversation, role=role, content=text, answered=not unanswered,
                               origin="" if role == "user" else "unknown" if unanswered else "model")
    handover_start(conversation, code)
    Message.objects.create(conversation=conversation, role="assistant", content=handover_text(bot),
                           origin="handover", model="kaiu-handover")
    if note:
        Note.objects.create(conversation=conversation, author_name="Julián Herrera", text=note)
    # Spread over the last minutes, as a real morning's inbox would be.
    for n, message in enumerate(conversation.messages.order_by("created_at")):
        Message.objects.filter(pk=message.pk).update(created_at=started + timedelta(seconds=40 * n))
    waiting_since = timezone.now() - timedelta(minutes=minutes)
    Conversation.objects.filter(pk=conversation.pk).update(
        message_count=len(turns) + 1, created_at=started, waiting_since=waiting_since, updated_at=waiting_since)
