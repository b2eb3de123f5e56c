"""The least-privilege PostgreSQL roles of docs/deploy.md (ASVS V13.2.2), proved: a scratch
database made by deploy/postgresql/roles.sql, migrated as the owner, then the application run
as its own role (the services, a page, the backup, the audit check) while every change to the
schema, and every way round the audit log's append-only triggers, is refused.

PostgreSQL only: the suite's PostgreSQL leg (DATABASE_URL set, as scripts/test.sh decides)
defines the test; SQLite has no roles."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings

ROOT = Path(settings.BASE_DIR)

_APP = """
import datetime as dt, json, django
django.setup()
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from conftest import build_world, sign_in
from haven.audit.models import AuditEvent
from haven.concerns.models import Category
from haven.concerns.services import ChildInConcern, concern_submit

world = build_world()
concern = concern_submit(
    by=world.users["staff_a"], school=world.school_a,
    children=[ChildInConcern(world.pupils["a"].pk, "affected")],
    occurred_at=timezone.now() - dt.timedelta(days=1), location="corridor",
    category_ids=[Category.objects.get(code="bullying", authority__isnull=True).pk],
    what_happened="A push in the corridor.", child_told_next_steps="yes",
)
client = Client()
sign_in(client, world.users["dsl_a"])
page = client.get(f"/concerns/{concern.reference}/")
refused = {}
for name, sql in {
    "update_audit": "UPDATE audit_auditevent SET object_id = object_id",
    "delete_audit": "DELETE FROM audit_auditevent",
    "truncate_audit": "TRUNCATE audit_auditevent",
    "drop_trigger": "DROP TRIGGER audit_event_no_change ON audit_auditevent",
    "disable_trigger": "ALTER TABLE audit_auditevent DISABLE TRIGGER USER",
    "create_table": "CREATE TABLE intruder (a int)",
    "alter_table": "ALTER TABLE concerns_concern ADD COLUMN intruder int",
    "drop_table": "DROP TABLE concerns_concern",
}.items():
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
        refused[name] = None
    except Exception as exc:
        refused[name] = str(exc).splitlines()[0]
print(json.dumps({
    "page": page.status_code, "shown": "A push in the corridor." in page.text,
    "audit_rows": AuditEvent.objects.count(), "refused": refused,
}))
"""


def _admin_psql(*args: str) -> subprocess.CompletedProcess[str]:
    u = urlsplit(os.environ["DATABASE_URL"])
    psql = shutil.which("psql")
    assert psql, "psql (postgresql-client) is needed to run deploy/postgresql/roles.sql"
    env = {**os.environ, "PGPASSWORD": u.password or ""}
    where = ["-h", u.hostname or "127.0.0.1", "-p", str(u.port or 5432), "-U", u.username or "postgres"]
    return subprocess.run(  # noqa: S603 (psql with this test's own arguments)
        [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", *where, "-d", "postgres", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _url(role: str, password: str, db: str) -> str:
    u = urlsplit(os.environ["DATABASE_URL"])
    return f"postgres://{role}:{quote(password)}@{u.hostname or '127.0.0.1'}:{u.port or 5432}/{db}"


def _run(args: list[str], *, url: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL", "PYTEST"))}
    env |= {
        "HAVEN_ENV": "test",
        "HAVEN_DATA_DIR": str(data_dir),
        "HAVEN_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )


if os.environ.get("DATABASE_URL"):

    def test_the_application_role_reads_and_writes_rows_and_nothing_else(tmp_path):
        suffix = f"{os.getpid()}_{secrets.token_hex(3)}"
        db, owner, app = f"haven_lp_{suffix}", f"haven_lp_owner_{suffix}", f"haven_lp_app_{suffix}"
        owner_pw, app_pw = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        names = ["-v", f"db={db}", "-v", f"owner={owner}", "-v", f"app={app}"]
        made = _admin_psql(*names, "-f", str(ROOT / "deploy" / "postgresql" / "roles.sql"))
        try:
            assert made.returncode == 0, made.stderr
            passwords = f"ALTER ROLE \"{owner}\" PASSWORD '{owner_pw}'; ALTER ROLE \"{app}\" PASSWORD '{app_pw}';"
            assert _admin_psql("-c", passwords).returncode == 0

            migrated = _run(["manage.py", "migrate", "-v0"], url=_url(owner, owner_pw, db), data_dir=tmp_path)
            assert migrated.returncode == 0, migrated.stderr

            as_app = _url(app, app_pw, db)
            ran = _run(["-c", _APP], url=as_app, data_dir=tmp_path)
            assert ran.returncode == 0, ran.stderr
            result = json.loads(ran.stdout.strip().splitlines()[-1])
            assert result["page"] == 200 and result["shown"]  # the services and a page work
            assert result["audit_rows"] >= 2
            refusals = result["refused"]
            assert all(refusals.values()), f"allowed to the application's role: {refusals}"
            assert "append-only" in refusals["update_audit"]  # the trigger, still there
            assert "append-only" in refusals["delete_audit"]
            assert "permission denied" in refusals["truncate_audit"]
            for name in ("drop_trigger", "disable_trigger", "alter_table", "drop_table"):
                assert "must be owner" in refusals[name], refusals[name]
            assert "permission denied for schema public" in refusals["create_table"]

            # The application's own sweeps and checks run as it too.
            for command in (["check"], ["verify_audit"], ["purge_limits"], ["clearsessions"]):
                done = _run(["manage.py", *command], url=as_app, data_dir=tmp_path)
                assert done.returncode == 0, (command, done.stderr)
            backup = _run(["manage.py", "backup", "--to", str(tmp_path / "backups")], url=as_app, data_dir=tmp_path)
            assert backup.returncode == 0, backup.stderr
        finally:
            _admin_psql("-c", f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)')
            _admin_psql("-c", f'DROP ROLE IF EXISTS "{app}"')
            _admin_psql("-c", f'DROP ROLE IF EXISTS "{owner}"')
