"""manage.py backup and restore, end to end: real commands in processes of their own, a real
world in a real data dir and database, restored into fresh ones (SQLite, or PostgreSQL when the
suite runs with DATABASE_URL), with the row counts and the audit log checked.

The world is written through the services by a child process (the test's own database lives
in a transaction no other process can read)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings

from haven.core import backup
from haven.core.backup_crypto import BackupKey, decrypt_chunks, key_from_file, read_header

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
from haven.core import ratelimit
ratelimit.incr("tell", "198.51.100.7", seconds=600)  # a pupil page's count: today's salt is made
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


def _env(data_dir: Path, db: str | None, extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL", "PYTEST", "AWS_"))}
    env |= {"HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(data_dir), "DJANGO_SETTINGS_MODULE": "haven.settings"}
    if POSTGRES and db:
        env["DATABASE_URL"] = _pg_url(db)
    return env | (extra or {})


def _run(
    args: list[str], data_dir: Path, db: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=_env(data_dir, db, env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def _manage(
    *args: str, data_dir: Path, db: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return _run(["manage.py", *args], data_dir, db, env)


def _key_of(data_dir: Path) -> BackupKey:
    return key_from_file(data_dir / "backup_key")


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
    assert f"A new backup key was made: {data / 'backup_key'}" in stdout
    assert f"Encrypted with the backup key {_key_of(data).key_id}" in stdout
    assert (data / "backup_key").stat().st_mode & 0o777 == 0o600
    assert archive.read_bytes().startswith(b"HAVEN-BACKUP/2 cipher=aes-256-gcm-chunked key=")
    assert [p.name for p in out.iterdir()] == [archive.name]
    assert archive.parent == out and backup.ARCHIVE_NAME.match(archive.name)
    assert archive.stat().st_mode & 0o777 == 0o600  # it holds the keys
    last = json.loads((data / "last-backup.json").read_text())
    assert last["archive"] == str(archive) and last["bytes"] == archive.stat().st_size


def test_the_manifest_names_everything_in_the_archive(source, tmp_path):
    data, _, archive, _ = source
    key = _key_of(data)
    assert backup.archive_check(archive, keys=[key]).key_id == key.key_id
    manifest, found, opened = backup.archive_extract(archive, tmp_path, keys=[key])
    assert opened.encrypted and manifest["encryption"] == {"cipher": "aes-256-gcm-chunked", "key_id": key.key_id}
    assert manifest["database"]["vendor"] == ("postgresql" if POSTGRES else "sqlite")
    assert manifest["haven"]["version"] == "0.1.0"
    assert dt.datetime.fromisoformat(manifest["created_at"])
    tables = manifest["database"]["tables"]
    assert tables["concerns_concern"] == 3 and tables["audit_auditevent"] > 0
    assert {
        "keys/secret_key",
        "keys/audit_key",
        "keys/field_key",
        "audit/audit-anchors.jsonl",
        "uploads/concerns/2026/11/note.txt",
        "uploads/transfers/2026/11/file.pdf",
    } <= set(manifest["files"])
    assert set(found) == set(manifest["files"])
    assert not any("backup_key" in name for name in found)  # never inside the archive it protects
    for name, entry in manifest["files"].items():
        assert backup.sha256_of(found[name]) == entry["sha256"], name
    assert (tmp_path / "keys" / "audit_key").read_bytes() == (data / "audit_key").read_bytes()


def test_a_world_restores_into_a_fresh_data_dir_with_counts_and_audit_matching(source, target):
    data, _, archive, _ = source
    done = _manage("restore", str(archive), "--key-file", str(data / "backup_key"), data_dir=target, db=RESTORE_DB)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Archive: authentic, decrypted with the backup key {_key_of(data).key_id}" in done.stdout
    assert "match their SHA-256 in the manifest" in done.stdout
    assert "as in the manifest" in done.stdout
    assert "Audit log intact:" in done.stdout and "Audit log intact: 0 " not in done.stdout
    assert (target / "uploads/transfers/2026/11/file.pdf").read_bytes() == b"%PDF-1.7 a transfer file"
    for name in ("secret_key", "audit_key", "field_key", "audit-anchors.jsonl"):
        assert (target / name).read_bytes() == (data / name).read_bytes(), name
    # The restored Haven answers by itself, with the restored keys: verify_audit in a new process,
    # and the narratives, encrypted under the restored field key, read back.
    again = _manage("verify_audit", data_dir=target, db=RESTORE_DB)
    assert again.returncode == 0, again.stderr
    read = _manage(
        "shell",
        "-c",
        "from haven.concerns.models import Concern; print(sorted(Concern.objects.values_list('what_happened', flat=True)))",
        data_dir=target,
        db=RESTORE_DB,
    )
    assert read.returncode == 0, read.stderr
    assert "A push in the corridor, number 2." in read.stdout


@pytest.mark.parametrize("where", ["payload", "header", "cut", "end"])
def test_a_tampered_or_truncated_archive_is_refused(source, target, tmp_path, where):
    data, _, archive, _ = source
    blob = bytearray(archive.read_bytes())
    start = blob.index(b"\n") + 1
    if where == "payload":
        blob[len(blob) // 2] ^= 0x01
    elif where == "header":
        at = blob.index(b"nonce=") + len(b"nonce=")
        blob[at] = ord("0") if blob[at] != ord("0") else ord("1")  # still a header, naming another nonce
    elif where == "cut":
        del blob[start + (len(blob) - start) * 2 // 3 :]
    else:
        del blob[-1]
    tampered = tmp_path / archive.name
    tampered.write_bytes(bytes(blob))
    done = _manage("restore", str(tampered), "--key-file", str(data / "backup_key"), data_dir=target, db=RESTORE_DB)
    assert done.returncode == 1
    assert "changed, damaged or cut short since it was written" in done.stderr
    assert "Nothing was restored: use another copy." in done.stderr
    assert _target_is_empty(target)
    assert not (target / "uploads").exists() or not any((target / "uploads").rglob("*"))


def test_restore_without_the_key_says_which_key_to_give(source, target):
    data, _, archive, _ = source
    done = _manage("restore", str(archive), data_dir=target, db=RESTORE_DB)
    assert done.returncode == 1
    assert f"encrypted with the backup key whose id is {_key_of(data).key_id}, and no key was given" in done.stderr
    assert "--key-file FILE" in done.stderr
    assert _target_is_empty(target)


def test_after_a_key_change_an_older_archive_restores_with_its_key_file(source, target):
    data, _, archive, _ = source
    new_key = {"HAVEN_BACKUP_KEY": base64.b64encode(os.urandom(32)).decode()}
    refused = _manage("restore", str(archive), data_dir=target, db=RESTORE_DB, env=new_key)
    assert refused.returncode == 1
    assert "not with the key given" in refused.stderr and "give the older key with --key-file" in refused.stderr
    done = _manage(
        "restore", str(archive), "--key-file", str(data / "backup_key"), data_dir=target, db=RESTORE_DB, env=new_key
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"decrypted with the backup key {_key_of(data).key_id} (the key file" in done.stdout


def test_a_format_1_archive_from_before_encryption_still_restores(source, target, tmp_path):
    data, _, archive, _ = source
    with archive.open("rb") as f:
        header = read_header(f, name="archive")
        payload = b"".join(decrypt_chunks(f, header, _key_of(data), name="archive"))
    old = tmp_path / "haven-20260101T000000Z.backup"
    old.write_bytes(backup.MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)
    done = _manage("restore", str(old), data_dir=target, db=RESTORE_DB)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "It is not encrypted (made before Haven encrypted its backups)" in done.stdout
    assert "as in the manifest" in done.stdout


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


def test_a_backup_to_s3_rotates_there_and_restores_from_there(source, target, s3_server):
    data, _, _, _ = source
    client = s3_server.bucket("haven-offsite")
    for days in range(1, 40):
        stamp = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        client.put_object(Bucket="haven-offsite", Key=f"school-a/haven-{stamp:{backup.STAMP}}.backup", Body=b"old")
    client.put_object(Bucket="haven-offsite", Key="school-a/readme.txt", Body=b"not ours")
    keep = {"HAVEN_BACKUP_KEEP_DAILY": "3", "HAVEN_BACKUP_KEEP_WEEKLY": "0", "HAVEN_BACKUP_KEEP_MONTHLY": "0"}
    done = _manage(
        "backup", "--to", "s3://haven-offsite/school-a", data_dir=data, db=SOURCE_DB, env=s3_server.env() | keep
    )
    assert done.returncode == 0, done.stdout + done.stderr
    location = done.stdout.strip().splitlines()[-1]
    assert location.startswith("s3://haven-offsite/school-a/haven-") and location.endswith(".backup")
    assert json.loads((data / "last-backup.json").read_text())["archive"] == location

    listed = [o["Key"] for o in client.list_objects_v2(Bucket="haven-offsite", Prefix="school-a/")["Contents"]]
    archives = sorted((k for k in listed if k.endswith(".backup")), reverse=True)
    assert len(archives) == 3 and archives[0] == location.removeprefix("s3://haven-offsite/")
    assert "school-a/readme.txt" in listed
    assert done.stdout.count("Pruned haven-") == 39 - 2
    body = client.get_object(Bucket="haven-offsite", Key=archives[0])["Body"].read()
    assert body.startswith(b"HAVEN-BACKUP/2 ") and b"haven.sqlite3" not in body and b"haven.pgdump" not in body

    restored = _manage(
        "restore",
        location,
        "--key-file",
        str(data / "backup_key"),
        data_dir=target,
        db=RESTORE_DB,
        env=s3_server.env(),
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "as in the manifest" in restored.stdout and "Audit log intact:" in restored.stdout
    assert (target / "uploads/concerns/2026/11/note.txt").read_bytes() == b"an attachment"


def test_an_s3_store_that_cannot_be_reached_is_a_clear_failure(source, s3_server):
    data, _, _, _ = source
    before = (data / "last-backup.json").read_bytes()
    env = s3_server.env() | {"HAVEN_BACKUP_S3_ENDPOINT": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"}
    done = _manage("backup", "--to", "s3://haven-offsite/school-a", data_dir=data, db=SOURCE_DB, env=env)
    assert done.returncode == 1
    assert "Could not start an upload to s3://haven-offsite/school-a/haven-" in done.stderr
    assert "at http://127.0.0.1:9" in done.stderr and "Traceback" not in done.stderr
    assert (data / "last-backup.json").read_bytes() == before
    assert not list(data.glob(".haven-backup-*"))  # the staged snapshot is gone


def test_no_archive_carries_the_rate_limits_salts_or_counts(source, tmp_path):
    """A day's salt in an archive would let its holder try every address against the day's
    keys: the salts and counts are left out of the database copy (haven.core.backup)."""
    data, _, archive, _ = source
    manifest, found, _ = backup.archive_extract(archive, tmp_path, keys=[_key_of(data)])
    assert manifest["database"]["tables"]["core_ratesalt"] == 0
    assert manifest["database"]["tables"]["core_ratecount"] == 0
    env = _env(data, SOURCE_DB)
    live = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from haven.core.models import RateSalt; "
            "print(RateSalt.objects.get().salt.hex())",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert live.returncode == 0, live.stderr
    salt = bytes.fromhex(live.stdout.strip())
    assert len(salt) == 32  # the source holds one, as a live site would
    for name, path in found.items():
        assert salt not in path.read_bytes(), name
