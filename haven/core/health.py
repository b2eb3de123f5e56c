"""What /healthz reports: the database, the task worker, alerts waiting to go out, the last backup.

Only the database decides the status code (503 when it does not answer). A stale worker, a
queue that is not moving or an old backup show as ``"stale"`` in the body and make the
overall ``status`` ``"degraded"``, but keep 200: a load balancer takes a 503 instance out of
service, and taking the web server away mends none of those; it would only stop staff
recording concerns and DSLs seeing urgent ones on their dashboard, which works without the
worker. Monitoring should alert on ``status`` in the body, not only on the code.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Case, F, When
from django.db.models.functions import Greatest

from haven.core import clock

# scripts/run.sh enqueues a heartbeat hourly: two missed in a row is stale.
WORKER_STALE_AFTER = dt.timedelta(hours=2)
# The worker polls every second: a task ready for ten minutes means nobody is taking them.
QUEUE_STALE_AFTER = dt.timedelta(minutes=10)
BACKUP_STALE_AFTER = dt.timedelta(hours=26)  # daily backups, with two hours' grace
LAST_BACKUP_FILE = "last-backup.json"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def _age(value: dt.datetime | None, now: dt.datetime) -> int | None:
    return int((now - value).total_seconds()) if value else None


def database_check() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return {"status": "unavailable", "error": type(exc).__name__}
    return {"status": "ok", "vendor": connection.vendor}


def _uses_database_tasks() -> bool:
    return bool(settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend")


def worker_check(now: dt.datetime) -> dict[str, Any]:
    """The newest task the worker finished (an hourly heartbeat task keeps this fresh,
    haven.core.tasks), and whether a task has been ready longer than it should wait."""
    if not _uses_database_tasks():
        return {"status": "not used", "backend": settings.TASKS["default"]["BACKEND"]}
    from django_tasks_db.models import DBTaskResult

    last = (
        DBTaskResult.objects.filter(finished_at__isnull=False)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    waiting = _oldest_ready(now)
    stale = last is None or now - last > WORKER_STALE_AFTER
    stale = stale or (waiting is not None and now - waiting[0] > QUEUE_STALE_AFTER)
    return {
        "status": "stale" if stale else "ok",
        "last_task_finished_at": _iso(last),
        "last_task_finished_seconds_ago": _age(last, now),
    }


def _oldest_ready(now: dt.datetime) -> tuple[dt.datetime, str] | None:
    """When the longest-waiting ready task became due, and its task: a deferred task (the
    escalation an hour after an urgent concern) waits from its run_after, others from enqueue."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    row = (
        DBTaskResult.objects.ready()
        .annotate(
            due=Case(
                When(run_after=get_date_max(), then=F("enqueued_at")), default=Greatest("enqueued_at", "run_after")
            )
        )
        .order_by("due")
        .values_list("due", "task_path")
        .first()
    )
    return (row[0], row[1]) if row else None


# Checks registered by the apps above core (core imports none of them): haven.alerts adds
# its outbox (the oldest unsent alert, failing delivery) to ``alerts`` from its AppConfig.ready.
_ALERT_CHECKS: list[Callable[[dt.datetime], dict[str, Any]]] = []
_WORST = ["ok", "stale", "failing"]


def register_alerts_check(check: Callable[[dt.datetime], dict[str, Any]]) -> None:
    """Add ``check(now)``'s keys to /healthz ``alerts``; its ``delivery`` (ok, stale or failing)
    counts towards the status."""
    if check not in _ALERT_CHECKS:
        _ALERT_CHECKS.append(check)


def alerts_check(now: dt.datetime) -> dict[str, Any]:
    """Alerts and emails still to go out. Alerts live in an outbox (haven.alerts) until sent:
    its oldest unsent alert and whether delivery is failing come from the registered checks.
    Reminders and other emails are sent by tasks, so the oldest ready task is the oldest
    unsent of those, and a task that failed in the last day is one that may never have gone."""
    statuses = []
    body: dict[str, Any] = {}
    if _uses_database_tasks():
        from django_tasks_db.models import DBTaskResult

        waiting = _oldest_ready(now)
        failed = DBTaskResult.objects.failed().filter(finished_at__gte=now - dt.timedelta(days=1)).count()
        if waiting is not None and now - waiting[0] > QUEUE_STALE_AFTER:
            statuses.append("stale")
        elif failed:
            statuses.append("failing")
        else:
            statuses.append("ok")
        body |= {
            "queued": DBTaskResult.objects.ready().count(),
            "oldest_queued_since": _iso(waiting[0]) if waiting else None,
            "oldest_queued_seconds": _age(waiting[0], now) if waiting else None,
            "oldest_queued_task": waiting[1] if waiting else None,
            "failed_last_day": failed,
        }
    else:
        body["backend"] = settings.TASKS["default"]["BACKEND"]
    for check in _ALERT_CHECKS:
        part = check(now)
        statuses.append(part.get("delivery", "ok"))
        body |= part
    if not statuses:
        return {"status": "not used"} | body
    return {"status": max(statuses, key=_WORST.index)} | body


def backup_check(now: dt.datetime) -> dict[str, Any]:
    """When ``manage.py backup`` last wrote an archive (it leaves last-backup.json in the data dir)."""
    path = settings.DATA_DIR / LAST_BACKUP_FILE
    try:
        last = json.loads(path.read_text())
        at = dt.datetime.fromisoformat(last["at"])
    except FileNotFoundError:
        return {"status": "stale", "last_backup_at": None, "detail": "no backup has been written"}
    except (OSError, ValueError, KeyError, TypeError):
        return {"status": "stale", "last_backup_at": None, "detail": f"{LAST_BACKUP_FILE} cannot be read"}
    return {
        "status": "stale" if now - at > BACKUP_STALE_AFTER else "ok",
        "last_backup_at": at.isoformat(),
        "last_backup_seconds_ago": _age(at, now),
        "archive": last.get("archive"),
        "bytes": last.get("bytes"),
    }


def _unavailable(error: str, now: dt.datetime) -> tuple[int, dict[str, Any]]:
    unknown = {"status": "unknown", "detail": "needs the database"}
    return 503, {
        "status": "unavailable",
        "database": {"status": "unavailable", "error": error},
        "worker": unknown,
        "alerts": unknown,
        "backup": backup_check(now),
    }


def health() -> tuple[int, dict[str, Any]]:
    """(HTTP status, body) for /healthz."""
    now = clock.now()
    database = database_check()
    if database["status"] != "ok":
        return _unavailable(database["error"], now)
    try:
        worker, alerts = worker_check(now), alerts_check(now)
    except DatabaseError as exc:  # the database went away between the checks
        return _unavailable(type(exc).__name__, now)
    body = {"database": database, "worker": worker, "alerts": alerts, "backup": backup_check(now)}
    degraded = any(part["status"] not in {"ok", "not used"} for part in body.values())
    return 200, {"status": "degraded" if degraded else "ok"} | body
