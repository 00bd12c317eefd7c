"""/healthz for load balancers and people: database, pgvector and the worker's heartbeat."""

from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from kaiu.platform.tasks import HEARTBEAT_TASK


def _last_heartbeat():
    from django_q.models import Task

    task = Task.objects.filter(func=HEARTBEAT_TASK).order_by("-stopped").only("stopped").first()
    return task.stopped if task else None


@never_cache
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'vector'")
            row = cursor.fetchone()
        last_beat = _last_heartbeat()
    except Exception as exc:  # any database failure is reported, never raised
        return JsonResponse(
            {"status": "error", "database": "unavailable", "error": exc.__class__.__name__}, status=503
        )
    stale_after = timedelta(seconds=settings.WORKER_HEARTBEAT_STALE_SECONDS)
    worker_ok = last_beat is not None and timezone.now() - last_beat < stale_after
    return JsonResponse({
        "status": "ok",
        "database": "ok",
        "pgvector": row[0] if row else None,
        "worker": {
            "status": "ok" if worker_ok else ("starting" if last_beat is None else "stale"),
            "last_heartbeat": last_beat.isoformat() if last_beat else None,
        },
    })
