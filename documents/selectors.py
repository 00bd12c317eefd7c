from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from bots.models import Bot
from documents.models import Chunk, Document
from kaiu.ai.embeddings import embedder_for


def bot_list_with_knowledge_for_tenant(tenant):
    return Bot.objects.filter(tenant=tenant).annotate(
        document_count=Count("documents", distinct=True),
        failed_count=Count("documents", filter=Q(documents__status=Document.Status.FAILED), distinct=True),
    ).order_by("name")


def document_list_for_bot(bot):
    return Document.objects.filter(bot=bot).order_by("-created_at")


def document_get_for_tenant(tenant, document_id) -> Document:
    return get_object_or_404(Document.objects.select_related("bot"), tenant=tenant, pk=document_id)


def chunk_get_for_tenant(tenant, chunk_id) -> Chunk:
    # Chunks reach their tenant through the bot.
    return get_object_or_404(Chunk.objects.select_related("document", "bot"), bot__tenant=tenant, pk=chunk_id)


def chunk_count_stale_for_bot(bot) -> int:
    """Chunks embedded by another model than the bot's current one (the provider changed):
    vector search cannot compare them until the bot is re-indexed."""
    return Chunk.objects.filter(bot=bot).exclude(embedding_model=embedder_for(bot).model_name).count()
