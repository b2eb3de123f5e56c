"""Email the owners of API tokens that stop working within 14 days (run hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.api.services import token_expiry_reminders


class Command(BaseCommand):
    help = "Remind the owner of each API token that stops working within 14 days, once per token (run hourly)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = token_expiry_reminders()
        self.stdout.write(f"{sent} API token reminder{'' if sent == 1 else 's'} sent.")
