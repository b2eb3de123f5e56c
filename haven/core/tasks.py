"""The task worker's heartbeat (DESIGN §6: django-tasks with its database backend).

django-tasks-db's worker keeps no heartbeat of its own, so Haven gives it work to prove it is
alive: ``manage.py worker_heartbeat`` (hourly in scripts/run.sh, or from cron) enqueues this
task, and /healthz reads when the worker last finished a task (haven.core.health)."""

from __future__ import annotations

from django_tasks import task

from haven.core import clock


@task()
def worker_heartbeat() -> str:
    """Do nothing but finish: the row the worker marks finished is the heartbeat."""
    return clock.now().isoformat()
