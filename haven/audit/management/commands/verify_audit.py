"""Check the audit log's hash chains. Exit 0 when intact; otherwise exit 1 naming the first
broken entry, so a scheduler or an inspector can rely on the exit status."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit.services import audit_verify


class Command(BaseCommand):
    help = "Verify the tamper-evident audit log; exits non-zero naming the first broken entry."

    def handle(self, *args: Any, **options: Any) -> None:
        checked, broken, reason = audit_verify()
        if reason:
            where = (
                f"entry {broken.pk} ({broken.chain} #{broken.seq}, {broken.at.isoformat()})" if broken else "the log"
            )
            raise CommandError(f"Audit log broken at {where}: {reason}. {checked} entries checked.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {checked} entries checked."))
