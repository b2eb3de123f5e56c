"""Full-text search over case studies, kept by the database (see haven/resources/search.py).

SQLite: an FTS5 table (Porter stemmer) kept by triggers; case studies are edited while in
draft, so updates and deletes are followed too. PostgreSQL: an English text-search index
on the same text, used by to_tsvector(...) @@ to_tsquery(...) and ts_rank.
"""

from django.db import migrations

# ruff: noqa: S608 - fixed SQL built from constants, no input

BODY = (
    "{p}title || ' ' || {p}context || ' ' || {p}what_happened || ' ' || {p}school_response || ' ' || "
    "{p}what_worked || ' ' || {p}outcome || ' ' || {p}differently"
)
SQLITE = [
    "CREATE VIRTUAL TABLE case_study_fts USING fts5(case_study_id UNINDEXED, body, tokenize='porter unicode61')",
    f"""CREATE TRIGGER case_study_fts_insert AFTER INSERT ON resources_casestudy BEGIN
         INSERT INTO case_study_fts(case_study_id, body) VALUES (new.id, {BODY.format(p="new.")});
       END""",
    f"""CREATE TRIGGER case_study_fts_update AFTER UPDATE ON resources_casestudy BEGIN
         DELETE FROM case_study_fts WHERE case_study_id = old.id;
         INSERT INTO case_study_fts(case_study_id, body) VALUES (new.id, {BODY.format(p="new.")});
       END""",
    """CREATE TRIGGER case_study_fts_delete AFTER DELETE ON resources_casestudy BEGIN
         DELETE FROM case_study_fts WHERE case_study_id = old.id;
       END""",
    f"INSERT INTO case_study_fts(case_study_id, body) SELECT id, {BODY.format(p='')} FROM resources_casestudy",
]
SQLITE_REVERSE = [
    "DROP TRIGGER case_study_fts_delete",
    "DROP TRIGGER case_study_fts_update",
    "DROP TRIGGER case_study_fts_insert",
    "DROP TABLE case_study_fts",
]
POSTGRES = [
    f"CREATE INDEX case_study_fts ON resources_casestudy USING gin (to_tsvector('english', {BODY.format(p='')}))"
]
POSTGRES_REVERSE = ["DROP INDEX case_study_fts"]


def forwards(apps, schema_editor):
    for sql in POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    for sql in POSTGRES_REVERSE if schema_editor.connection.vendor == "postgresql" else SQLITE_REVERSE:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("resources", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
