"""The database-level guard that keeps the audit log append-only.

Triggers (migration 0002) refuse every UPDATE of an audit event, and every DELETE unless
the deleting transaction has opened :func:`audit_purge_allowed`. Only the retention
process (DESIGN §3 rule 10), which records its own decision, may open it. On SQLite the
flag is a function registered on each connection; a connection without it (a raw sqlite3
shell) cannot delete at all. On PostgreSQL it is a transaction-local setting.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver

_state = threading.local()


def _purge_flag() -> int:
    return 1 if getattr(_state, "purge", False) else 0


@receiver(connection_created)
def _register_sqlite_function(sender: object, connection: object, **kwargs: object) -> None:
    if getattr(connection, "vendor", "") == "sqlite":
        connection.connection.create_function("haven_audit_purge_allowed", 0, _purge_flag)  # type: ignore[attr-defined]


@contextmanager
def audit_purge_allowed() -> Iterator[None]:
    """Allow audit events to be deleted inside this block (retention disposal only)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('haven.audit_purge', 'on', true)")
        previous = getattr(_state, "purge", False)
        _state.purge = True
        try:
            yield
        finally:
            _state.purge = previous
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT set_config('haven.audit_purge', 'off', true)")
