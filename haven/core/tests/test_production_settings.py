"""Production settings: TLS with a checked certificate to a database or Redis on another machine
(ASVS V12.3.1, V12.3.2), and no demo package (V15.2.3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from haven.core.transport import database_url_problem, redis_url_problem

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(
    "url",
    [
        "",
        "postgres://haven:pw@127.0.0.1:5432/haven",
        "postgres://haven:pw@localhost/haven",
        "postgres://haven@[::1]:5432/haven",
        "postgres://haven@%2Fvar%2Frun%2Fpostgresql/haven",
        "postgres:///haven?host=/var/run/postgresql",
        "postgres://haven:pw@db.example.org/haven?sslmode=verify-full",
        "postgres://haven:pw@10.0.0.7/haven?sslmode=verify-ca&sslrootcert=/etc/haven/ca.pem",
    ],
)
def test_a_local_or_verified_database_connection_is_accepted(url):
    assert database_url_problem(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "postgres://haven:pw@db.example.org/haven",
        "postgres://haven:pw@10.0.0.7:5432/haven?sslmode=require",
        "postgres://haven:pw@db.example.org/haven?sslmode=prefer",
        "postgres://haven@127.0.0.1/haven?host=db.example.org",
    ],
)
def test_a_database_on_another_machine_must_verify_its_certificate(url):
    problem = database_url_problem(url)
    assert problem and problem.startswith("DATABASE_URL") and "sslmode=verify-full" in problem


@pytest.mark.parametrize(
    "url",
    [
        "",
        "redis://127.0.0.1:6379/0",
        "redis://localhost:6379/0",
        "unix:///run/redis/redis.sock",
        "rediss://cache.example.org:6380/0",
    ],
)
def test_a_local_or_tls_redis_is_accepted(url):
    assert redis_url_problem(url) is None


@pytest.mark.parametrize(
    "url", ["redis://cache.example.org:6379/0", "redis://10.0.0.8/0", "rediss://cache.example.org/0?ssl_cert_reqs=none"]
)
def test_a_redis_on_another_machine_must_be_tls_with_a_checked_certificate(url):
    problem = redis_url_problem(url)
    assert problem and problem.startswith("HAVEN_REDIS_URL")


def _production(tmp_path: Path, *command: str, **env: str) -> subprocess.CompletedProcess[str]:
    full = {
        **os.environ,
        "HAVEN_ENV": "production",
        "HAVEN_SECRET_KEY": "x" * 60 + "-a-long-random-production-secret-key",
        "HAVEN_DATA_DIR": str(tmp_path),
        **env,
    }
    full.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    if "DATABASE_URL" not in env:
        full.pop("DATABASE_URL", None)
    if "HAVEN_REDIS_URL" not in env:
        full.pop("HAVEN_REDIS_URL", None)
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", *command],
        cwd=ROOT,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_with_a_remote_database_in_the_clear(tmp_path):
    result = _production(tmp_path, "check", DATABASE_URL="postgres://haven:pw@db.example.org/haven")
    assert result.returncode != 0
    assert "DATABASE_URL points at db.example.org" in result.stderr
    assert "haven:pw" not in result.stderr, "the message does not repeat the password"


def test_production_refuses_to_start_with_a_remote_redis_in_the_clear(tmp_path):
    result = _production(tmp_path, "check", HAVEN_REDIS_URL="redis://cache.example.org:6379/0")
    assert result.returncode != 0 and "HAVEN_REDIS_URL points at cache.example.org" in result.stderr


def test_production_has_no_demo_package(tmp_path):
    result = _production(
        tmp_path,
        "shell",
        "-v0",
        "-c",
        "from django.conf import settings; from django.core.management import get_commands; "
        "print('haven.demo' in settings.INSTALLED_APPS, 'load_demo' in get_commands(), 'demo_logins' in get_commands())",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "False False False"


def test_outside_production_the_demo_is_there(settings):
    from django.core.management import get_commands

    assert "haven.demo" in settings.INSTALLED_APPS and "load_demo" in get_commands()
