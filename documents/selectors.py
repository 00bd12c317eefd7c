from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from bots.models import Bot
from documents.models import Chunk, Document, RetrievalDay
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


def document_retrievals_for_range(tenant, since, until, *, bot=None, limit: int = 10) -> dict:
    """The processed documents most retrieved for answers on the UTC days `since`..`until`,
    and those never retrieved then (oldest first: the likeliest to be stale), each with its
    bot; one statement over the documents and their retrieval days."""
    in_range = (RetrievalDay.objects.filter(document=OuterRef("pk"), day__gte=since, day__lte=until)
                .values("document").annotate(total=Sum("count")).values("total"))
    documents = (Document.objects.filter(tenant=tenant, status=Document.Status.PROCESSED)
                 .annotate(retrievals=Coalesce(Subquery(in_range, output_field=IntegerField()), Value(0)))
                 .values("id", "name", "bot__name", "bot__public_id", "created_at", "retrievals"))
    if bot is not None:
        documents = documents.filter(bot=bot)
    rows = list(documents.order_by("-retrievals", "created_at")[:2000])
    return {"most": [row for row in rows if row["retrievals"]][:limit],
            "never": [row for row in rows if not row["retrievals"]][:limit],
            "never_count": sum(1 for row in rows if not row["retrievals"])}
