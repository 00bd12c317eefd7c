import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import F, Func
from django.db.models.fields.json import KT
from pgvector.django import HnswIndex, VectorField

from bots.models import Bot
from documents.extract import CSV, JSON, MARKDOWN, PDF, TEXT
from kaiu.accounts.models import Tenant

# What a document is, said the same way for every file: by the type its content was read as.
TYPE_LABELS = {PDF: "PDF", MARKDOWN: "Markdown", TEXT: "Text", CSV: "CSV", JSON: "JSON"}


def upload_path(instance, filename):
    """Files are stored under generated names whatever the client called them."""
    return f"documents/{instance.tenant_id}/{instance.bot_id}/{uuid.uuid4().hex}"


class Document(models.Model):
    class SourceType(models.TextChoices):
        FILE_UPLOAD = "FILE_UPLOAD", "Uploaded file"
        MANUAL_TEXT = "MANUAL_TEXT", "Typed text"
        JSON_STRUCTURED = "JSON_STRUCTURED", "JSON data"
        CSV_STRUCTURED = "CSV_STRUCTURED", "CSV table"
        PRODUCT_CATALOG = "PRODUCT_CATALOG", "Product catalog"

    class Status(models.TextChoices):
        PENDING = "PENDING", "Waiting"
        PROCESSING = "PROCESSING", "Processing"
        PROCESSED = "PROCESSED", "Ready"
        FAILED = "FAILED", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="documents")
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="documents",
                            db_index=False)  # (bot, status) below
    name = models.CharField(max_length=255)
    source_type = models.CharField(max_length=20, choices=SourceType.choices)
    mime_type = models.CharField(max_length=100)
    size_bytes = models.PositiveBigIntegerField(default=0)
    file = models.FileField(upload_to=upload_path, max_length=255, blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    error_message = models.TextField(blank=True)
    # The file itself cannot be read (encrypted, no text, over a limit): a retry or a
    # re-index would fail the same way, so neither is offered nor queued.
    permanent_failure = models.BooleanField(default=False)
    chunk_count = models.PositiveIntegerField(default=0)
    duplicate_chunk_count = models.PositiveIntegerField(
        default=0, help_text="Passages skipped because the bot already had them from another document.")
    page_count = models.PositiveIntegerField(null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Who is processing it: a worker writes its token when it claims the document and only
    # a worker holding the current token may store chunks (a taken-over run gives up).
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    retrieval_count = models.PositiveIntegerField(default=0)
    last_retrieved_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.UniqueConstraint(fields=["bot", "sha256"], name="document_unique_content_per_bot")]
        indexes = [models.Index(fields=["bot", "status"]), models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self):
        return self.name

    @property
    def type_label(self) -> str:
        """PDF, Markdown, Text, CSV or JSON; typed text and the product catalog say so."""
        if self.source_type in (self.SourceType.MANUAL_TEXT, self.SourceType.PRODUCT_CATALOG):
            return self.get_source_type_display()
        return TYPE_LABELS.get(self.mime_type, self.get_source_type_display())

    @property
    def is_busy(self):
        return self.status in (self.Status.PENDING, self.Status.PROCESSING)

    @property
    def progress_percent(self):
        return round(100 * self.progress_done / self.progress_total) if self.progress_total else 0


class ChunkSearchVector(Func):
    """`kaiu_search_vector(language, text[, heading])`: an immutable SQL function (see
    migrations 0001 and 0009) that folds accents and picks the Spanish or English text-search
    configuration. A passage's heading is searched with it: "¿Qué juego trae aptitude?" finds
    the passages under "Jugar al Buscaminas", which rarely repeat the word."""

    function = "kaiu_search_vector"
    output_field = SearchVectorField()


class Chunk(models.Model):
    """A passage of a document, with its embedding and full-text vector. One table for all
    bots: every query filters by `bot` first (btree), then HNSW or GIN does the rest."""

    id = models.BigAutoField(primary_key=True)
    # No single-column indexes on the two keys: (bot, sha256) and (document, index) lead with
    # them already, and every extra index slows the bulk inserts ingestion lives on.
    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="chunks", db_index=False)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks", db_index=False)
    index = models.PositiveIntegerField()
    text = models.TextField()
    sha256 = models.CharField(max_length=64)
    language = models.CharField(max_length=2, default="es")
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    embedding_model = models.CharField(max_length=120)
    search_vector = models.GeneratedField(
        expression=ChunkSearchVector(F("language"), F("text"), KT("metadata__heading")),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    metadata = models.JSONField(default=dict, blank=True)
    token_count = models.PositiveIntegerField(default=0)
    is_enabled = models.BooleanField(default=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    # sha256 of the passage as the file has it, once the text is edited: a re-index that meets
    # the same passage keeps the edit. Empty while unedited (sha256 is then the passage's).
    # A database default, since ingestion writes chunks with COPY and leaves this column out.
    original_sha256 = models.CharField(max_length=64, blank=True, default="", db_default="")

    class Meta:
        ordering = ["document", "index"]
        constraints = [models.UniqueConstraint(fields=["bot", "sha256"], name="chunk_unique_passage_per_bot")]
        indexes = [
            models.Index(fields=["document", "index"]),
            HnswIndex(name="chunk_embedding_hnsw", fields=["embedding"], m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"]),
            GinIndex(name="chunk_search_vector_gin", fields=["search_vector"]),
        ]

    def __str__(self):
        return f"{self.document} #{self.index}"

    @property
    def page(self):
        return self.metadata.get("page")


class EmbeddingCache(models.Model):
    """Vectors already computed, by (provider, model, sha256 of the text): re-indexing or a
    repeated passage never calls the provider twice.

    The provider is the platform's (no tenant: its rows serve every tenant on the platform
    key) or one tenant's own server (its rows serve that tenant only). A model name alone is
    no identity: a tenant's server may call its model `text-embedding-3-small` and would plant
    its vectors in other tenants' knowledge, and learn from its cache hits what they hold."""

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               db_index=False)  # leads the unique constraint below
    provider = models.CharField(max_length=200, blank=True, help_text="The server's base URL; empty: OpenAI's API.")
    model = models.CharField(max_length=120)
    sha256 = models.CharField(max_length=64)
    embedding = VectorField(dimensions=settings.EMBEDDING_DIMENSIONS)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "provider", "model", "sha256"],
                                               name="embedding_cache_unique_per_provider",
                                               nulls_distinct=False)]  # one platform row per text

    def __str__(self):
        return f"{self.model} {self.sha256[:12]}"


class RetrievalDay(models.Model):
    """How often a document was retrieved for an answer on a day (UTC), kept with each answer
    (search.retrievals_record_statement): analytics reads most- and never-retrieved documents
    of any range from it without reading the answers."""

    id = models.BigAutoField(primary_key=True)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["document", "day"], name="retrieval_day_per_document")]

    def __str__(self):
        return f"{self.document_id} {self.day}: {self.count}"


class IngestJob(models.Model):
    """One run of the ingestion pipeline (upload, retry or re-index): the plan counts them.
    Its outcome follows whichever run processes the document, a takeover of a dead run too."""

    class Outcome(models.TextChoices):
        QUEUED = "QUEUED", "Queued"
        RUNNING = "RUNNING", "Running"
        PROCESSED = "PROCESSED", "Processed"
        FAILED = "FAILED", "Failed"
        CANCELLED = "CANCELLED", "Cancelled"  # the document was deleted first

    id = models.BigAutoField(primary_key=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="ingest_jobs",
                               db_index=False)  # (tenant, created_at) below
    document = models.ForeignKey(Document, on_delete=models.SET_NULL, null=True, related_name="jobs")
    reason = models.CharField(max_length=20)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.QUEUED)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["tenant", "created_at"])]

    def __str__(self):
        return f"{self.reason} {self.document_id} {self.outcome}"
