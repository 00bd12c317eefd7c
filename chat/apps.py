from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ChatConfig(AppConfig):
    name = "chat"
    verbose_name = "Conversations"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from chat import services
        from kaiu.accounts import quotas

        quotas.register_counter("questions_month", services.questions_this_month)
        post_migrate.connect(_schedule_pruning, sender=self, dispatch_uid="chat.prune_schedule")


def _schedule_pruning(sender=None, **kwargs):
    """Every ten minutes, drop expired cached answers and finished rate-limit windows."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func="chat.tasks.prune",
        defaults={"name": "Prune chat caches and counters", "schedule_type": Schedule.MINUTES, "minutes": 10,
                  "repeats": -1},
    )
