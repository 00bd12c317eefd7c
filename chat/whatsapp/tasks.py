"""django-q2 entry points of the WhatsApp channel: ids in, services called."""

from chat.whatsapp import inbound, outbound


def inbound_process(inbound_id):
    return inbound.inbound_process(int(inbound_id))


def outbound_send(conversation_id):
    return f"{outbound.outbound_flush(conversation_id)} sent"


def sweep():
    return f"{inbound.inbound_sweep()} re-queued, {outbound.outbound_sweep()} sent"
