"""WhatsApp Cloud API as a channel of a bot.

    Meta ──POST /whatsapp/<public_id>/webhook──► webhook.py (signature, parse, store, enqueue; 200 fast)
                                                     │ on_commit
                                                     ▼
        worker: tasks.inbound_process(id) ──► inbound.py ──► chat.reply (the shared reply flow)
                                                     │ outbox rows (models.WhatsAppOutbound)
                                                     ▼
        worker: tasks.outbound_send(id) ──► outbound.py ──► graph.py ──► Graph API /{phone-number-id}/messages
                                            (window rule, retries with backoff, statuses by webhook)

One module per concern: models, payload (Meta's JSON → dataclasses), webhook (the views Meta
calls), inbound (store, customers, the reply), outbound (outbox, window, sends), graph (HTTP),
formatting (answers → WhatsApp text), views + forms (the settings page).
"""
