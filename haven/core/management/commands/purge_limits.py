"""Delete expired rate-limit counts and destroy salts past their day and grace hour."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.core import ratelimit


class Command(BaseCommand):
    help = "Delete expired rate-limit counts and salts (run hourly; Redis expires its own)."

    def handle(self, *args: Any, **options: Any) -> None:
        n = ratelimit.purge()
        self.stdout.write(f"Deleted {n} expired rate-limit row(s).")
