"""Rebuild the dashboards' roll-up tables from the records (after an import or a restore)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from haven.insights.rollups import rebuild


class Command(BaseCommand):
    help = "Count every school's months again into the roll-up tables."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            if done == total or done % max(1, total // 20) == 0:
                self.stdout.write(f"  {done:,} of {total:,} schools ({time.monotonic() - started:.0f} s)")

        rows = rebuild(progress=progress)
        self.stdout.write(f"Roll-ups rebuilt: {rows:,} rows in {time.monotonic() - started:.1f} s.")
