"""The worker's side of the outbox: send what is due (as ``manage.py send_alerts`` does)."""

from __future__ import annotations

from django_tasks import task

from .delivery import send_due


@task()
def send_due_alerts() -> int:
    """Send every alert now due; returns how many went. Failures are recorded on the rows
    and retried later, so this task itself does not fail when email does."""
    return send_due().sent
