from django.apps import AppConfig
from django.db.models.signals import post_migrate


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


def _schedule_recovery(sender=None, **kwargs):
    """Every five minutes, pick up documents whose run died (worker killed, machine restarted)."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func="documents.tasks.recover_stalled_documents",
        defaults={"name": "Recover stalled documents", "schedule_type": Schedule.MINUTES, "minutes": 5,
                  "repeats": -1},
    )
