"""django-q2 entry points of the platform, and the schedule that runs them."""

from django.utils import timezone

from kaiu.platform.limits import rate_counters_prune

HEARTBEAT_TASK = "kaiu.platform.tasks.heartbeat"


def heartbeat() -> str:
    """Run every minute by the worker; its completion time is the worker's heartbeat (/healthz)."""
    return timezone.now().isoformat()


def prune() -> str:
    return f"{rate_counters_prune()} rate windows removed"


def ensure_schedules(sender=None, **kwargs) -> None:
    """Schedule the platform's periodic tasks once; run after every migrate."""
    from django_q.models import Schedule

    Schedule.objects.get_or_create(
        func=HEARTBEAT_TASK,
        defaults={"name": "Worker heartbeat", "schedule_type": Schedule.MINUTES, "minutes": 1, "repeats": -1},
    )
    Schedule.objects.get_or_create(
        func="kaiu.platform.tasks.prune",
        defaults={"name": "Prune rate-limit windows", "schedule_type": Schedule.MINUTES, "minutes": 10,
                  "repeats": -1},
    )
    # The analytics rollup (chat.rollup); named, not imported: kaiu imports no app of ours.
    Schedule.objects.get_or_create(
        func="chat.tasks.analytics_rollup",
        defaults={"name": "Analytics daily rollup", "schedule_type": Schedule.HOURLY, "repeats": -1},
    )
