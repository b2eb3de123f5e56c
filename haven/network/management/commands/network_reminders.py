"""Send the day-before meeting reminders and action-due reminders that are due.

The task worker runs each sweep when a reminder falls due; this command is what a cron job
calls (hourly is plenty) after a worker outage or on a backend that cannot defer. Reminders
already sent are recorded and never sent again."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.network.tasks import send_network_reminders


class Command(BaseCommand):
    help = "Email network meeting reminders (a day before) and reminders of actions falling due."

    def handle(self, *args: Any, **options: Any) -> None:
        meetings, actions = send_network_reminders()
        self.stdout.write(f"Meeting reminders sent: {meetings}; action reminders sent: {actions}")
