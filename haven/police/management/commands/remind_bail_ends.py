"""Email safeguarding leads about police bail conditions about to end (for a daily cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.police.tasks import bail_end_reminders


class Command(BaseCommand):
    help = "Queue the reminders of bail conditions ending within three school days (each sent once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="Send them now instead of through the task worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            self.stdout.write(f"Bail reminders sent: {bail_end_reminders.call()}")
        else:
            result = bail_end_reminders.enqueue()
            self.stdout.write(f"Bail reminders queued (task {result.id}).")
