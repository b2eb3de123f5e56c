"""Backups and restores: one archive holding everything needed to bring Haven back.

An archive is one file, ``haven-YYYYMMDDTHHMMSSZ.backup``, in a directory or an S3-compatible
store (haven.core.backup_store), encrypted and authenticated chunk by chunk with a backup key
kept apart from it (haven.core.backup_crypto). Inside is a gzipped tar of

- ``database/haven.sqlite3`` (SQLite's online backup API, never a copy of the live file,
  which a write in progress would leave corrupt) or ``database/haven.pgdump``
  (``pg_dump --format=custom``);
- ``uploads/`` (settings.MEDIA_ROOT: concern attachments and the child-protection files of
  transfers, ``uploads/transfers/``);
- ``keys/secret_key``, ``keys/audit_key``, ``keys/field_key`` and ``keys/field_keys_old``
  when they are files in the data dir (a key given in the environment is the operator's to
  keep, and the manifest says so); without the field key no narrative can be read back;
- ``audit/audit-anchors.jsonl`` (settings.AUDIT_ANCHOR_FILE, the chain heads outside the
  database);
- ``manifest.json``: Haven's version and commit, the time, the database vendor, the row count
  of every table in the same snapshot as the dump, and the SHA-256 of every file.

The encryption refuses any changed, moved or missing byte (and an archive cut short) before
it reaches the restore; the manifest then checks each file and the restored database. The
archive holds the secret, audit and field keys, which is why it is encrypted. Archives of format 1
(unencrypted, a SHA-256 in the header line) are still restored.

Order matters: the anchor file and keys are copied before the database snapshot (an anchor
written later would name entries the snapshot lacks), the uploads after it (a row in the
snapshot always finds its file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.db.backends.sqlite3._functions import register as register_functions  # type: ignore[import-untyped]

from haven.core import clock
from haven.core.backup_crypto import (
    CIPHER,
    BackupError,
    BackupKey,
    DecryptingReader,
    EncryptingWriter,
    choose_key,
    decrypt_chunks,
    read_header,
)
from haven.core.backup_store import ARCHIVE_NAME, DirectoryStore, Store, is_s3, open_archive, store_for
from haven.core.health import LAST_BACKUP_FILE

__all__ = ["ARCHIVE_NAME", "BackupError"]

FORMAT = 1  # the manifest's format
MAGIC = b"HAVEN-BACKUP/1 encryption=none sha256="  # format 1 archives, read but no longer written
HEADER_LENGTH = len(MAGIC) + 64 + 1
STAMP = "%Y%m%dT%H%M%SZ"
SQLITE_NAME = "database/haven.sqlite3"
# Tables whose rows no backup carries: the rate limits' daily salts and their counts
# (haven.core.ratelimit). A salt in an archive would let whoever holds the archive try every
# address against the day's keys; both are thrown away within a day anyway.
NOT_BACKED_UP = ("core_ratesalt", "core_ratecount")
PGDUMP_NAME = "database/haven.pgdump"
MANIFEST = "manifest.json"
ANCHORS_NAME = "audit/audit-anchors.jsonl"
KEY_NAMES = {
    "secret_key": "keys/secret_key",
    "audit_key": "keys/audit_key",
    "field_key": "keys/field_key",
    "field_keys_old": "keys/field_keys_old",
}
_ALLOWED_TOP = {"database", "uploads", "keys", "audit"}
_CHUNK = 1024 * 1024


# Where things are -------------------------------------------------------------------------


def key_files() -> dict[str, Path | None]:
    """The key files as settings reads them (haven/settings.py ``_secret_key``, ``_audit_key``,
    ``_field_key``, ``_field_keys_old``);
    None where the operator gives the key instead (the environment, a ``_FILE`` or a systemd
    credential: settings.SECRET_ORIGINS)."""
    given = settings.SECRET_ORIGINS
    audit = Path(os.environ.get("HAVEN_AUDIT_KEY_FILE") or settings.DATA_DIR / "audit_key")
    field = Path(os.environ.get("HAVEN_FIELD_KEY_FILE") or settings.DATA_DIR / "field_key")
    old_given = "HAVEN_FIELD_KEYS_OLD" in given or "HAVEN_FIELD_KEYS_OLD" in os.environ
    return {
        "secret_key": None if "HAVEN_SECRET_KEY" in given else settings.DATA_DIR / "secret_key",
        "audit_key": None if "HAVEN_AUDIT_KEY" in given else audit,
        "field_key": None if "HAVEN_FIELD_KEY" in given else field,
        "field_keys_old": None if old_given else settings.DATA_DIR / "field_keys_old",
    }


def media_root() -> Path:
    return Path(settings.MEDIA_ROOT)


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.is_symlink():
                yield path


def haven_version() -> dict[str, str | None]:
    base = Path(settings.BASE_DIR)
    version: str | None = None
    with contextlib.suppress(OSError, KeyError, tomllib.TOMLDecodeError):
        version = tomllib.loads((base / "pyproject.toml").read_text())["project"]["version"]
    commit: str | None = None
    git = shutil.which("git")
    if git:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            done = subprocess.run(  # noqa: S603 (git found on PATH, fixed arguments)
                [git, "-C", str(base), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False
            )
            if done.returncode == 0 and done.stdout.strip():
                commit = done.stdout.strip()
    return {"version": version, "commit": commit}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# The database -----------------------------------------------------------------------------


def sqlite_counts(conn: sqlite3.Connection) -> dict[str, int]:
    """Rows in every table, names read from the database's own catalogue and quoted."""
    names = [
        row[0]
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    quoted = {name: '"' + name.replace('"', '""') + '"' for name in names}
    return {name: conn.execute(f"SELECT COUNT(*) FROM {q}").fetchone()[0] for name, q in quoted.items()}  # noqa: S608  # nosec B608


def _pg_counts(cursor: Any) -> dict[str, int]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename")
    names = [row[0] for row in cursor.fetchall()]
    counts = {}
    for name in names:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(name)}")  # noqa: S608  # nosec B608
        counts[name] = cursor.fetchone()[0]
    return counts


def _pg_env() -> dict[str, str]:
    """libpq's environment for pg_dump / pg_restore: the password never on a command line."""
    db: dict[str, Any] = dict(settings.DATABASES["default"])
    env = dict(os.environ)
    for var, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    env["PGDATABASE"] = str(db["NAME"])
    return env


def _pg_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed. Install Debian's PostgreSQL client (apt-get install postgresql-client), "
            "the same major version as the server or newer."
        )
    done = subprocess.run([path, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"(\d+)\.", done.stdout)
    server = connection.pg_version // 10000  # type: ignore[attr-defined]
    if match and int(match.group(1)) < server:
        raise BackupError(
            f"{name} {match.group(1)} is older than the PostgreSQL {server} server; install a newer client."
        )
    return path


def _snapshot_sqlite(into: Path) -> dict[str, int]:
    if connection.is_in_memory_db():  # type: ignore[attr-defined]
        # Only the test suite's database: no other connection can open it, so copy from Django's.
        connection.ensure_connection()
        source = connection.connection
        own_source = False
    else:
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"], timeout=20)
        own_source = True
    target = sqlite3.connect(into)
    register_functions(target)  # the schema's indexes and constraints call Django's SQL functions
    try:
        source.backup(target)  # one step: a consistent snapshot even while others write
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        target.execute("PRAGMA secure_delete=ON")  # the deleted salts' pages are zeroed, not freed
        for name in NOT_BACKED_UP:
            if target.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone():
                target.execute(f'DELETE FROM "{name}"')  # noqa: S608  # nosec B608 (names above)
        target.commit()
        target.execute("VACUUM")
        if (check := target.execute("PRAGMA quick_check").fetchone()[0]) != "ok":
            raise BackupError(f"The copy of the database failed SQLite's check: {check}")
        return sqlite_counts(target)
    finally:
        target.close()
        if own_source:
            source.close()


def _snapshot_postgresql(into: Path) -> dict[str, int]:
    """pg_dump and the row counts read the same snapshot, exported by a repeatable-read transaction."""
    pg_dump = _pg_tool("pg_dump")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts = {name: (0 if name in NOT_BACKED_UP else n) for name, n in _pg_counts(cursor).items()}
        excluded = [f"--exclude-table-data={name}" for name in NOT_BACKED_UP]
        done = subprocess.run(  # noqa: S603 (pg_dump from PATH, arguments we build)
            [
                pg_dump,
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                *excluded,
                f"--file={into}",
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return counts


# The archive ------------------------------------------------------------------------------


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = size, int(mtime), 0o600
    return info


@dataclass
class Written:
    location: str  # the archive's path, or its s3:// address
    manifest: dict[str, Any]
    bytes: int
    seconds: float
    key: BackupKey
    pruned: list[str] = field(default_factory=list)


def backup_write(to: str | Path, *, key: BackupKey) -> Written:
    """Write one archive, encrypted with ``key``, into ``to`` (a directory or ``s3://bucket/prefix``);
    returns where, with its manifest."""
    started = time.monotonic()
    now = clock.now().astimezone(dt.UTC)
    store = store_for(to)
    name = f"haven-{now:{STAMP}}.backup"
    if isinstance(store, DirectoryStore):
        store.path.mkdir(parents=True, exist_ok=True)
        staging_parent = store.path  # the same disk as the archive, never a small /tmp
    else:
        staging_parent = Path(settings.DATA_DIR)
    with tempfile.TemporaryDirectory(dir=staging_parent, prefix=".haven-backup-") as tmp:
        staging = Path(tmp)
        members: list[tuple[str, Path]] = []
        keys: dict[str, str] = {}
        # Anchors and keys first, then the database, then the uploads (see the module docstring).
        anchors = Path(settings.AUDIT_ANCHOR_FILE)
        if anchors.exists():
            copy = staging / "audit-anchors.jsonl"
            shutil.copyfile(anchors, copy)
            members.append((ANCHORS_NAME, copy))
        for key_name, path in key_files().items():
            if path is None:
                keys[key_name] = "given by the operator (not in this archive: keep it yourself)"
            elif path.exists():
                members.append((KEY_NAMES[key_name], path))
                keys[key_name] = "file"
            else:
                keys[key_name] = "missing"
        vendor = connection.vendor
        if vendor == "sqlite":
            db_name, db_file = SQLITE_NAME, staging / "haven.sqlite3"
            counts = _snapshot_sqlite(db_file)
        elif vendor == "postgresql":
            db_name, db_file = PGDUMP_NAME, staging / "haven.pgdump"
            counts = _snapshot_postgresql(db_file)
        else:
            raise BackupError(f"Backups of a {vendor} database are not supported.")
        members.insert(0, (db_name, db_file))
        root = media_root()
        members += [(f"uploads/{p.relative_to(root).as_posix()}", p) for p in _files_under(root)]

        files: dict[str, dict[str, Any]] = {}
        for member, path in members:
            files[member] = {"sha256": sha256_of(path), "bytes": path.stat().st_size}
        manifest = {
            "format": FORMAT,
            "haven": haven_version(),
            "created_at": now.isoformat(),
            "database": {"vendor": vendor, "file": db_name, "tables": counts, "rows": sum(counts.values())},
            "keys": keys,
            "encryption": {"cipher": CIPHER, "key_id": key.key_id},
            "files": files,
        }
        manifest_bytes = json.dumps(manifest, indent=1, sort_keys=True).encode()
        with store.writer(name) as sink:
            size = _write_archive(sink, key, members, files, manifest_bytes, now)
    location = store.describe(name)
    seconds = time.monotonic() - started
    _record_last_backup(location, now, size, seconds)
    return Written(location, manifest, size, seconds, key)


def _write_archive(
    sink: IO[bytes],
    key: BackupKey,
    members: list[tuple[str, Path]],
    files: dict[str, dict[str, Any]],
    manifest: bytes,
    now: dt.datetime,
) -> int:
    """Tar, gzip, encrypt, write: a stream all the way, one chunk in memory at a time."""
    encrypted = EncryptingWriter(sink, key)
    with (
        gzip.GzipFile(fileobj=encrypted, mode="wb", compresslevel=6, mtime=int(now.timestamp())) as gz,
        tarfile.open(fileobj=gz, mode="w|") as tar,
    ):
        for member, path in members:
            with path.open("rb") as f:
                tar.addfile(_tarinfo(member, files[member]["bytes"], path.stat().st_mtime), f)
        tar.addfile(_tarinfo(MANIFEST, len(manifest), now.timestamp()), io.BytesIO(manifest))
    encrypted.finish()
    return encrypted.bytes_out


def _record_last_backup(location: str, at: dt.datetime, size: int, seconds: float) -> None:
    """What /healthz reads (haven.core.health.backup_check)."""
    record = settings.DATA_DIR / LAST_BACKUP_FILE
    tmp = record.with_suffix(".tmp")
    tmp.write_text(json.dumps({"at": at.isoformat(), "archive": location, "bytes": size, "seconds": round(seconds, 1)}))
    os.replace(tmp, record)


def _legacy_check(f: IO[bytes], name: str) -> str:
    """A format 1 archive's checksum, or BackupError when any byte differs from what was written."""
    header = f.read(HEADER_LENGTH)
    if not header.startswith(MAGIC) or not header.endswith(b"\n"):
        raise BackupError(f"{name} is not a Haven backup archive (its first line is not Haven's).")
    expected = header[len(MAGIC) : -1].decode("ascii", "replace")
    digest = hashlib.sha256()
    while chunk := f.read(_CHUNK):
        digest.update(chunk)
    if digest.hexdigest() != expected:
        raise BackupError(
            f"{name} has been changed or damaged since it was written (its SHA-256 does not match the one "
            "recorded in it). Nothing was restored: use another copy."
        )
    return expected


def _is_legacy(f: IO[bytes]) -> bool:
    start = f.read(len(MAGIC))
    f.seek(0)
    return start == MAGIC


@dataclass
class Opened:
    """What restore says about an archive once it is read: how it was protected."""

    encrypted: bool
    key_id: str | None = None
    key_origin: str | None = None


def archive_check(location: str | Path, *, keys: list[BackupKey]) -> Opened:
    """Read the whole archive and check every byte of it, restoring nothing (a drill without a target)."""
    name = str(location)
    with open_archive(name) as f:
        if not is_s3(name) and _is_legacy(f):
            _legacy_check(f, name)
            return Opened(encrypted=False)
        header = read_header(f, name=name)
        key = choose_key(header, keys, name=name)
        for _ in decrypt_chunks(f, header, key, name=name):
            pass
        return Opened(encrypted=True, key_id=key.key_id, key_origin=key.origin)


def archive_extract(
    location: str | Path, into: Path, *, keys: list[BackupKey]
) -> tuple[dict[str, Any], dict[str, Path], Opened]:
    """Decrypt and unpack an archive into ``into`` in one pass; return its manifest, where each
    file went and how it was protected. Nothing unauthentic is unpacked, and an archive that
    fails any check raises BackupError before anything outside ``into`` is touched. Only
    regular files under the archive's own folders are taken."""
    name = str(location)
    with open_archive(name) as f:
        if not is_s3(name) and _is_legacy(f):
            _legacy_check(f, name)  # format 1 carries one checksum for the whole: check it first
            f.seek(HEADER_LENGTH)
            manifest, found = _unpack(f, into)
            opened = Opened(encrypted=False)
        else:
            header = read_header(f, name=name)
            key = choose_key(header, keys, name=name)
            reader = DecryptingReader(decrypt_chunks(f, header, key, name=name))
            manifest, found = _unpack(io.BufferedReader(reader, buffer_size=_CHUNK), into)
            if reader.drain():  # the last chunk's check, and nothing after the tar's end
                raise BackupError(f"{name} holds data after its end. Nothing was restored: use another copy.")
            opened = Opened(encrypted=True, key_id=key.key_id, key_origin=key.origin)
    if manifest is None or manifest.get("format") != FORMAT:
        raise BackupError("The archive has no manifest Haven can read.")
    return manifest, found, opened


def _unpack(f: IO[bytes], into: Path) -> tuple[dict[str, Any] | None, dict[str, Path]]:
    found: dict[str, Path] = {}
    manifest: dict[str, Any] | None = None
    try:
        with gzip.GzipFile(fileobj=f, mode="rb") as gz, tarfile.open(fileobj=gz, mode="r|") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if not member.isreg() or name.is_absolute() or ".." in name.parts:
                    raise BackupError(f"The archive holds an unexpected entry: {member.name!r}")
                source = tar.extractfile(member)
                if source is None:  # pragma: no cover - isreg() members always have data
                    continue
                if member.name == MANIFEST:
                    manifest = json.loads(source.read())
                    continue
                if name.parts[0] not in _ALLOWED_TOP:
                    raise BackupError(f"The archive holds an unexpected entry: {member.name!r}")
                target = into.joinpath(*name.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with target.open("wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
                found[member.name] = target
            # gzip checks its own CRC only when read to its end
            while gz.read(_CHUNK):
                pass
    except (tarfile.TarError, EOFError, gzip.BadGzipFile, ValueError) as exc:
        raise BackupError(f"The archive cannot be unpacked: {exc}") from exc
    except OSError as exc:
        raise BackupError(f"The archive cannot be unpacked: {exc.strerror or exc}") from exc
    return manifest, found


# Rotation ---------------------------------------------------------------------------------


def _archives(store: Store) -> list[tuple[dt.datetime, str]]:
    out = []
    for name in store.names():
        if match := ARCHIVE_NAME.match(name):
            out.append((dt.datetime.strptime(match.group(1), STAMP).replace(tzinfo=dt.UTC), name))
    return sorted(out, reverse=True)


def archives_to_keep(stamps: list[dt.datetime], *, daily: int, weekly: int, monthly: int) -> set[dt.datetime]:
    """Grandfather-father-son: the newest archive of each of the last ``daily`` days that have
    one, of the last ``weekly`` ISO weeks and of the last ``monthly`` months."""
    keep: set[dt.datetime] = set()
    periods: list[tuple[int, Callable[[dt.datetime], object]]] = [
        (daily, lambda t: t.date()),
        (weekly, lambda t: t.isocalendar()[:2]),
        (monthly, lambda t: (t.year, t.month)),
    ]
    for count, period in periods:
        seen: set[object] = set()
        for stamp in sorted(stamps, reverse=True):
            key = period(stamp)
            if key in seen:
                continue
            if len(seen) == count:
                break
            seen.add(key)
            keep.add(stamp)
    return keep


def prune(
    where: Path | str | Store, *, daily: int, weekly: int, monthly: int, protect: str | Path | None = None
) -> list[str]:
    """Delete the archives in a directory or store that no rule keeps (only names like ours);
    returns the names deleted. ``protect`` (a name or path) is never deleted."""
    store = store_for(where) if isinstance(where, str | Path) else where
    found = _archives(store)
    keep = archives_to_keep([stamp for stamp, _ in found], daily=daily, weekly=weekly, monthly=monthly)
    protected = PurePosixPath(str(protect)).name if protect is not None else None
    removed = []
    for stamp, name in found:
        if stamp not in keep and name != protected:
            store.delete(name)
            removed.append(name)
    return removed


# Restore ----------------------------------------------------------------------------------


def target_refusal() -> str | None:
    """Why the database or data dir named by the settings may not take a restore, or None."""
    vendor = connection.vendor
    if vendor == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        if name.exists() and name.stat().st_size > 0:
            conn = sqlite3.connect(f"file:{name}?mode=ro", uri=True)
            try:
                tables = conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0]
            except sqlite3.DatabaseError:
                tables = 1
            finally:
                conn.close()
            if tables:
                return f"The data dir already holds a database ({name}). Restore into an empty HAVEN_DATA_DIR."
    elif vendor == "postgresql":
        try:
            tables = connection.introspection.table_names()
        except DatabaseError as exc:
            return f"Cannot connect to the target database ({exc}). Create it first, empty: createdb NAME."
        if tables:
            return (
                f"The target database already has {len(tables)} tables. Restore into a new, empty database "
                "(createdb NAME; DATABASE_URL=postgres://.../NAME)."
            )
    else:
        return f"Restores into a {vendor} database are not supported."
    if any(_files_under(media_root())):
        return f"The data dir already holds uploads ({media_root()}). Restore into an empty HAVEN_DATA_DIR."
    anchors = Path(settings.AUDIT_ANCHOR_FILE)
    if anchors.exists() and anchors.stat().st_size > 0:
        return f"The data dir already holds an audit anchor file ({anchors}). Restore into an empty HAVEN_DATA_DIR."
    return None


def restore_database(vendor: str, dump: Path) -> None:
    if vendor != connection.vendor:
        raise BackupError(
            f"The archive holds a {vendor} database but the settings name a {connection.vendor} one; "
            "set DATABASE_URL (PostgreSQL) or leave it unset (SQLite) to match the archive."
        )
    if vendor == "sqlite":
        connections.close_all()
        source = sqlite3.connect(dump)
        target = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
            source.close()
    else:
        pg_restore = _pg_tool("pg_restore")
        connections.close_all()
        done = subprocess.run(  # noqa: S603 (pg_restore from PATH, arguments we build)
            [
                pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={_pg_env()['PGDATABASE']}",
                str(dump),
            ],
            env=_pg_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def restored_counts(vendor: str) -> dict[str, int]:
    if vendor == "sqlite":
        conn = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        try:
            return sqlite_counts(conn)
        finally:
            conn.close()
    with connection.cursor() as cursor:
        return _pg_counts(cursor)


def place(source: Path, target: Path, *, mode: int | None = None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.move(source, target)
    if mode is not None:
        target.chmod(mode)
