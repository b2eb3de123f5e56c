"""Rate limits and lockouts are shared by separate processes and outlive them (issue 16):
each process here is its own ``manage.py shell``, as each gunicorn worker is its own
process, against the test database (SQLite or PostgreSQL) or Redis."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
import redis
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
REDIS_URL = "redis://127.0.0.1:6379/0"
ADDRESS = "198.51.100.23"

# Committed rows (so the processes see them), flushed after each test.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


@pytest.fixture(params=["database", "redis"])
def shared_env(request, tmp_path, django_db_blocker):
    """The environment of a process that sees this test's database (and, for Redis, this
    test's own key prefix)."""
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path)}
    env.pop("HAVEN_REDIS_URL", None)
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        env["DATABASE_URL"] = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        # The test database lives in memory: the processes share a copy of it on disk.
        env.pop("DATABASE_URL", None)
        with django_db_blocker.unblock():
            connection.ensure_connection()
            target = sqlite3.connect(tmp_path / "haven.sqlite3")
            connection.connection.backup(target)
            # A copy of a memory database is in rollback-journal mode; switching it to WAL
            # needs the only connection, so two processes opening it at once would each
            # try and one gets "database is locked" (Haven's own file is WAL from migrate).
            target.execute("PRAGMA journal_mode=WAL")
            target.close()
    prefix = f"haven-test-{uuid.uuid4().hex}:"
    if request.param == "redis":
        env |= {"HAVEN_REDIS_URL": REDIS_URL, "HAVEN_LIMITS_PREFIX": prefix}
    yield env
    client = redis.Redis.from_url(REDIS_URL)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)


def _shell(env: dict[str, str], code: str) -> subprocess.Popen[str]:
    return subprocess.Popen(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "shell", "-v0", "-c", code],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _answer(process: subprocess.Popen[str]) -> str:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    lines = out.strip().splitlines()
    return lines[-1] if lines else ""


def _run(env: dict[str, str], code: str) -> str:
    return _answer(_shell(env, code))


# As the pupil pages do: refuse when over, else count this one.
THREE_TRIES = f"""
from haven.pupil_voice import limits
limit = limits.Limit("shared-test", 5, 15 * 60)
allowed = 0
for _ in range(3):
    if not limits.over(limit, "{ADDRESS}"):
        limits.hit(limit, "{ADDRESS}")
        allowed += 1
print(allowed)
"""


def test_two_processes_share_one_limit_and_a_new_process_still_sees_it(shared_env):
    assert _run(shared_env, THREE_TRIES) == "3"
    assert _run(shared_env, THREE_TRIES) == "2", "the second process saw the first one's three"
    assert _run(shared_env, THREE_TRIES) == "0", "a restart does not lift the limit"


def test_two_processes_at_once_reach_the_limit_exactly_once(shared_env):
    """Two processes each count 30 at the same moment: the 40th count is reached by one
    call in one of them, and none is lost."""
    start = time.time() + 6  # both have started Django by then
    code = f"""
import time
from haven.core import ratelimit
time.sleep(max(0, {start} - time.time()))
seen = [ratelimit.incr("race", "{ADDRESS}", seconds=900) for _ in range(30)]
print(seen.count(40), max(seen))
"""
    first, second = _shell(shared_env, code), _shell(shared_env, code)
    answers = [_answer(first).split(), _answer(second).split()]
    assert sum(int(reached) for reached, _ in answers) == 1
    assert max(int(top) for _, top in answers) == 60
    assert _run(shared_env, f'from haven.core import ratelimit; print(ratelimit.count("race", "{ADDRESS}"))') == "60"


SIGN_IN = """
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
from django.urls import reverse
from haven.accounts.models import User
if not User.objects.filter(email="locked@example.org").exists():
    User.objects.create_user("locked@example.org", "a long enough passphrase 7", full_name="Locked Out")
codes = [
    Client().post(reverse("accounts:sign_in"), {{"email": "locked@example.org", "password": p}}).status_code
    for p in {passwords!r}
]
print(" ".join(map(str, codes)))
"""


def test_the_staff_lockout_is_shared_by_processes_and_survives_a_restart(shared_env, settings):
    right, wrong = "a long enough passphrase 7", "wrong"
    assert _run(shared_env, SIGN_IN.format(passwords=[right])) == "302", "the account signs in"
    failures = settings.AXES_FAILURE_LIMIT
    first = _run(shared_env, SIGN_IN.format(passwords=[wrong] * (failures - 2)))
    assert set(first.split()) == {"400"}
    second = _run(shared_env, SIGN_IN.format(passwords=[wrong, wrong]))
    assert second.split()[-1] == "429", "the other process's failures counted"
    assert _run(shared_env, SIGN_IN.format(passwords=[right])) == "429", "still locked in a new process"


API_WRITES = """
from django.test.utils import setup_test_environment
setup_test_environment()
import json
from django.test import Client
from haven.accounts.models import User
from haven.api.services import token_create
user = User.objects.get(email={email!r})
token = token_create(by=user, name="MIS")[1]
answers = []
for _ in range({tries}):
    r = Client().post("/api/v1/concerns/", data="{{}}", content_type="application/json",
                      headers={{"Authorization": "Bearer " + token}})
    answers.append([r.status_code, r["Content-Type"], r.get("Retry-After", "")])
print(json.dumps(answers))
"""


def test_the_api_throttle_is_shared_by_processes_and_survives_a_restart(shared_env):
    """V2.4.1: the API's write rate (here 5 a minute) is counted once across two processes,
    and a third, started afterwards, still refuses: 429 problem+json with Retry-After."""
    import json

    env = {**shared_env, "HAVEN_API_WRITES_PER_MINUTE": "5"}
    email = _run(env, "from conftest import build_world; print(build_world().users['staff_a'].email)")
    first = json.loads(_run(env, API_WRITES.format(email=email, tries=3)))
    assert [status for status, _, _ in first] == [400, 400, 400], "an empty concern is refused as invalid"
    second = json.loads(_run(env, API_WRITES.format(email=email, tries=3)))
    assert [status for status, _, _ in second] == [400, 400, 429], "the first process's three counted"
    _, content_type, retry_after = second[-1]
    assert content_type == "application/problem+json"
    assert 0 < int(retry_after) <= 60
    third = json.loads(_run(env, API_WRITES.format(email=email, tries=1)))
    assert third[0][0] == 429, "a restart does not reset the count"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    """gunicorn as scripts/run.sh starts it: three worker processes."""
    server = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "haven.wsgi:application",
            *("--bind", f"127.0.0.1:{port}", "--workers", "3", "--threads", "2"),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 240  # three workers start slowly on a busy machine
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.2)
    return server


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    server.wait(timeout=30)


class _Pupil:
    """A browser without JavaScript: cookies, the CSRF token, plain form posts."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def post(self, path: str, fields: dict[str, str]) -> str:
        with self.opener.open(self.base + path, timeout=30) as page:
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.read().decode())
        assert token, "the form carries a CSRF token"
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as answer:
                return str(answer.read().decode())
        except urllib.error.HTTPError as e:
            return str(e.read().decode())


def test_a_check_lockout_holds_across_three_workers_and_a_restart(shared_env):
    code = _run(shared_env, "from conftest import build_world; print(build_world().school_a.report_code)")
    port = _free_port()
    server = _serve(shared_env, port)
    try:
        pupil = _Pupil(f"http://127.0.0.1:{port}")
        told = pupil.post(
            f"/tell/{code}/",
            {
                "what_happened": "They push me on the bus.",
                "where": "corridor",
                "when": "this_week",
                "happened_to": "me",
            },
        )
        reference = re.search(r'id="reference"><strong>([A-Z0-9-]+)</strong>', told)
        passphrase = re.search(r'id="passphrase"><strong>([a-z ]+)</strong>', told)
        assert reference and passphrase, "the report was made"
        for _ in range(5):  # five wrong tries, each a new connection to any of the three workers
            assert "Your report" not in pupil.post(
                "/tell/check/", {"reference": reference.group(1), "passphrase": "otter maple drum kite honey"}
            )
    finally:
        _stop(server)
    server = _serve(shared_env, port)
    try:
        right = {"reference": reference.group(1), "passphrase": passphrase.group(1)}
        assert "Your report" not in pupil.post("/tell/check/", right), "the lockout outlived the restart"
        _run(
            shared_env,
            f"from haven.pupil_voice import limits; limits.clear(limits.CHECK_FAILURES, '{reference.group(1)}')",
        )
        assert "Your report" in pupil.post("/tell/check/", right), "once lifted, the right passphrase opens it"
    finally:
        _stop(server)
