"""manage.py backup and restore, end to end: real commands in processes of their own, a real
world in a real data dir and database, restored into fresh ones (SQLite, or PostgreSQL when the
suite runs with DATABASE_URL), with the row counts and the audit log checked.

The world is written through the services by a child process (the test's own database lives
in a transaction no other process can read)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from haven.core import backup

POSTGRES = bool(os.environ.get("DATABASE_URL"))
SOURCE_DB, RESTORE_DB = "haven_ops_src", "haven_ops_restore"

_BUILD = """
import datetime as dt, django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from conftest import build_world
from haven.concerns.models import Category
from haven.concerns.services import ChildInConcern, concern_submit

world = build_world()
for n in range(3):
    concern_submit(
        by=world.users["staff_a"], school=world.school_a,
        children=[ChildInConcern(world.pupils["a"].pk, "affected")],
        occurred_at=timezone.now() - dt.timedelta(days=n + 1), location="corridor",
        category_ids=[Category.objects.get(code="bullying").pk],
        what_happened=f"A push in the corridor, number {n}.", child_told_next_steps="yes",
    )
default_storage.save("concerns/2026/11/note.txt", ContentFile(b"an attachment"))
default_storage.save("transfers/2026/11/file.pdf", ContentFile(b"%PDF-1.7 a transfer file"))
call_command("anchor_audit")
"""


def _pg_url(name: str) -> str:
    u = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit((u.scheme, u.netloc, f"/{name}", u.query, u.fragment))


def _pg_admin(sql: str) -> None:
    import psycopg

    u = urlsplit(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=u.hostname,
        port=u.port or 5432,
        user=u.username or "postgres",
        password=u.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def _fresh_pg(name: str) -> None:
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    _pg_admin(f'CREATE DATABASE "{name}"')


def _env(data_dir: Path, db: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL", "PYTEST"))}
    env |= {"HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "haven.settings"}
    if POSTGRES and db:
        env["DATABASE_URL"] = _pg_url(db)
    return env


def _run(args: list[str], data_dir: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=_env(data_dir, db),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _manage(*args: str, data_dir: Path, db: str | None = None) -> subprocess.CompletedProcess[str]:
    return _run(["manage.py", *args], data_dir, db)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A data dir (and database) holding a small world, backed up once."""
    data = tmp_path_factory.mktemp("source")
    if POSTGRES:
        _fresh_pg(SOURCE_DB)
    done = _manage("migrate", "-v0", data_dir=data, db=SOURCE_DB)
    assert done.returncode == 0, done.stderr
    done = _run(["-c", _BUILD], data, SOURCE_DB)
    assert done.returncode == 0, done.stderr
    out = tmp_path_factory.mktemp("backups")
    done = _manage("backup", "--to", str(out), data_dir=data, db=SOURCE_DB)
    assert done.returncode == 0, done.stderr
    archive = Path(done.stdout.strip().splitlines()[-1])
    yield data, out, archive, done.stdout
    if POSTGRES:
        _pg_admin(f'DROP DATABASE IF EXISTS "{SOURCE_DB}" WITH (FORCE)')


@pytest.fixture
def target(tmp_path):
    """An empty data dir (and, on PostgreSQL, an empty database made for the test)."""
    if POSTGRES:
        _fresh_pg(RESTORE_DB)
    yield tmp_path / "restored"
    if POSTGRES:
        _pg_admin(f'DROP DATABASE IF EXISTS "{RESTORE_DB}" WITH (FORCE)')


def _target_is_empty(data_dir: Path) -> bool:
    if POSTGRES:
        import psycopg

        u = urlsplit(_pg_url(RESTORE_DB))
        with psycopg.connect(
            host=u.hostname, port=u.port or 5432, user=u.username or "postgres", dbname=RESTORE_DB
        ) as c:
            row = c.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
            return bool(row and row[0] == 0)
    return not (data_dir / "haven.sqlite3").exists() or (data_dir / "haven.sqlite3").stat().st_size == 0


def test_backup_writes_one_archive_and_prints_its_path_last(source):
    data, out, archive, stdout = source
    assert stdout.strip().splitlines()[-1] == str(archive)
    assert "Not encrypted" in stdout
    assert [p.name for p in out.iterdir()] == [archive.name]
    assert archive.parent == out and backup.ARCHIVE_NAME.match(archive.name)
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds the keys
    last = json.loads((data / "last-backup.json").read_text())
    assert last["archive"] == str(archive) and last["bytes"] == archive.stat().st_size


def test_the_manifest_names_everything_in_the_archive(source, tmp_path):
    data, _, archive, _ = source
    backup.archive_check(archive)
    manifest, found = backup.archive_extract(archive, tmp_path)
    assert manifest["database"]["vendor"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["haven"]["version"] == "0.1.0"
    assert dt.datetime.fromisoformat(manifest["created_at"])
    tables = manifest["database"]["tables"]
    assert tables["concerns_concern"] == 3 and tables["audit_auditevent"] > 0
    assert {
        "keys/secret_key",
        "keys/audit_key",
        "audit/audit-anchors.jsonl",
        "uploads/concerns/2026/11/note.txt",
        "uploads/transfers/2026/11/file.pdf",
    } <= set(manifest["files"])
    assert set(found) == set(manifest["files"])
    for name, entry in manifest["files"].items():
        assert backup.sha256_of(found[name]) == entry["sha256"], name
    assert (tmp_path / "keys" / "audit_key").read_bytes() == (data / "audit_key").read_bytes()


def test_a_world_restores_into_a_fresh_data_dir_with_counts_and_audit_matching(source, target):
    data, _, archive, _ = source
    done = _manage("restore", str(archive), data_dir=target, db=RESTORE_DB)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Archive checksum: ok" in done.stdout
    assert "match their SHA-256 in the manifest" in done.stdout
    assert "as in the manifest" in done.stdout
    assert "Audit log intact:" in done.stdout and "Audit log intact: 0 " not in done.stdout
    assert (target / "uploads/transfers/2026/11/file.pdf").read_bytes() == b"%PDF-1.7 a transfer file"
    for name in ("secret_key", "audit_key", "audit-anchors.jsonl"):
        assert (target / name).read_bytes() == (data / name).read_bytes(), name
    # The restored Haven answers by itself, with the restored keys: verify_audit in a new process.
    again = _manage("verify_audit", data_dir=target, db=RESTORE_DB)
    assert again.returncode == 0, again.stderr


@pytest.mark.parametrize("where", ["payload", "header"])
def test_a_tampered_archive_is_refused(source, target, tmp_path, where):
    _, _, archive, _ = source
    blob = bytearray(archive.read_bytes())
    at = len(blob) // 2 if where == "payload" else len(backup.MAGIC) + 3
    blob[at] ^= 0x01
    tampered = tmp_path / archive.name
    tampered.write_bytes(bytes(blob))
    done = _manage("restore", str(tampered), data_dir=target, db=RESTORE_DB)
    assert done.returncode != 0
    assert "changed or damaged since it was written" in done.stderr
    assert _target_is_empty(target)


def test_restore_into_a_target_that_holds_a_database_is_refused(source, tmp_path):
    data, _, archive, _ = source
    before = (data / "last-backup.json").read_bytes()
    done = _manage("restore", str(archive), data_dir=data, db=SOURCE_DB)
    assert done.returncode == 1
    expected = "The target database already has" if POSTGRES else "The data dir already holds a database"
    assert f"Refusing to restore: {expected}" in done.stderr
    assert (data / "last-backup.json").read_bytes() == before


def test_a_second_backup_prunes_by_the_rotation_rules(source, tmp_path):
    data, _, _, _ = source
    out = tmp_path / "rotating"
    out.mkdir()
    for days in range(1, 60):  # older archives, one a day
        stamp = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        (out / f"haven-{stamp:{backup.STAMP}}.backup").write_bytes(b"old")
    (out / "notes.txt").write_text("not ours")
    done = _manage(
        "backup",
        "--to",
        str(out),
        "--keep-daily",
        "3",
        "--keep-weekly",
        "2",
        "--keep-monthly",
        "2",
        data_dir=data,
        db=SOURCE_DB,
    )
    assert done.returncode == 0, done.stderr
    newest = Path(done.stdout.strip().splitlines()[-1])
    kept = sorted(p.name for p in out.iterdir() if backup.ARCHIVE_NAME.match(p.name))
    assert newest.name in kept
    assert 3 <= len(kept) <= 3 + 2 + 2
    assert (out / "notes.txt").exists()
    assert "Pruned haven-" in done.stdout


def _stamps(start: dt.datetime, days: int, per_day: int = 1) -> list[dt.datetime]:
    return [start - dt.timedelta(days=d, hours=h) for d in range(days) for h in range(per_day)]


def test_rotation_keeps_the_newest_of_each_day_week_and_month():
    start = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)  # a Wednesday
    stamps = _stamps(start, 400, per_day=2)  # two a day for more than a year
    keep = backup.archives_to_keep(stamps, daily=7, weekly=4, monthly=12)
    daily = {s for s in keep if s >= start - dt.timedelta(days=6, hours=23)}
    assert daily == {start - dt.timedelta(days=d) for d in range(7)}  # the newest of each of 7 days
    months = {(s.year, s.month) for s in keep}
    assert len(months) == 12 and (2026, 1) in months and (2025, 12) not in months
    # Each month's newest archive is its last day's.
    assert dt.datetime(2026, 10, 31, 2, 0, tzinfo=dt.UTC) in keep
    weeks = {s.isocalendar()[:2] for s in keep if s > start - dt.timedelta(days=28)}
    assert len(weeks) == 4
    assert len(keep) <= 7 + 4 + 12


def test_rotation_with_nothing_to_keep_deletes_only_our_archives(tmp_path):
    for stamp in _stamps(dt.datetime(2026, 12, 2, tzinfo=dt.UTC), 10):
        (tmp_path / f"haven-{stamp:{backup.STAMP}}.backup").write_bytes(b"x")
    (tmp_path / "haven-notes.backup.txt").write_text("not an archive")
    removed = backup.prune(tmp_path, daily=2, weekly=0, monthly=0)
    assert len(removed) == 8
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "haven-20261201T000000Z.backup",
        "haven-20261202T000000Z.backup",
        "haven-notes.backup.txt",
    ]
