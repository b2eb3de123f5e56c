"""Re-encrypt every narrative under the current field key, after a key rotation.

The procedure (docs/deploy.md, "Narratives encrypted at rest, and rotating the field key"):

1. Make a new key; put the current one in HAVEN_FIELD_KEYS_OLD (or a line of the data dir's
   ``field_keys_old`` file) and the new one in HAVEN_FIELD_KEY (or the ``field_key`` file);
   restart. Everything still reads: values name the key that sealed them.
2. Run this command. It first writes the search indexes (haven.core.blindindex) afresh
   under the new key (until then, searches miss older text), then re-encrypts, table
   by table in batches of ``--batch`` rows each in its own transaction, every value still
   under an older key. It can be stopped and run again: values already under the current
   key are left alone.
3. When it reports none left, and no backup you may still restore was made under the old
   key, remove the old key.

``--check`` only counts the values still under an older key.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from haven.core import blindindex, fieldcrypt


class Command(BaseCommand):
    help = "Re-encrypt narratives under the current field key and rebuild the search index."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=500, help="rows per transaction (500)")
        parser.add_argument("--check", action="store_true", help="only count values under an older key")

    def handle(self, *args: Any, **options: Any) -> None:
        key = fieldcrypt.current_key_id()
        if options["check"]:
            left = fieldcrypt.under_older_keys(connection)
            self.stdout.write(f"Values not under the current field key {key}: {left}")
            return
        with transaction.atomic():
            written = blindindex.rebuild_all(batch=options["batch"])
        for name, rows in written.items():
            self.stdout.write(f"Search index of {name} written afresh under field key {key}: {rows} rows.")
        for table, columns in fieldcrypt.encrypted_columns().items():
            changed = fieldcrypt.rewrite_columns(
                connection, table, columns, fieldcrypt.to_current_key, batch=options["batch"]
            )
            self.stdout.write(f"{table}: {changed} rows re-encrypted.")
        self.stdout.write(f"Values not under field key {key}: {fieldcrypt.under_older_keys(connection)}")
