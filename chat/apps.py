from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from chat.progress import register_steps

        post_migrate.connect(_schedule_pruning, sender=self, dispatch_uid="chat.prune_schedule")
        register_steps()  # the overview's "Next steps"
        # Whether a bot has curated answers is kept per process for a few seconds (chat.curated).
        from chat.models import CuratedAnswer
        from kaiu.local_cache import clear_on_change

        clear_on_change(CuratedAnswer)


def _schedule_pruning(sender=None, **kwargs):
    """Every ten minutes, drop expired cached answers; every minute, send WhatsApp messages
    whose retry is due or whose worker died (chat.whatsapp.outbound)."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func="chat.tasks.prune",
        defaults={"name": "Prune cached answers", "schedule_type": Schedule.MINUTES, "minutes": 10,
                  "repeats": -1},
    )
    Schedule.objects.get_or_create(
        func="chat.whatsapp.tasks.sweep",
        defaults={"name": "WhatsApp retries", "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    )
