from django.contrib import admin, messages

from documents import services
from documents.models import Chunk, Document, EmbeddingCache, IngestJob, RetrievalDay
from kaiu.platform.admin import SystemRowAdmin


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["name", "bot", "tenant", "source_type", "status", "chunk_count", "attempts", "created_at"]
    list_filter = ["status", "source_type"]
    search_fields = ["name", "bot__name", "tenant__name", "sha256"]
    readonly_fields = ["tenant", "bot", "file", "sha256", "mime_type", "size_bytes", "chunk_count",
                       "duplicate_chunk_count", "page_count", "progress_done", "progress_total", "attempts",
                       "heartbeat_at", "processed_at", "retrieval_count", "last_retrieved_at", "created_by"]
    exclude = ["claim_token"]
    actions = ["retry_failed", "reindex"]

    @admin.action(description="Retry the selected failed documents")
    def retry_failed(self, request, queryset):
        for document in queryset.filter(status=Document.Status.FAILED, permanent_failure=False):
            services.document_retry(document=document)

    @admin.action(description="Re-index the selected documents")
    def reindex(self, request, queryset):
        for document in queryset.exclude(status__in=[Document.Status.PENDING, Document.Status.PROCESSING]):
            services.document_reindex(document=document, enforce_quota=False)

    def has_add_permission(self, request):
        return False  # documents arrive through the pipeline (dashboard upload or API)


@admin.register(Chunk)
class ChunkAdmin(admin.ModelAdmin):
    list_display = ["document", "index", "bot", "is_enabled", "embedding_model", "token_count"]
    list_filter = ["is_enabled", "embedding_model"]
    search_fields = ["text", "document__name", "bot__name"]
    exclude = ["embedding"]
    # The text is edited in the dashboard, which embeds it again; here only is_enabled changes.
    readonly_fields = ["bot", "document", "index", "text", "sha256", "language", "embedding_model", "token_count",
                       "metadata", "edited_at"]
    list_select_related = ["document", "bot"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # the document's chunk count would lie: disable the chunk, or delete the document

    def save_model(self, request, obj, form, change):
        # Through the dashboard's service: the bot's knowledge moves on, so no cached answer
        # keeps quoting a chunk that was just disabled.
        if "is_enabled" in form.changed_data:
            try:
                services.chunk_set_enabled(chunk=obj, enabled=obj.is_enabled)
            except services.DocumentError as error:  # its document is being processed
                self.message_user(request, str(error), messages.ERROR)


@admin.register(EmbeddingCache)
class EmbeddingCacheAdmin(SystemRowAdmin):
    list_display = ["model", "provider", "tenant", "sha256", "created_at"]
    list_filter = ["model"]
    search_fields = ["sha256"]
    exclude = ["embedding"]
    deletable = True  # a deleted vector is computed again when next needed


@admin.register(IngestJob)
class IngestJobAdmin(SystemRowAdmin):
    list_display = ["document", "tenant", "reason", "outcome", "created_at", "finished_at"]
    list_filter = ["outcome", "reason"]
    search_fields = ["document__name", "tenant__name"]
    # Not deletable either: the plan's monthly job limit counts these rows.


@admin.register(RetrievalDay)
class RetrievalDayAdmin(SystemRowAdmin):
    list_display = ["document", "day", "count"]
    list_select_related = ["document"]
