"""Write one backup archive into a folder and prune the older ones (haven.core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.core.backup import BackupError, backup_write, prune


def _size(n: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)  # pragma: no cover


class Command(BaseCommand):
    help = (
        "Back up the database, uploads, keys and audit anchors into one archive in --to, then prune "
        "older archives there. The archive's path is the last line printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", type=Path, default=None, help="folder for the archive (default: DATA_DIR/backups)")
        parser.add_argument("--keep-daily", type=int, default=7, help="newest archive of each of the last N days")
        parser.add_argument("--keep-weekly", type=int, default=4, help="newest archive of each of the last N weeks")
        parser.add_argument("--keep-monthly", type=int, default=12, help="newest archive of each of the last N months")

    def handle(self, *args: Any, **options: Any) -> None:
        to = Path(options["to"] or settings.DATA_DIR / "backups").resolve()
        if min(options["keep_daily"], options["keep_weekly"], options["keep_monthly"]) < 0:
            raise CommandError("--keep-daily, --keep-weekly and --keep-monthly must be 0 or more.")
        try:
            written = backup_write(to)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        db = written.manifest["database"]
        files = written.manifest["files"]
        uploads = sum(1 for name in files if name.startswith("uploads/"))
        self.stdout.write(f"Database: {db['vendor']}, {len(db['tables'])} tables, {db['rows']} rows.")
        self.stdout.write(
            f"Files: {uploads} uploads; keys: " + ", ".join(f"{k} {v}" for k, v in written.manifest["keys"].items())
        )
        self.stdout.write(
            "Not encrypted: keep this archive on encrypted storage that only those who may restore can read."
        )
        removed = prune(
            to,
            daily=options["keep_daily"],
            weekly=options["keep_weekly"],
            monthly=options["keep_monthly"],
            protect=written.path,
        )
        for path in removed:
            self.stdout.write(f"Pruned {path.name}")
        self.stdout.write(f"Wrote {_size(written.bytes)} in {written.seconds:.1f} s:")
        self.stdout.write(str(written.path))
