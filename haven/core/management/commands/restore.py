"""Restore a backup archive into an empty data dir or database, then prove it (haven.core.backup).

ARCHIVE is a path or ``s3://bucket/prefix/haven-....backup``. Checks, each printed: the archive's
authenticity (decrypted with the backup key: HAVEN_BACKUP_KEY, HAVEN_BACKUP_KEY_FILE or
--key-file, which may be given more than once for archives made before a key change), every
file against the manifest, the row count of every table against the manifest, and the audit
log (``verify_audit``). Exits non-zero on any mismatch, so a restore drill can be scripted.
"""

from __future__ import annotations

import base64
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from haven.core import backup
from haven.core.backup import BackupError
from haven.core.backup_crypto import keys_for_restore


class Command(BaseCommand):
    help = "Restore a Haven backup archive into the empty data dir / database the settings name, and check it."
    requires_system_checks: list[str] = []  # nothing may touch the target before it is checked

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", help="the archive: a path, or s3://bucket/prefix/haven-....backup")
        parser.add_argument(
            "--key-file",
            action="append",
            type=Path,
            default=[],
            help="a backup key file (base64); give it more than once to try older keys",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            archive = str(options["archive"])
            if not archive.startswith("s3://"):
                archive = str(Path(archive).resolve())
            problems = self._restore(archive, options["key_file"])
        except BackupError as exc:
            raise CommandError(str(exc), returncode=1) from exc
        if problems:
            for problem in problems:
                self.stderr.write(f"MISMATCH: {problem}")
            raise CommandError(f"Restore finished with {len(problems)} mismatches: do not use it.", returncode=1)
        self.stdout.write(self.style.SUCCESS(f"Restore complete and checked in {time.monotonic() - started:.1f} s."))

    def _say(self, text: str) -> None:
        self.stdout.write(text)

    def _restore(self, archive: str, key_files: list[Path]) -> list[str]:
        if refusal := backup.target_refusal():
            raise BackupError(f"Refusing to restore: {refusal}")
        keys = keys_for_restore(key_files)
        problems: list[str] = []
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=settings.DATA_DIR, prefix=".restore-") as tmp:
            manifest, found, opened = backup.archive_extract(archive, Path(tmp), keys=keys)
            if opened.encrypted:
                self._say(f"Archive: authentic, decrypted with the backup key {opened.key_id} ({opened.key_origin}).")
            else:
                self._say("Archive checksum: ok. It is not encrypted (made before Haven encrypted its backups).")
            listed = manifest["files"]
            for name in sorted(set(found) - set(listed)):
                raise BackupError(f"The archive holds {name}, which its manifest does not list.")
            for name, expected in sorted(listed.items()):
                if name not in found:
                    raise BackupError(f"The manifest lists {name}, which is not in the archive.")
                if backup.sha256_of(found[name]) != expected["sha256"]:
                    raise BackupError(f"{name} does not match its SHA-256 in the manifest.")
            self._say(f"Files: {len(listed)} match their SHA-256 in the manifest.")
            made = manifest["created_at"]
            version = manifest["haven"].get("commit") or manifest["haven"].get("version") or "unknown"
            self._say(f"Archive made {made} by Haven {version}; database {manifest['database']['vendor']}.")

            db = manifest["database"]
            backup.restore_database(db["vendor"], found[db["file"]])
            self._say(f"Database restored into {self._target()}.")
            self._place_files(found)

            counts = backup.restored_counts(db["vendor"])
            expected_counts: dict[str, int] = db["tables"]
            for table in sorted(set(expected_counts) | set(counts)):
                if counts.get(table) != expected_counts.get(table):
                    problems.append(
                        f"table {table}: {counts.get(table, 'missing')} rows, the manifest says "
                        f"{expected_counts.get(table, 'no such table')}"
                    )
            if not problems:
                self._say(f"Row counts: {len(counts)} tables, {sum(counts.values())} rows, as in the manifest.")

        try:
            call_command("verify_audit", stdout=self.stdout, stderr=self.stderr)
        except CommandError as exc:
            problems.append(str(exc))
        return problems

    def _target(self) -> str:
        db = settings.DATABASES["default"]
        if db["ENGINE"].endswith("sqlite3"):
            return str(db["NAME"])
        return f"PostgreSQL database {db['NAME']} on {db.get('HOST') or 'localhost'}"

    def _place_files(self, found: dict[str, Path]) -> None:
        uploads = [name for name in found if name.startswith("uploads/")]
        root = backup.media_root()
        for name in uploads:
            backup.place(found[name], root.joinpath(*Path(name).parts[1:]))
        self._say(f"Uploads: {len(uploads)} files into {root}.")
        if backup.ANCHORS_NAME in found:
            backup.place(found[backup.ANCHORS_NAME], Path(settings.AUDIT_ANCHOR_FILE))
            self._say(f"Audit anchors: {settings.AUDIT_ANCHOR_FILE}.")
        for key, path in backup.key_files().items():
            name = backup.KEY_NAMES[key]
            if name not in found and key == "field_keys_old":
                continue  # there were no older field keys
            if name not in found:
                self._say(f"Key {key}: not in the archive; set it as when the backup was made.")
            elif path is None:
                self._say(f"Key {key}: the environment sets it here; the archive's copy was not used.")
            else:
                backup.place(found[name], path, mode=0o600)
                self._say(f"Key {key}: {path}.")
                # This process read the freshly made key at start-up; the checks need the restored one.
                value = path.read_text().strip()
                if key == "audit_key":
                    settings.AUDIT_KEY = value.encode()
                elif key == "field_key":
                    settings.FIELD_KEY = base64.b64decode(value.replace("-", "+").replace("_", "/"))
                elif key == "field_keys_old":
                    settings.FIELD_KEYS_OLD = [
                        base64.b64decode(k.strip().replace("-", "+").replace("_", "/"))
                        for k in value.splitlines()
                        if k.strip()
                    ]
                else:
                    settings.SECRET_KEY = value
        if os.environ.get("HAVEN_AUDIT_KEY") and backup.KEY_NAMES["audit_key"] in found:
            self._say("HAVEN_AUDIT_KEY is set: the audit log is checked with it.")
