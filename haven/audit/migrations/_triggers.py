"""The append-only triggers of migration 0002, for the migrations that must lift them for a
moment (SQLite drops a table's triggers when it rebuilds the table, and an UPDATE of
recorded events is refused while they stand)."""

SQLITE_CREATE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN NOT haven_audit_purge_allowed()
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_update;", "DROP TRIGGER IF EXISTS audit_event_no_delete;"]
POSTGRES_CREATE = [
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS audit_event_no_change ON audit_auditevent;"]


def drop(schema_editor) -> None:
    pg = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES_DROP if pg else SQLITE_DROP:
        schema_editor.execute(sql)


def create(schema_editor) -> None:
    pg = schema_editor.connection.vendor == "postgresql"
    for sql in POSTGRES_CREATE if pg else SQLITE_CREATE:
        schema_editor.execute(sql)
