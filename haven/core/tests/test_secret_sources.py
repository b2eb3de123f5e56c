"""Secrets need not sit in the environment file (ASVS V13.3.1): each secret setting is read
from its variable, or from the file its ``_FILE`` variable names, or from the systemd
credential of its name (``$CREDENTIALS_DIRECTORY``, which ``LoadCredentialEncrypted=`` fills
from systemd's encrypted store). Each process reads settings afresh here, as a service does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SECRETS = ("HAVEN_SECRET_KEY", "DATABASE_URL", "HAVEN_EMAIL_PASSWORD", "HAVEN_REDIS_URL", "HAVEN_AUDIT_KEY")
SHOW = (
    "import json; from haven import settings as s; print(json.dumps({"
    "'secret_key': s.SECRET_KEY, 'database': s.DATABASES['default']['NAME'], 'db_password': "
    "s.DATABASES['default'].get('PASSWORD', ''), 'email_password': getattr(s, 'EMAIL_HOST_PASSWORD', ''), "
    "'redis': s.HAVEN_REDIS_URL, 'audit_key': s.AUDIT_KEY.decode(), 'origins': s.SECRET_ORIGINS}))"
)


def _settings(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HAVEN_ENV": "development", "HAVEN_DATA_DIR": str(tmp_path / "data"), **env}
    for name in SECRETS:
        if name not in env:
            full.pop(name, None)
        if f"{name}_FILE" not in env:
            full.pop(f"{name}_FILE", None)
    if "CREDENTIALS_DIRECTORY" not in env:
        full.pop("CREDENTIALS_DIRECTORY", None)
    return subprocess.run(  # noqa: S603 (this Python, fixed code)
        [sys.executable, "-c", SHOW], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
    )


def _shown(result: subprocess.CompletedProcess[str]) -> dict:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def credentials(tmp_path):
    """A credentials directory as systemd hands one to a service: a file per credential."""
    folder = tmp_path / "credentials"
    folder.mkdir()
    (folder / "HAVEN_SECRET_KEY").write_text("k" * 60 + "-from-a-credential\n")
    (folder / "DATABASE_URL").write_text("postgres://haven:db-secret-9@127.0.0.1:5432/haven_from_credential\n")
    (folder / "HAVEN_EMAIL_PASSWORD").write_text("mail-secret-7\n")
    (folder / "HAVEN_AUDIT_KEY").write_text("audit-from-a-credential\n")
    return folder


def test_every_secret_comes_from_systemd_credentials_with_none_in_the_environment(tmp_path, credentials):
    shown = _shown(_settings(tmp_path, CREDENTIALS_DIRECTORY=str(credentials), HAVEN_EMAIL_HOST="smtp.example.org"))
    assert shown["secret_key"] == "k" * 60 + "-from-a-credential"
    assert (shown["database"], shown["db_password"]) == ("haven_from_credential", "db-secret-9")
    assert shown["email_password"] == "mail-secret-7"
    assert shown["audit_key"] == "audit-from-a-credential"
    assert shown["origins"]["DATABASE_URL"] == "a systemd credential"
    assert not (tmp_path / "data" / "secret_key").exists(), "no key is made when one is given"


def test_a_file_variable_names_the_secret_and_an_unreadable_or_empty_one_is_refused_by_name(tmp_path):
    password = tmp_path / "redis-url"
    password.write_text("redis://:redis-secret-3@127.0.0.1:6379/2\n")
    shown = _shown(_settings(tmp_path, HAVEN_REDIS_URL_FILE=str(password)))
    assert shown["redis"] == "redis://:redis-secret-3@127.0.0.1:6379/2"
    assert shown["origins"]["HAVEN_REDIS_URL"] == f"the file {password}"

    missing = _settings(tmp_path, HAVEN_SECRET_KEY_FILE=str(tmp_path / "nowhere"))
    assert missing.returncode != 0
    assert f"HAVEN_SECRET_KEY_FILE names {tmp_path / 'nowhere'}, which cannot be read" in missing.stderr
    empty = tmp_path / "empty"
    empty.write_text("\n")
    refused = _settings(tmp_path, HAVEN_EMAIL_PASSWORD_FILE=str(empty), HAVEN_EMAIL_HOST="smtp.example.org")
    assert refused.returncode != 0 and f"The file {empty} for HAVEN_EMAIL_PASSWORD is empty" in refused.stderr


def test_a_value_and_a_file_at_once_are_refused_rather_than_one_guessed(tmp_path, credentials):
    both = _settings(tmp_path, HAVEN_SECRET_KEY="s" * 60, HAVEN_SECRET_KEY_FILE=str(credentials / "HAVEN_SECRET_KEY"))
    assert both.returncode != 0 and "Set HAVEN_SECRET_KEY or HAVEN_SECRET_KEY_FILE, not both" in both.stderr
    # The environment still wins over a credential (a unit's Environment= is the operator's choice).
    shown = _shown(_settings(tmp_path, HAVEN_SECRET_KEY="s" * 60, CREDENTIALS_DIRECTORY=str(credentials)))
    assert shown["secret_key"] == "s" * 60 and shown["origins"]["HAVEN_SECRET_KEY"] == "the environment"


def test_the_deploy_check_warns_of_a_password_to_the_database_or_redis(tmp_path):
    """V13.2.1: the data layers are reached by an identity (peer authentication or a client
    certificate), so ``check --deploy`` names a password in either URL, and not a socket."""
    code = (
        "import django; django.setup(); from haven.core.checks import service_identities; "
        "print(' '.join(m.id for m in service_identities()))"
    )
    env = {**os.environ, "HAVEN_ENV": "development", "HAVEN_DATA_DIR": str(tmp_path)}
    env["DJANGO_SETTINGS_MODULE"] = "haven.settings"

    def warned(**urls: str) -> str:
        full = {k: v for k, v in env.items() if k not in ("DATABASE_URL", "HAVEN_REDIS_URL")} | urls
        done = subprocess.run(  # noqa: S603 (this Python, fixed code)
            [sys.executable, "-c", code], cwd=ROOT, env=full, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert warned(DATABASE_URL="postgres://haven:pw@127.0.0.1:5432/haven") == "haven.W001"
    assert warned(HAVEN_REDIS_URL="redis://:pw@127.0.0.1:6379/0") == "haven.W002"
    assert (
        warned(DATABASE_URL="postgres://haven@%2Frun%2Fpostgresql/haven", HAVEN_REDIS_URL="unix:///run/redis.sock")
        == ""
    )
