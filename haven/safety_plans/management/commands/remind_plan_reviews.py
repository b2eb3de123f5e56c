"""Email safeguarding leads about safety plan reviews that have fallen due (for a daily cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.safety_plans.tasks import plan_review_reminders


class Command(BaseCommand):
    help = "Queue the safety plan review reminders (each due review is reminded about once)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", action="store_true", help="Send them now instead of through the task worker.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["now"]:
            self.stdout.write(f"Review reminders sent: {plan_review_reminders.call()}")
        else:
            result = plan_review_reminders.enqueue()
            self.stdout.write(f"Review reminders queued (task {result.id}).")
