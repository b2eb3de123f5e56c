"""Escalate urgent concerns still unacknowledged an hour after they were recorded.

Each urgent concern's escalation is written to the outbox when it is recorded, due an hour
later, and ``manage.py send_alerts`` (every minute) sends it. This older sweep remains as a
safety net: it writes the escalation for an urgent concern that has none (one recorded before
the outbox) and sends the escalations due."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.concerns.tasks import escalate_overdue_urgent_concerns


class Command(BaseCommand):
    help = "Alert headteachers about urgent concerns not acknowledged within an hour."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = escalate_overdue_urgent_concerns()
        self.stdout.write(f"Escalation alerts sent: {sent}")
