"""Write one encrypted backup archive into a folder or an S3 store, then prune the older ones
(haven.core.backup)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.core.backup import BackupError, backup_write, prune
from haven.core.backup_crypto import key_for_backup

KEEP = {"daily": 7, "weekly": 4, "monthly": 12}


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


def _keep_default(period: str) -> int:
    var = f"HAVEN_BACKUP_KEEP_{period.upper()}"
    value = os.environ.get(var, "").strip()
    if not value:
        return KEEP[period]
    if not value.isdigit():
        raise CommandError(f"{var} must be a whole number, 0 or more, not {value!r}.")
    return int(value)


class Command(BaseCommand):
    help = (
        "Back up the database, uploads, keys and audit anchors into one encrypted archive in --to "
        "(a folder, or s3://bucket/prefix), then prune older archives there. The archive's path is "
        "the last line printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to", default=None, help="folder or s3://bucket/prefix for the archive (default: DATA_DIR/backups)"
        )
        for period, word in (("daily", "days"), ("weekly", "weeks"), ("monthly", "months")):
            parser.add_argument(
                f"--keep-{period}",
                type=int,
                default=None,
                help=f"newest archive of each of the last N {word} (default {KEEP[period]}, "
                f"or HAVEN_BACKUP_KEEP_{period.upper()})",
            )

    def handle(self, *args: Any, **options: Any) -> None:
        to = options["to"] or str(settings.DATA_DIR / "backups")
        if not to.startswith("s3://"):
            to = str(Path(to).resolve())
        keep = {p: options[f"keep_{p}"] if options[f"keep_{p}"] is not None else _keep_default(p) for p in KEEP}
        if min(keep.values()) < 0:
            raise CommandError("--keep-daily, --keep-weekly and --keep-monthly must be 0 or more.")
        try:
            key, made = key_for_backup()
            if made:
                self.stdout.write(
                    f"A new backup key was made: {made}\n"
                    "Keep a copy of it apart from the backups (a password manager, a safe, another machine): "
                    "no archive can be restored without it, and anyone with both can read everything. "
                    "This is said once."
                )
            written = backup_write(to, key=key)
            removed = prune(to, protect=written.location, **keep)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        db = written.manifest["database"]
        files = written.manifest["files"]
        uploads = sum(1 for name in files if name.startswith("uploads/"))
        self.stdout.write(f"Database: {db['vendor']}, {len(db['tables'])} tables, {db['rows']} rows.")
        self.stdout.write(
            f"Files: {uploads} uploads; keys: " + ", ".join(f"{k} {v}" for k, v in written.manifest["keys"].items())
        )
        self.stdout.write(f"Encrypted with the backup key {key.key_id} ({key.origin}).")
        for name in removed:
            self.stdout.write(f"Pruned {name}")
        self.stdout.write(f"Wrote {_size(written.bytes)} in {written.seconds:.1f} s:")
        self.stdout.write(written.location)
