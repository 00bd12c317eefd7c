from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Knowledge base"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from documents import services
        from kaiu.accounts import quotas

        quotas.register_counter("documents", services.documents_in_fullest_bot)
        quotas.register_counter("storage_mb", services.storage_mb)
        quotas.register_counter("ingest_jobs_month", services.ingest_jobs_this_month)
        post_migrate.connect(_schedule_recovery, sender=self, dispatch_uid="documents.recovery_schedule")
        # Storage housekeeping, not domain logic: bots may not import documents (apps depend one
        # way), yet a deleted bot's files and chunk partition must go too.
        post_delete.connect(_bot_deleted, sender="bots.Bot", dispatch_uid="documents.bot_deleted")
        post_delete.connect(_document_deleted, sender="documents.Document", dispatch_uid="documents.document_deleted")


def _bot_deleted(sender, instance, **kwargs):
    """Its chunks went with it (CASCADE); the empty partition is dropped once that commits."""
    from documents.partitions import drop_chunk_partition

    bot_id = instance.pk
    transaction.on_commit(lambda: drop_chunk_partition(bot_id))


def _document_deleted(sender, instance, **kwargs):
    """However a document goes (deleted alone, or with its bot), its file goes after commit."""
    if instance.file.name:
        storage, name = instance.file.storage, instance.file.name
        transaction.on_commit(lambda: storage.delete(name))


def _schedule_recovery(sender=None, **kwargs):
    """Every five minutes, pick up documents whose run died (worker killed, machine restarted)."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func="documents.tasks.recover_stalled_documents",
        defaults={"name": "Recover stalled documents", "schedule_type": Schedule.MINUTES, "minutes": 5,
                  "repeats": -1},
    )
