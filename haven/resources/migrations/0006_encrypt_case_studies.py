"""Case studies' narrative fields encrypted at rest, searched through a blind index
(haven/resources/search.py).

Forwards: migration 0002's database-kept full-text search (which read the plain text) goes;
the ``search_tokens`` column comes, with a GIN index on PostgreSQL and an FTS5 table kept by
triggers from that column on SQLite; every case study's narrative is encrypted in place
under the field key and indexed. Backwards: decrypted back, and 0002's index rebuilt from it.

The old triggers are dropped before the column is added: on SQLite adding a NOT NULL column
rebuilds the table (which would drop them anyway). The narrative fields change in the
migration state only: the column stays ``text``.
"""

from django.db import migrations, models

import haven.core.fields
from haven.core import blindindex, fieldcrypt

# ruff: noqa: S608 - fixed SQL built from constants, no input

TEXT = ("context", "what_happened", "school_response", "what_worked", "outcome", "differently")
TABLE = "resources_casestudy"

OLD_SQLITE = [
    "DROP TRIGGER IF EXISTS case_study_fts_delete",
    "DROP TRIGGER IF EXISTS case_study_fts_update",
    "DROP TRIGGER IF EXISTS case_study_fts_insert",
    "DROP TABLE IF EXISTS case_study_fts",
]
OLD_POSTGRES = ["DROP INDEX IF EXISTS case_study_fts"]
_BODY = (
    "{p}title || ' ' || {p}context || ' ' || {p}what_happened || ' ' || {p}school_response || ' ' || "
    "{p}what_worked || ' ' || {p}outcome || ' ' || {p}differently"
)
OLD_SQLITE_BACK = [
    "CREATE VIRTUAL TABLE case_study_fts USING fts5(case_study_id UNINDEXED, body, tokenize='porter unicode61')",
    f"""CREATE TRIGGER case_study_fts_insert AFTER INSERT ON resources_casestudy BEGIN
         INSERT INTO case_study_fts(case_study_id, body) VALUES (new.id, {_BODY.format(p="new.")});
       END""",
    f"""CREATE TRIGGER case_study_fts_update AFTER UPDATE ON resources_casestudy BEGIN
         DELETE FROM case_study_fts WHERE case_study_id = old.id;
         INSERT INTO case_study_fts(case_study_id, body) VALUES (new.id, {_BODY.format(p="new.")});
       END""",
    """CREATE TRIGGER case_study_fts_delete AFTER DELETE ON resources_casestudy BEGIN
         DELETE FROM case_study_fts WHERE case_study_id = old.id;
       END""",
    f"INSERT INTO case_study_fts(case_study_id, body) SELECT id, {_BODY.format(p='')} FROM resources_casestudy",
]
OLD_POSTGRES_BACK = [
    f"CREATE INDEX case_study_fts ON resources_casestudy USING gin (to_tsvector('english', {_BODY.format(p='')}))"
]

NEW_SQLITE = [
    "CREATE VIRTUAL TABLE case_study_search_fts USING fts5("
    "search_tokens, content='resources_casestudy', content_rowid='id', tokenize='ascii')",
    """CREATE TRIGGER case_study_search_insert AFTER INSERT ON resources_casestudy BEGIN
         INSERT INTO case_study_search_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
       END""",
    """CREATE TRIGGER case_study_search_update AFTER UPDATE ON resources_casestudy BEGIN
         INSERT INTO case_study_search_fts(case_study_search_fts, rowid, search_tokens)
         VALUES ('delete', old.id, old.search_tokens);
         INSERT INTO case_study_search_fts(rowid, search_tokens) VALUES (new.id, new.search_tokens);
       END""",
    """CREATE TRIGGER case_study_search_delete AFTER DELETE ON resources_casestudy BEGIN
         INSERT INTO case_study_search_fts(case_study_search_fts, rowid, search_tokens)
         VALUES ('delete', old.id, old.search_tokens);
       END""",
]
NEW_SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS case_study_search_delete",
    "DROP TRIGGER IF EXISTS case_study_search_update",
    "DROP TRIGGER IF EXISTS case_study_search_insert",
    "DROP TABLE IF EXISTS case_study_search_fts",
]
NEW_POSTGRES = [
    "CREATE INDEX case_study_search ON resources_casestudy USING gin (to_tsvector('simple', search_tokens))"
]
NEW_POSTGRES_BACK = ["DROP INDEX IF EXISTS case_study_search"]


def _run(schema_editor, postgres_sql, sqlite_sql):
    for sql in postgres_sql if schema_editor.connection.vendor == "postgresql" else sqlite_sql:
        schema_editor.execute(sql)


def drop_old(apps, schema_editor):
    _run(schema_editor, OLD_POSTGRES, OLD_SQLITE)


def rebuild_old(apps, schema_editor):
    # PostgreSQL's index was built before the text was decrypted (decrypt, below).
    _run(schema_editor, [], OLD_SQLITE_BACK)


def encrypt_and_index(apps, schema_editor):
    connection = schema_editor.connection
    postgres = connection.vendor == "postgresql"
    if postgres:  # before the rows change: PostgreSQL builds no index over pending trigger events
        _run(schema_editor, NEW_POSTGRES, [])
    fieldcrypt.rewrite_columns(connection, TABLE, TEXT, fieldcrypt.to_ciphertext)
    CaseStudy = apps.get_model("resources", "CaseStudy")
    # The historical model decrypts; the index is written before the triggers exist, and the
    # FTS5 table is filled from it in one statement.
    for study in CaseStudy.objects.order_by("pk").only("pk", "title", *TEXT).iterator(200):
        tokens = blindindex.document_tokens([study.title, *(getattr(study, f) for f in TEXT)])
        CaseStudy.objects.filter(pk=study.pk).update(search_tokens=tokens)
    if not postgres:
        _run(schema_editor, [], NEW_SQLITE)
        schema_editor.execute(
            "INSERT INTO case_study_search_fts(rowid, search_tokens) SELECT id, search_tokens FROM resources_casestudy"
        )


def decrypt(apps, schema_editor):
    # On PostgreSQL 0002's index comes back before the rows change (no index is built over
    # pending trigger events); it follows the decrypting updates.
    _run(schema_editor, NEW_POSTGRES_BACK + OLD_POSTGRES_BACK, NEW_SQLITE_BACK)
    fieldcrypt.rewrite_columns(schema_editor.connection, TABLE, TEXT, fieldcrypt.to_plaintext)


class Migration(migrations.Migration):
    dependencies = [("resources", "0005_guidance_in_force")]

    operations = [
        migrations.RunPython(drop_old, rebuild_old),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="casestudy",
                    name="context",
                    field=haven.core.fields.EncryptedTextField(
                        help_text="The school and the situation, without names."
                    ),
                ),
                migrations.AlterField(
                    model_name="casestudy", name="what_happened", field=haven.core.fields.EncryptedTextField()
                ),
                migrations.AlterField(
                    model_name="casestudy",
                    name="school_response",
                    field=haven.core.fields.EncryptedTextField(verbose_name="what the school did"),
                ),
                migrations.AlterField(
                    model_name="casestudy", name="what_worked", field=haven.core.fields.EncryptedTextField()
                ),
                migrations.AlterField(
                    model_name="casestudy", name="outcome", field=haven.core.fields.EncryptedTextField()
                ),
                migrations.AlterField(
                    model_name="casestudy",
                    name="differently",
                    field=haven.core.fields.EncryptedTextField(blank=True, verbose_name="what we would do differently"),
                ),
            ]
        ),
        migrations.AddField(
            model_name="casestudy",
            name="search_tokens",
            field=models.TextField(
                blank=True,
                default="",
                editable=False,
                help_text="The blind index of the text (haven.core.blindindex): no words.",
            ),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_and_index, decrypt),
    ]
