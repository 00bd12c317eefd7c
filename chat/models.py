"""Conversations with a bot on every channel, and what analytics and support need of them."""

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from pgvector.django import VectorField

from bots.models import Bot
from kaiu.accounts.models import Tenant


class Channel(models.TextChoices):
    WIDGET = "WIDGET", "Widget"
    PAGE = "PAGE", "Public page"
    WHATSAPP = "WHATSAPP", "WhatsApp"
    API = "API", "API"
    PLAYGROUND = "PLAYGROUND", "Playground"


class Conversation(models.Model):
    class Status(models.TextChoices):
        OPEN = "OPEN", "Open"
        HANDED_OVER = "HANDED_OVER", "Handed over"
        CLOSED = "CLOSED", "Closed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column indexes on keys that lead a composite index below: each is one more
    # write on the chat's hot path and serves no query the composite does not.
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="conversations", db_index=False)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="conversations", db_index=False)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    # Who is talking: a random id kept by the visitor's browser, an API caller's own id, or
    # the dashboard user's id for the playground. Never shown to other visitors.
    visitor_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    is_bot_active = models.BooleanField(default=True)
    # Why a person took over (chat.handover): a short code for filters and the human text.
    handover_code = models.CharField(max_length=20, blank=True)
    handover_reason = models.CharField(max_length=200, blank=True)
    waiting_since = models.DateTimeField(null=True, blank=True)  # handed over and no agent reply since
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+")
    unanswered_streak = models.PositiveSmallIntegerField(default=0)  # bot answers in a row marked unanswered
    title = models.CharField(max_length=120, blank=True)  # the first question, for lists
    message_count = models.PositiveIntegerField(default=0)
    # Where the visitor is in a shop conversation (chat.shop): an order being taken step by
    # step, or an order whose status waits for the customer's phone or e-mail. Kept here, so it
    # holds across requests, processes and channels; {} when none.
    shop_state = models.JSONField(default=dict, blank=True)
    # The shop's customer this is: linked by an order placed or verified in the chat (chat.shop)
    # or by a WhatsApp number (chat.whatsapp.inbound); the inbox shows their orders.
    customer = models.ForeignKey("commerce.Customer", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="conversations")
    # WhatsApp: the customer's number in E.164 (it verifies them: chat.shop_status), and when
    # the customer-service window closes (24 h after their last message, 72 h from a free
    # entry point); outside it no free-form message may be sent.
    phone = models.CharField(max_length=16, blank=True)
    window_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["tenant", "-updated_at"]),
            models.Index(fields=["bot", "visitor_id"]),
            # The inbox: a tenant's conversations waiting for a person.
            models.Index(fields=["tenant", "status", "-updated_at"]),
        ]

    def __str__(self):
        return self.title or f"Conversation {self.pk}"

    HANDOVER_LABELS = {"asked": "Asked for a person", "button": "Asked for a person", "unanswered": "Unanswered",
                       "feedback": "Thumbs down", "quota": "Quota used up", "out_of_stock": "Sold out",
                       "order_not_found": "Order not found"}

    @property
    def handover_label(self) -> str:
        return self.HANDOVER_LABELS.get(self.handover_code, "Handed over")


class Message(models.Model):
    class Role(models.TextChoices):
        USER = "user", "Visitor"
        ASSISTANT = "assistant", "Bot"
        AGENT = "agent", "Agent"
        SYSTEM = "system", "System"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages",
                                     db_index=False)  # (conversation, created_at) below
    role = models.CharField(max_length=10, choices=Role.choices)
    content = models.TextField()
    # [{"n": 1, "document": id, "document_name": ..., "chunk": id, "page": ..., "score": ..., "text": ...}]
    sources = models.JSONField(default=list, blank=True)
    # Products shown as cards (chat.shop), as they were when answered:
    # [{"product": id, "name", "variant", "price", "available", "in_stock", "image", "line"}]
    # `line` is the product's line in `content`, the plain-text form the API and transcripts show.
    cards = models.JSONField(default=list, blank=True)
    model = models.CharField(max_length=120, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    timings = models.JSONField(default=dict, blank=True)  # {"embed": ms, "retrieve": ms, "llm": ms, "total": ms}
    top_score = models.FloatField(null=True, blank=True)
    answered = models.BooleanField(default=True)
    origin = models.CharField(max_length=12, blank=True)  # how it was answered: ORIGIN_LABELS
    note = models.CharField(max_length=300, blank=True)  # why: a provider's error, a fallback, a refusal
    # An agent's reply (role agent): who wrote it, and the name the customer sees.
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    author_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["conversation", "created_at"])]

    def __str__(self):
        return f"{self.role}: {self.content[:60]}"

    ORIGIN_LABELS = {"model": "answered", "cache": "from the cache", "curated": "curated answer",
                     "unknown": "not answered", "error": "error", "fallback": "built-in model (provider paused)",
                     "shop": "shop", "handover": "handed to a person", "small_talk": "greeting or thanks"}

    @property
    def origin_label(self) -> str:
        return self.ORIGIN_LABELS.get(self.origin, self.origin)

    @property
    def cache_hit(self) -> bool:
        return self.origin == "cache"


class Note(models.Model):
    """An agent's internal note on a conversation. A model of its own, not a Message, so no
    list of messages (public history, API, the bot's prompt) can ever include one."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    author_name = models.CharField(max_length=150, blank=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:60]


class Feedback(models.Model):
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="feedback")
    rating = models.SmallIntegerField(choices=[(1, "Helpful"), (-1, "Not helpful")])
    comment = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.rating:+d} on {self.message_id}"


class QueryLog(models.Model):
    """One row per answered question: the fact table analytics reads."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)  # indexes below
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", db_index=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    channel = models.CharField(max_length=12, choices=Channel.choices)
    question = models.TextField()
    origin = models.CharField(max_length=12)  # model, cache, curated, refusal, error
    answered = models.BooleanField()
    top_score = models.FloatField(null=True, blank=True)
    embed_ms = models.FloatField(default=0)
    retrieve_ms = models.FloatField(default=0)
    llm_ms = models.FloatField(default=0)
    total_ms = models.FloatField(default=0)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=120, blank=True)
    error = models.CharField(max_length=300, blank=True)
    reason = models.CharField(max_length=300, blank=True)  # why unanswered: 'not found: "Medellín"'
    created_at = models.DateTimeField(auto_now_add=True, db_index=False)

    # The columns analytics aggregates (chat.analytics), kept in the tenant's index too, so a
    # tenant's range is read from its index pages alone (an index-only scan) rather than from
    # heap pages scattered among every other tenant's rows (benchmarks/analytics.py).
    class Meta:
        indexes = [
            models.Index(fields=["tenant", "created_at"], name="querylog_tenant_analytics",
                         include=["bot", "conversation", "channel", "origin", "answered", "model", "top_score",
                                  "embed_ms", "retrieve_ms", "llm_ms", "total_ms", "tokens_in", "tokens_out",
                                  "error"]),
            models.Index(fields=["bot", "created_at"]),
            # The knowledge gaps' questions (chat.gaps): unanswered or answered from weak passages
            # (chat.analytics.LOW_CONFIDENCE), a small share of the rows.
            models.Index(fields=["tenant", "created_at"], name="querylog_tenant_gaps",
                         condition=models.Q(answered=False) | models.Q(top_score__lt=0.3)),
        ]

    def __str__(self):
        return self.question[:80]


class ResponseCache(models.Model):
    """An answer served again for the same normalised question, while the bot's knowledge
    and prompt are unchanged: both versions are part of the key, so any change of either
    makes old entries unreachable (and expiry removes them)."""

    id = models.BigAutoField(primary_key=True)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+")
    knowledge_version = models.PositiveIntegerField()
    prompt_key = models.CharField(max_length=80)  # active prompt id and version, model, temperature
    question_hash = models.CharField(max_length=64)
    question = models.TextField()
    answer = models.TextField()
    sources = models.JSONField(default=list)
    top_score = models.FloatField(null=True)
    hits = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot", "knowledge_version", "prompt_key", "question_hash"],
                                               name="response_cache_key")]
        indexes = [models.Index(fields=["expires_at"])]

    def __str__(self):
        return self.question[:80]


class CuratedAnswer(models.Model):
    """A tenant's own answer to a question, returned as is when a new question matches it
    closely (compared with the built-in embedder, so it works with or without a provider)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="curated_answers",
                            db_index=False)  # (bot, is_enabled) below
    question = models.CharField(max_length=500)
    answer = models.TextField()
    question_vector = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    is_enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    source_message = models.ForeignKey(Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    times_served = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["bot", "is_enabled"])]

    def __str__(self):
        return self.question


class ModelPrice(models.Model):
    """What a tenant pays its provider per million tokens of a chat model, for the estimated
    costs on the analytics page (chat.analytics.DEFAULT_PRICES when there is no row).

    Decimal, not integer minor units like the shop's money: token prices are fractions of a
    cent ($0.075 per million), and they are estimates shown, never amounts charged."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    model = models.CharField(max_length=120)
    input_per_million = models.DecimalField(max_digits=12, decimal_places=4)
    output_per_million = models.DecimalField(max_digits=12, decimal_places=4)
    currency = models.CharField(max_length=3, default="USD")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["model"]
        constraints = [models.UniqueConstraint(fields=["tenant", "model"], name="model_price_per_tenant")]

    def __str__(self):
        return self.model


class GapFix(models.Model):
    """A knowledge gap a tenant answered (chat.gaps): questions with this normalised key asked
    of this bot before `fixed_at` no longer show as a gap; new unanswered ones do again."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", db_index=False)
    key = models.CharField(max_length=200)
    curated_answer = models.ForeignKey(CuratedAnswer, on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+")
    fixed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["bot", "key"], name="gap_fix_per_bot_key")]
        indexes = [models.Index(fields=["tenant", "bot"])]

    def __str__(self):
        return self.key



class AnalyticsDay(models.Model):
    """The daily rollup of QueryLog (chat.rollup): one row per tenant, bot, day in the tenant's
    time zone, channel and model, written by the worker for whole days before today, so the
    analytics pages sum a few rows per day instead of reading every question of the range."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    channel = models.CharField(max_length=12)
    model = models.CharField(max_length=120, blank=True)
    questions = models.PositiveIntegerField(default=0)
    answered = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)  # origin 'error'
    cache_hits = models.PositiveIntegerField(default=0)
    curated_hits = models.PositiveIntegerField(default=0)
    low_confidence = models.PositiveIntegerField(default=0)
    tokens_in = models.BigIntegerField(default=0)
    tokens_out = models.BigIntegerField(default=0)
    # {previous day the conversation asked on (ISO, "" for none): conversations}: each
    # conversation counted once a day, on its first question's row, so distinct conversations
    # over any range are the sum of those whose previous day falls before the range.
    conversations = models.JSONField(default=dict)
    errors = models.JSONField(default=dict)  # {provider error text: count}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "bot", "channel", "model"],
                                               name="analytics_day_unique")]

    def __str__(self):
        return f"{self.day} {self.channel} {self.model}"


class AnalyticsLatencyDay(models.Model):
    """Answer-time histograms per tenant, bot and local day (chat.rollup.BUCKETS log-spaced
    buckets for each part: total, embed, retrieve, llm, other), summed for the percentiles."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+", db_index=False)
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    counts = ArrayField(models.IntegerField())  # part-major: part * BUCKETS + bucket

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "day", "bot"], name="analytics_latency_day_unique")]

    def __str__(self):
        return str(self.day)


class AnalyticsRollup(models.Model):
    """How far a tenant's rollup goes: its days before `rolled_until`, counted in `time_zone`."""

    tenant = models.OneToOneField(Tenant, on_delete=models.CASCADE, primary_key=True, related_name="+")
    time_zone = models.CharField(max_length=64)
    rolled_until = models.DateField()
    built_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.tenant_id} until {self.rolled_until}"


from chat.whatsapp.models import WhatsAppAccount, WhatsAppInbound, WhatsAppOutbound  # noqa: E402, F401
