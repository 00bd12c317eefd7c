import logging
import threading

from django.apps import AppConfig
from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_migrate

logger = logging.getLogger(__name__)


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = "Knowledge base"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django_q.signals import post_spawn

        from documents import services
        from kaiu.accounts import quotas

        quotas.register_counter("documents", services.documents_in_fullest_bot)
        quotas.register_counter("storage_mb", services.storage_mb)
        quotas.register_counter("ingest_jobs_month", services.ingest_jobs_this_month)
        post_migrate.connect(_schedule_recovery, sender=self, dispatch_uid="documents.recovery_schedule")
        post_spawn.connect(_recover_after_spawn, dispatch_uid="documents.recover_after_spawn")
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
    """Every minute, pick up documents whose run died on a machine that did not come back."""
    from django_q.models import Schedule

    Schedule.objects.update_or_create(  # update: installs from before scheduled it every 5 minutes
        func="documents.tasks.recover_stalled_documents",
        defaults={"name": "Recover stalled documents", "schedule_type": Schedule.MINUTES, "minutes": 1,
                  "repeats": -1},
    )


def _recover_after_spawn(sender=None, **kwargs):
    """A worker process starts: with its cluster, or in place of one that died, maybe in the
    middle of a document. That run's heartbeat is stale INGEST_STALE_SECONDS later: look for
    it then, rather than up to a minute later with the schedule."""
    from django_q.conf import Conf

    if Conf.SYNC:  # sync mode (tests) runs every task through an in-process "worker": no process started
        return
    timer = threading.Timer(settings.INGEST_STALE_SECONDS + 1, _recover_now)
    timer.daemon = True
    timer.start()


def _recover_now():
    from documents.services import recover_stalled_documents

    try:
        recover_stalled_documents()
    except Exception:  # the minute schedule tries again
        logger.exception("Recovering stalled documents failed")
    finally:
        connection.close()  # the connection this thread opened
