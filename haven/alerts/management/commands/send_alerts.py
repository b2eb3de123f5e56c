"""Send the email alerts now due (the outbox, haven.alerts): run it every minute from cron.

    * * * * *  cd /srv/haven && .venv/bin/python manage.py send_alerts

The worker sends each alert the moment its record is saved; this sweep sends whatever that
missed (the mail server was down, the worker was stopped) and each escalation when it falls
due. Safe to run while another sweep or the worker is sending: each alert is claimed first.
Failed alerts are tried again later, so the command itself succeeds when email fails."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.alerts.delivery import send_due


class Command(BaseCommand):
    help = "Send the email alerts now due, and try again those that failed."

    def handle(self, *args: Any, **options: Any) -> None:
        result = send_due()
        self.stdout.write(
            f"Alerts sent: {result.sent}; failed (to try again): {result.failed}; "
            f"skipped (inactive account): {result.skipped}; not needed: {result.cancelled}"
        )
