"""Keep a bot's status and knowledge_version in step with its documents."""

from django.db.models import Count, Q

from bots.services import bot_set_knowledge_state
from documents.models import Document


def refresh_bot(bot_id, *, changed: bool = False) -> None:
    """Recompute the bot's status from its documents; `changed` means what the bot knows
    changed (chunks added, removed or edited), so caches keyed on the version expire."""
    counts = Document.objects.filter(bot_id=bot_id).aggregate(
        busy=Count("pk", filter=Q(status__in=[Document.Status.PENDING, Document.Status.PROCESSING])),
        failed=Count("pk", filter=Q(status=Document.Status.FAILED)),
        ready=Count("pk", filter=Q(status=Document.Status.PROCESSED)),
    )
    if counts["busy"]:
        status = "PROCESSING_DOCUMENTS"
    elif counts["failed"] and not counts["ready"]:
        status = "ERROR"  # nothing to answer from; a few failures beside good documents are shown per document
    else:
        status = "READY"
    bot_set_knowledge_state(bot_id, status=status, bump_version=changed)
