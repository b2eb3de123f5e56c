"""Delete the API's idempotency keys once they are 24 hours old (run hourly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.api.models import IDEMPOTENCY_LIFETIME, IdempotencyKey
from haven.core import clock


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than 24 hours, with the answers they kept (run hourly)."

    def handle(self, *args: Any, **options: Any) -> None:
        deleted, _ = IdempotencyKey.objects.filter(created_at__lte=clock.now() - IDEMPOTENCY_LIFETIME).delete()
        self.stdout.write(f"{deleted} idempotency key{'' if deleted == 1 else 's'} older than 24 hours deleted.")
