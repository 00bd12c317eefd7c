from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        post_migrate.connect(_schedule_pruning, sender=self, dispatch_uid="chat.prune_schedule")
        # Whether a bot has curated answers is kept per process for a few seconds (chat.curated).
        from chat.models import CuratedAnswer
        from kaiu.local_cache import local_caches_clear

        post_save.connect(local_caches_clear, sender=CuratedAnswer, dispatch_uid="local_cache.saved.CuratedAnswer")
        post_delete.connect(local_caches_clear, sender=CuratedAnswer, dispatch_uid="local_cache.deleted.CuratedAnswer")


def _schedule_pruning(sender=None, **kwargs):
    """Every ten minutes, drop expired cached answers and finished rate-limit windows."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func="chat.tasks.prune",
        defaults={"name": "Prune chat caches and counters", "schedule_type": Schedule.MINUTES, "minutes": 10,
                  "repeats": -1},
    )
