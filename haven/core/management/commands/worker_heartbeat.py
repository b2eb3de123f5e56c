"""Give the task worker a heartbeat task to finish; /healthz shows when it last did."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from haven.core.tasks import worker_heartbeat


class Command(BaseCommand):
    help = "Enqueue the task worker's heartbeat (run hourly; /healthz reports the worker stale after 2 hours)."

    def handle(self, *args: Any, **options: Any) -> None:
        result = worker_heartbeat.enqueue()
        self.stdout.write(f"Heartbeat task {result.id} enqueued.")
