"""Anchor the audit log's chain heads outside the database (hourly, from the sweep in
scripts/run.sh or a cron job in production): a sealed line per chain that moved, appended
to settings.AUDIT_ANCHOR_FILE and, where HAVEN_AUDIT_ANCHOR_EMAIL is set, emailed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from haven.audit.seal import anchor_chains


class Command(BaseCommand):
    help = "Append the audit chains' heads, sealed, to the anchor file outside the database."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--all",
            action="store_true",
            help="Anchor every chain not yet anchored under the current key (after a rotation of the audit key).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = anchor_chains(every=options["all"])
        self.stdout.write(f"Anchored {count} audit chain(s) in {settings.AUDIT_ANCHOR_FILE}.")
