"""What WhatsApp adds to a bot: its Cloud API account, the messages Meta delivered to it
(one row per message id, so a delivery repeated by Meta is processed once) and the outbox of
what it sends (one row per WhatsApp message, with Meta's id and delivery status)."""

import secrets
import uuid

from django.db import models
from django.db.models import Q

from bots.models import Bot
from kaiu.accounts.models import Tenant
from kaiu.crypto import EncryptedTextField, mask


def new_verify_token() -> str:
    return secrets.token_urlsafe(24)


class WhatsAppAccount(models.Model):
    """A bot's WhatsApp Business number on the Cloud API (Meta's app settings hold the rest)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    bot = models.OneToOneField(Bot, on_delete=models.CASCADE, related_name="whatsapp")
    # Meta's id of the number: every webhook change names it (metadata.phone_number_id) and
    # every send goes to /{phone_number_id}/messages. One bot per number across all tenants.
    phone_number_id = models.CharField(max_length=32, unique=True)
    display_phone = models.CharField(max_length=32, blank=True)
    access_token = EncryptedTextField()
    app_secret = EncryptedTextField()
    verify_token = models.CharField(max_length=100, default=new_verify_token)
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return self.display_phone or self.phone_number_id

    @property
    def masked_access_token(self):
        return mask(self.access_token)

    @property
    def masked_app_secret(self):
        return mask(self.app_secret)


class WhatsAppInbound(models.Model):
    """A message a customer sent, as Meta delivered it. Stored by the webhook; the worker
    answers it (state RECEIVED → PROCESSING → DONE)."""

    class State(models.TextChoices):
        RECEIVED = "RECEIVED", "Received"
        PROCESSING = "PROCESSING", "Processing"
        DONE = "DONE", "Done"

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(WhatsAppAccount, on_delete=models.CASCADE, related_name="+", db_index=False)
    conversation = models.ForeignKey("chat.Conversation", on_delete=models.CASCADE, related_name="+")
    # The user message it became (set by the worker: a text goes through the reply flow,
    # which stores the question itself).
    message = models.ForeignKey("chat.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    wamid = models.CharField(max_length=200, unique=True)  # Meta's message id: a repeat is refused here
    wa_from = models.CharField(max_length=64)
    type = models.CharField(max_length=20)  # text, image, audio, location, sticker, ... as Meta names it
    text = models.TextField(blank=True)  # the text, or a caption
    media = models.JSONField(default=dict, blank=True)  # {id, mime_type, caption} / {latitude, longitude, name}
    referral = models.JSONField(default=dict, blank=True)  # a click-to-WhatsApp ad or other free entry point
    sent_at = models.DateTimeField()  # Meta's timestamp
    state = models.CharField(max_length=12, choices=State.choices, default=State.RECEIVED)
    note = models.CharField(max_length=300, blank=True)  # why no reply went out, if none did
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self):
        return f"{self.type} from {self.wa_from}"


class WhatsAppOutbound(models.Model):
    """One WhatsApp message to send, written before any attempt, so a crash mid-send loses
    nothing: the sweeper finds it again. A long answer is several rows (`part`)."""

    class State(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        SENDING = "SENDING", "Sending"
        SENT = "SENT", "Sent"
        DELIVERED = "DELIVERED", "Delivered"
        READ = "READ", "Read"
        FAILED = "FAILED", "Failed"  # Meta refused it, or it failed after every retry
        REFUSED = "REFUSED", "Not sent"  # we did not send it (outside the service window)

    class Kind(models.TextChoices):
        TEXT = "TEXT", "Text"
        TEMPLATE = "TEMPLATE", "Template"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(WhatsAppAccount, on_delete=models.CASCADE, related_name="+", db_index=False)
    conversation = models.ForeignKey("chat.Conversation", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("chat.Message", on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="whatsapp_sends")
    to = models.CharField(max_length=64)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    part = models.PositiveSmallIntegerField(default=1)
    body = models.TextField(blank=True)
    template = models.JSONField(default=dict, blank=True)  # {name, language, params}
    state = models.CharField(max_length=10, choices=State.choices, default=State.QUEUED)
    wamid = models.CharField(max_length=200, blank=True)  # Meta's id, once it took the message
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)  # Meta's error or why we did not send
    error_code = models.CharField(max_length=20, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    status_at = models.DateTimeField(null=True, blank=True)  # Meta's time of the latest status
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "part"]
        constraints = [models.UniqueConstraint(fields=["wamid"], condition=~Q(wamid=""),
                                               name="whatsapp_outbound_wamid_unique")]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.kind} to {self.to} ({self.state})"
