"""Escalate urgent concerns still unacknowledged an hour after they were recorded.

The task worker schedules each check itself; this sweep is a safety net for a cron job
(after a worker outage, or on a task backend that cannot defer)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.concerns.tasks import escalate_overdue_urgent_concerns


class Command(BaseCommand):
    help = "Alert headteachers about urgent concerns not acknowledged within an hour."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = escalate_overdue_urgent_concerns()
        self.stdout.write(f"Escalation alerts sent: {sent}")
