"""Narratives encrypted at rest, and searched through a blind index (haven/concerns/search.py).

Forwards: the database-kept full-text indexes of migration 0003 (which read the plain text)
go; the blind index ``concerns_searchentry`` comes, with a GIN index on PostgreSQL and an
FTS5 table kept by triggers on SQLite; every concern's what_happened, child_words and
actions_taken and every amendment's text is encrypted in place under the field key, and
indexed. Backwards: every value is decrypted back and migration 0003's indexes are rebuilt
from it, so nothing is lost either way.

The fields change in the migration state only: the column stays ``text``, and on SQLite an
AlterField would rebuild the table.
"""

from django.db import migrations, models

import haven.core.fields
from haven.core import blindindex, fieldcrypt

COLUMNS = {
    "concerns_concern": ("what_happened", "child_words", "actions_taken"),
    "concerns_amendment": ("text",),
}

OLD_SQLITE = [
    "DROP TRIGGER IF EXISTS concern_fts_amendment",
    "DROP TRIGGER IF EXISTS concern_fts_concern",
    "DROP TABLE IF EXISTS concern_fts",
]
OLD_POSTGRES = ["DROP INDEX IF EXISTS amendment_fts", "DROP INDEX IF EXISTS concern_fts"]
# Migration 0003, to rebuild on the way back (from the decrypted text).
OLD_SQLITE_BACK = [
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
OLD_POSTGRES_BACK = [
    """CREATE INDEX concern_fts ON concerns_concern USING gin (
         to_tsvector('english', what_happened || ' ' || child_words || ' ' || actions_taken))""",
    "CREATE INDEX amendment_fts ON concerns_amendment USING gin (to_tsvector('english', text))",
]

NEW_SQLITE = [
    "CREATE VIRTUAL TABLE concern_search_fts USING fts5("
    "tokens, content='concerns_searchentry', content_rowid='id', tokenize='ascii')",
    """CREATE TRIGGER concern_search_insert AFTER INSERT ON concerns_searchentry BEGIN
         INSERT INTO concern_search_fts(rowid, tokens) VALUES (new.id, new.tokens);
       END""",
    """CREATE TRIGGER concern_search_delete AFTER DELETE ON concerns_searchentry BEGIN
         INSERT INTO concern_search_fts(concern_search_fts, rowid, tokens) VALUES ('delete', old.id, old.tokens);
       END""",
]
NEW_SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS concern_search_delete",
    "DROP TRIGGER IF EXISTS concern_search_insert",
    "DROP TABLE IF EXISTS concern_search_fts",
]
NEW_POSTGRES = ["CREATE INDEX concern_search_tokens ON concerns_searchentry USING gin (to_tsvector('simple', tokens))"]
NEW_POSTGRES_BACK = ["DROP INDEX IF EXISTS concern_search_tokens"]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    for sql in (OLD_POSTGRES + NEW_POSTGRES) if postgres else (OLD_SQLITE + NEW_SQLITE):
        schema_editor.execute(sql)
    for table, columns in COLUMNS.items():
        fieldcrypt.rewrite_columns(connection, table, columns, fieldcrypt.to_ciphertext)
    # The index, from the text just encrypted (the historical models decrypt it).
    Concern = apps.get_model("concerns", "Concern")
    Amendment = apps.get_model("concerns", "Amendment")
    SearchEntry = apps.get_model("concerns", "SearchEntry")
    entries = []
    concerns = Concern.objects.order_by("pk").values_list("pk", *COLUMNS["concerns_concern"]).iterator(500)
    for pk, *texts in concerns:
        entries.append(SearchEntry(concern_id=pk, tokens=blindindex.document_tokens(texts)))
        if len(entries) >= 500:
            SearchEntry.objects.bulk_create(entries)
            entries.clear()
    for concern_id, text in Amendment.objects.order_by("pk").values_list("concern_id", "text").iterator(500):
        entries.append(SearchEntry(concern_id=concern_id, tokens=blindindex.document_tokens([text])))
        if len(entries) >= 500:
            SearchEntry.objects.bulk_create(entries)
            entries.clear()
    SearchEntry.objects.bulk_create(entries)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        # The indexes first: PostgreSQL builds no index over pending trigger events, and
        # they follow the decrypting updates.
        for sql in NEW_POSTGRES_BACK + OLD_POSTGRES_BACK:
            schema_editor.execute(sql)
    for table, columns in COLUMNS.items():
        fieldcrypt.rewrite_columns(connection, table, columns, fieldcrypt.to_plaintext)
    if connection.vendor != "postgresql":  # the FTS5 table is filled from the decrypted text
        for sql in NEW_SQLITE_BACK + OLD_SQLITE_BACK:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("concerns", "0006_occurred_time_known")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="concern", name="what_happened", field=haven.core.fields.EncryptedTextField()
                ),
                migrations.AlterField(
                    model_name="concern",
                    name="child_words",
                    field=haven.core.fields.EncryptedTextField(
                        blank=True, help_text="The child's exact words, as they said them."
                    ),
                ),
                migrations.AlterField(
                    model_name="concern", name="actions_taken", field=haven.core.fields.EncryptedTextField(blank=True)
                ),
                migrations.AlterField(
                    model_name="amendment", name="text", field=haven.core.fields.EncryptedTextField()
                ),
            ]
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("tokens", models.TextField()),
                (
                    "concern",
                    models.ForeignKey(on_delete=models.deletion.PROTECT, related_name="+", to="concerns.concern"),
                ),
            ],
            options={"verbose_name_plural": "search entries"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
