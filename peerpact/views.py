"""Site-wide endpoints that belong to no app."""

from __future__ import annotations

from datetime import timedelta

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

# A worker touches its heartbeat every few seconds while it runs; this much silence means none is alive.
WORKER_SILENT_AFTER = timedelta(minutes=2)


@never_cache
def liveness(request: HttpRequest) -> HttpResponse:
    """Answers as long as the process serves requests; touches nothing else (no database, no templates).

    The liveness probe for process supervisors, and the "hello world" floor every page is measured
    against in bench/ (it passes through the whole middleware stack, like every page).
    """
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness, database reachability, and the worker's pulse and backlog, for probes and dashboards.

    Answers 503 only when the database is unreachable: a missing worker is reported, not fatal for web.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        return JsonResponse({"status": "degraded", "database": "unreachable"}, status=503)
    from peerpact.notifications.models import WorkerHeartbeat
    from peerpact.notifications.outbox import queue_depth

    now = timezone.now()
    last_seen = WorkerHeartbeat.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    return JsonResponse(
        {
            "status": "ok",
            "database": "ok",
            "worker": {
                "alive": bool(last_seen and now - last_seen < WORKER_SILENT_AFTER),
                "last_seen": last_seen.isoformat() if last_seen else None,
            },
            "queue": {"due": queue_depth(now=now)},
        }
    )
