"""The database itself refuses to change audit events, and to delete them outside the
retention process (see haven/audit/guard.py)."""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN NOT haven_audit_purge_allowed()
       BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END;""",
]
SQLITE_REVERSE = ["DROP TRIGGER audit_event_no_update;", "DROP TRIGGER audit_event_no_delete;"]

POSTGRES = [
    """CREATE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND current_setting('haven.audit_purge', true) = 'on' THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'audit events are append-only' USING ERRCODE = 'restrict_violation';
       END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();""",
]
POSTGRES_REVERSE = [
    "DROP TRIGGER audit_event_no_change ON audit_auditevent;",
    "DROP FUNCTION audit_event_append_only();",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
