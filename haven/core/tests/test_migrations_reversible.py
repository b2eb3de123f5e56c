"""Every upgrade can be rolled back (README, "Upgrading and rolling back").

Two halves: a static check that every migration of Haven's says how to undo itself (a
``RunPython`` its ``reverse_code``, a ``RunSQL`` its ``reverse_sql``, or ``noop`` with a comment
saying why that is safe), and the real thing: with records present, the whole schema migrated
back to the previous release's state (``haven/core/release_migrations.json``, through
``manage.py migrate_to_release``) and forward again, ending at the last migrations with the
models and migrations in step. Both run on SQLite and, in the suite's second leg, PostgreSQL.
"""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import io
import tokenize
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, migrations, transaction
from django.db.migrations.exceptions import IrreversibleError
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.operations.base import Operation
from django.db.migrations.recorder import MigrationRecorder

from haven.audit.models import AuditChain, AuditEvent
from haven.audit.services import audit_verify
from haven.concerns.search import concern_text_matches
from haven.core.releases import previous_release, rollback_targets

REVERSIBLE = {"RunPython": "reverse_code", "RunSQL": "reverse_sql"}


def _flat(operations: Iterable[Operation]) -> Iterator[Operation]:
    for op in operations:
        if isinstance(op, migrations.SeparateDatabaseAndState):
            yield from _flat(op.database_operations)  # state operations always reverse
        else:
            yield op


def _haven_migrations() -> list[tuple[str, migrations.Migration]]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for migration in loader.disk_migrations.values():
        module = inspect.getmodule(migration)
        if module and module.__name__.startswith("haven."):
            path = Path(inspect.getsourcefile(module) or "").resolve().relative_to(settings.BASE_DIR)
            found.append((str(path), migration))
    return sorted(found, key=lambda found: found[0])


def _describe(op: Operation) -> str:
    if isinstance(op, migrations.RunPython):
        return f"RunPython({getattr(op.code, '__name__', op.code)!s})"
    if isinstance(op, migrations.RunSQL):
        return f"RunSQL({str(op.sql)[:50]!r})"
    return f"{type(op).__name__} ({op.describe()})"


def _unexplained_noops(source: str) -> list[tuple[int, str]]:
    """(line, operation) of each RunPython/RunSQL whose reverse is ``noop`` with no comment on
    its lines or directly above them."""
    commented = {
        tok.start[0] for tok in tokenize.generate_tokens(io.StringIO(source).readline) if tok.type == tokenize.COMMENT
    }
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        if name not in REVERSIBLE:
            continue
        reverse = (
            node.args[1]
            if len(node.args) > 1
            else next((k.value for k in node.keywords if k.arg == REVERSIBLE[name]), None)
        )
        if not (isinstance(reverse, ast.Attribute) and reverse.attr == "noop"):
            continue
        above = node.lineno - 1
        while above >= 1 and lines[above - 1].strip().startswith("#"):
            above -= 1
        explained = above < node.lineno - 1 or any(
            n in commented for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
        )
        if not explained:
            found.append((node.lineno, name))
    return found


def test_every_migration_says_how_to_undo_itself():
    problems = []
    for path, migration in _haven_migrations():
        for index, op in enumerate(_flat(migration.operations), start=1):
            if not op.reversible:
                problems.append(
                    f"{path}: operation {index}, {_describe(op)}, cannot be reversed: give it a reverse "
                    f"({REVERSIBLE.get(type(op).__name__, 'a reverse step')}=...), or the class's noop with a "
                    "comment above it saying why undoing nothing is safe"
                )
            if isinstance(op, migrations.RemoveField):
                problems += _remove_field_problem(path, migration, op, index)
        for line, name in _unexplained_noops(Path(settings.BASE_DIR, path).read_text()):
            problems.append(
                f"{path}, line {line}: {name} reverses with noop but no comment says why that is safe "
                "(write one on the line above, e.g. '# Reverse: noop is safe, the AddField's reverse drops the column')"
            )
    assert not problems, "Migrations that cannot be rolled back:\n" + "\n".join(problems)


def _remove_field_problem(
    path: str, migration: migrations.Migration, op: migrations.RemoveField, index: int
) -> list[str]:
    """Undoing a RemoveField adds the column back: with rows present it needs a default or NULL."""
    state = MigrationLoader(None, ignore_no_migrations=True).project_state(
        (migration.app_label, migration.name), at_end=False
    )
    field = state.models[migration.app_label, op.model_name_lower].fields[op.name]
    if field.null or field.has_default() or field.many_to_many:
        return []
    return [
        f"{path}: operation {index}, RemoveField {op.model_name}.{op.name}: undoing it adds back a NOT NULL column "
        "with no default, which fails once the table has rows; make the field null=True or give it a default first"
    ]


def test_the_static_check_names_the_migration_and_operation(tmp_path):
    """The check's own test: an unexplained noop and a missing reverse are found where they are."""
    source = (
        "from django.db import migrations\n"
        "def f(apps, schema_editor): pass\n"
        "class Migration(migrations.Migration):\n"
        "    operations = [\n"
        "        migrations.RunPython(f, migrations.RunPython.noop),\n"
        "        # Reverse: noop is safe, nothing was written.\n"
        "        migrations.RunPython(f, migrations.RunPython.noop),\n"
        "        migrations.RunSQL('SELECT 1', reverse_sql=migrations.RunSQL.noop),  # nothing to undo\n"
        "        migrations.RunSQL('SELECT 1', reverse_sql=migrations.RunSQL.noop),\n"
        "    ]\n"
    )
    assert _unexplained_noops(source) == [(5, "RunPython"), (9, "RunSQL")]
    assert not migrations.RunPython(print).reversible and not migrations.RunSQL("SELECT 1").reversible


def test_the_release_file_names_migrations_that_exist():
    release = previous_release()
    loader = MigrationLoader(None, ignore_no_migrations=True)
    targets = dict(rollback_targets(loader.graph, release))
    assert release.version and set(release.migrations) <= set(targets)
    # every app of the release is still there; the ones it does not name are newer than it
    assert {app for app, name in targets.items() if name is None} == set(targets) - set(release.migrations)


def _applied() -> dict[str, set[str]]:
    by_app: dict[str, set[str]] = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        by_app.setdefault(app, set()).add(name)
    return by_app


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        return {c.name for c in connection.introspection.get_table_description(cursor, table)}


def _to_the_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _records(world) -> AuditEvent:
    """A concern about a child, and an audit event recorded before the upgrade (format 1, as
    audit 0004 named it), written straight to the tables: no audit event of this release."""
    from haven.concerns.models import Concern, ConcernChild

    concern = Concern.objects.create(
        school=world.school_a,
        reference="C-140001-1",
        recorded_by=world.users["staff_a"],
        occurred_at=dt.datetime(2026, 11, 30, 10, tzinfo=dt.UTC),
        location="corridor",
        what_happened="Pushed against the lockers.",
        child_words="He said I was next.",
        child_told_next_steps="yes",
    )
    ConcernChild.objects.create(concern=concern, pupil=world.pupils["a"], role="affected")
    # What a pupil wrote and a case-study draft, encrypted at rest by this release.
    from haven.pupil_voice.models import PupilReport
    from haven.resources.models import CaseStudy

    PupilReport.objects.create(
        school=world.school_a, reference="K7MQ-4XB2", passphrase_hash="x", what_happened="They took my bag."
    )
    CaseStudy.objects.create(
        school=world.school_a,
        authority_id=world.school_a.authority_id,
        author=world.users["dsl_a"],
        title="A study",
        phase="secondary",
        context="A group chat.",
        what_happened="Comments were shared.",
        school_response="We spoke to everyone.",
        what_worked="Restorative work.",
        outcome="It stopped.",
    )
    chain = AuditChain.objects.get_or_create(key=f"school:{world.school_a.pk}")[0]
    row = AuditEvent(
        chain=chain.key,
        seq=chain.length + 1,
        actor=world.users["staff_a"],
        actor_email=world.users["staff_a"].email,
        action="create",
        event="concern.submitted",
        object_type="concerns.concern",
        object_id=str(concern.pk),
        school_id=world.school_a.pk,
        extra={"urgent": False},
        prev_hash=chain.last_hash,
        format=1,
    )
    row.hash = row.compute_hash()
    row.save()
    AuditChain.objects.filter(pk=chain.pk).update(last_hash=row.hash, length=row.seq)
    return row


def _count(sql: str, *params: int | str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return int(cursor.fetchone()[0])


@pytest.mark.django_db(transaction=True)
def test_the_schema_goes_back_to_the_previous_release_and_forward_again():
    from conftest import build_world
    from haven.concerns.models import Concern

    world = build_world()
    legacy = _records(world)
    assert audit_verify()[2] == ""
    release = previous_release()
    try:
        # Something is wrong after an upgrade: roll back, with the new release still installed.
        out = io.StringIO()
        call_command("migrate_to_release", "--no-input", stdout=out)
        assert f"The schema is release {release.version}'s" in out.getvalue()
        applied = _applied()
        for app, name in release.migrations.items():
            assert max(applied[app]) == name, app  # at the release's last migration, not past it
        assert not {"event", "channel", "seal", "format"} & _columns("audit_auditevent")
        assert _count("SELECT count(*) FROM concerns_concernchild WHERE pupil_id = %s", world.pupils["a"].pk) == 1
        assert _count("SELECT count(*) FROM audit_auditevent WHERE hash = %s", legacy.hash) == 1
        # the narrative is decrypted back into the previous release's plain column
        assert _count("SELECT count(*) FROM concerns_concern WHERE child_words = %s", "He said I was next.") == 1
        assert _count("SELECT count(*) FROM pupil_voice_pupilreport WHERE what_happened = %s", "They took my bag.") == 1
        assert _count("SELECT count(*) FROM resources_casestudy WHERE outcome = %s", "It stopped.") == 1
        # the previous release's guard stands: audit rows still refuse a change
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET object_id = 'x'")
    finally:
        # And forward again (as the upgrade, repeated, would).
        _to_the_latest()
    loader = MigrationLoader(connection)
    assert set(loader.applied_migrations) >= set(loader.disk_migrations)
    call_command("makemigrations", "--check", "--dry-run", stdout=io.StringIO())
    assert Concern.objects.get().children.get().pupil == world.pupils["a"]
    # forward again, encrypted again, and searchable through the blind index
    assert _count("SELECT count(*) FROM concerns_concern WHERE child_words LIKE %s", "hv1$%") == 1
    assert Concern.objects.get().child_words == "He said I was next."
    assert Concern.objects.filter(concern_text_matches("lockers")).count() == 1
    from haven.pupil_voice.models import PupilReport
    from haven.resources.models import CaseStudy
    from haven.resources.search import text_matches

    assert _count("SELECT count(*) FROM pupil_voice_pupilreport WHERE what_happened LIKE %s", "hv1$%") == 1
    assert PupilReport.objects.get().what_happened == "They took my bag."
    assert _count("SELECT count(*) FROM resources_casestudy WHERE outcome LIKE %s", "hv1$%") == 1
    assert CaseStudy.objects.filter(text_matches("restorative")).get().outcome == "It stopped."
    assert AuditEvent.objects.get(hash=legacy.hash).event == "concern.submitted"
    assert audit_verify()[2] == ""


@pytest.mark.django_db(transaction=True)
def test_rolling_back_refuses_to_destroy_audit_events_recorded_since_the_upgrade():
    from conftest import build_world
    from haven.audit.events import Event
    from haven.audit.services import audit_record

    world = build_world()
    made = audit_record(Event.CASE_VIEWED, actor=world.users["dsl_a"], obj=world.pupils["a"], school=world.school_a)
    try:
        with pytest.raises(CommandError) as refused:
            call_command("migrate_to_release", "--no-input", stdout=io.StringIO())
        assert "audit 0004_events_with_names cannot be reversed: 1 audit event(s)" in str(refused.value)
        assert "Restore the pre-upgrade backup" in str(refused.value)
        assert "manage.py migrate goes forward again" in str(refused.value)
        assert isinstance(refused.value.__cause__, IrreversibleError)
        assert {"event", "channel", "seal", "format"} <= _columns("audit_auditevent")
    finally:
        _to_the_latest()
    # nothing was lost or changed, and the guard is still up
    assert ("audit", "0004_events_with_names") in MigrationRecorder(connection).applied_migrations()
    assert (AuditEvent.objects.get(pk=made.pk).event, AuditEvent.objects.get(pk=made.pk).seal) == (
        made.event,
        made.seal,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditEvent.objects.filter(pk=made.pk).update(event="route.decided")
    assert audit_verify()[2] == ""


@pytest.mark.django_db(transaction=True)
def test_the_plan_lists_what_would_be_unapplied_and_changes_nothing():
    before = _applied()
    out = io.StringIO()
    call_command("migrate_to_release", "--plan", stdout=out)
    assert "audit.0004_events_with_names" in out.getvalue()
    assert _applied() == before
