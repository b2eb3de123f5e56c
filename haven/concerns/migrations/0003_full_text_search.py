"""Full-text search kept by the database (see haven/concerns/search.py)."""

from django.db import migrations

SQLITE = [
    "CREATE VIRTUAL TABLE concern_fts USING fts5(concern_id UNINDEXED, body, tokenize='porter unicode61')",
    """CREATE TRIGGER concern_fts_concern AFTER INSERT ON concerns_concern BEGIN
         INSERT INTO concern_fts(concern_id, body)
         VALUES (new.id, new.what_happened || ' ' || new.child_words || ' ' || new.actions_taken);
       END""",
    """CREATE TRIGGER concern_fts_amendment AFTER INSERT ON concerns_amendment BEGIN
         INSERT INTO concern_fts(concern_id, body) VALUES (new.concern_id, new.text);
       END""",
    """INSERT INTO concern_fts(concern_id, body)
       SELECT id, what_happened || ' ' || child_words || ' ' || actions_taken FROM concerns_concern""",
    "INSERT INTO concern_fts(concern_id, body) SELECT concern_id, text FROM concerns_amendment",
]
SQLITE_REVERSE = [
    "DROP TRIGGER concern_fts_amendment",
    "DROP TRIGGER concern_fts_concern",
    "DROP TABLE concern_fts",
]
POSTGRES = [
    """CREATE INDEX concern_fts ON concerns_concern USING gin (
         to_tsvector('english', what_happened || ' ' || child_words || ' ' || actions_taken))""",
    "CREATE INDEX amendment_fts ON concerns_amendment USING gin (to_tsvector('english', text))",
]
POSTGRES_REVERSE = ["DROP INDEX amendment_fts", "DROP INDEX concern_fts"]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("concerns", "0002_national_taxonomy")]
    operations = [migrations.RunPython(forwards, backwards)]
