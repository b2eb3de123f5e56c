"""The deployment guide (docs/deploy.md) and the files in deploy/ stay true to the code:
every environment variable Haven reads is documented, the systemd units run commands that
exist with the hardening the guide promises, and the documented environment passes Django's
deploy check. (``scripts/verify_deploy.sh`` checks the units with systemd's own tools.)"""

from __future__ import annotations

import configparser
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
GUIDE = (ROOT / "docs" / "deploy.md").read_text()
UNITS = ROOT / "deploy" / "systemd"
READS = re.compile(
    r"""(?:environ\.get\(|environ\[|getenv\(|envbool\(|envint\(|secret\()\s*["']((?:HAVEN_|DATABASE_URL)[A-Z0-9_]*)["']"""
)
# Secrets, read by settings.secret(): each may also come from NAME_FILE or a systemd credential.
SECRETS = re.compile(r"""secret\(\s*["']([A-Z0-9_]+)["']""")
HOURLY = re.search(r'^HOURLY="([^"]+)"', (ROOT / "scripts" / "verify_deploy.sh").read_text(), re.M)


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text().replace("\\\n", " "))
    return parser


def test_every_environment_variable_haven_reads_is_in_the_guide():
    read = set()
    for path in (ROOT / "haven").rglob("*.py"):
        if "tests" in path.parts or path.parts[-2] in {"testing", "demo"}:
            continue  # the test suite's and the demo world's own switches
        read |= set(READS.findall(path.read_text()))
    assert {"HAVEN_ENV", "HAVEN_SECRET_KEY", "DATABASE_URL", "HAVEN_BASE_URL"} <= read  # the pattern finds them
    missing = sorted(name for name in read if f"| `{name}` |" not in GUIDE)
    assert not missing, f"docs/deploy.md, 'Environment variables', has no row for: {', '.join(missing)}"
    secrets_read = set(SECRETS.findall((ROOT / "haven" / "settings.py").read_text()))
    assert {"HAVEN_SECRET_KEY", "DATABASE_URL", "HAVEN_EMAIL_PASSWORD"} <= secrets_read
    files = GUIDE[GUIDE.index("## 11. Secrets") :]
    assert not [n for n in secrets_read if f"`{n}_FILE`" not in files], "section 11 names each secret's _FILE"


def test_the_hourly_sweeps_are_the_ones_make_run_runs():
    assert HOURLY is not None
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    loop = run_sh[run_sh.index("(while true; do") : run_sh.index("sleep 3600")]
    in_run_sh = [c for c in re.findall(r"manage\.py (\w+)", loop) if c != "backup"]
    assert HOURLY.group(1).split() == in_run_sh
    for command in in_run_sh:
        assert f"haven-sweep@{command}.timer" in GUIDE, command


def test_the_units_run_commands_that_exist():
    commands = get_commands()
    named = {"db_worker", "backup", "send_alerts", *(HOURLY.group(1).split() if HOURLY else [])}
    assert named <= set(commands), named - set(commands)
    assert "manage.py db_worker --queue-name default" in _unit("haven-worker.service")["Service"]["ExecStart"]
    assert "manage.py backup --to /var/backups/haven" in _unit("haven-backup.service")["Service"]["ExecStart"]
    assert _unit("haven-send-alerts.timer")["Timer"]["Unit"] == "haven-sweep@send_alerts.service"
    # the same access log as make run: no line for a pupil's page
    logger = "--logger-class haven.core.gunicorn_logging.AccessLogger"
    assert (
        logger in _unit("haven-web.service")["Service"]["ExecStart"]
        and logger in (ROOT / "scripts" / "run.sh").read_text()
    )


def test_every_service_is_hardened_and_reads_the_environment_file():
    for path in sorted(UNITS.glob("*.service")):
        service = _unit(path.name)["Service"]
        assert service["User"] == "haven" and service["Group"] == "haven", path.name
        assert service["EnvironmentFile"] == "/etc/haven/haven.env", path.name
        assert service["Environment"] == "HAVEN_DATA_DIR=/var/lib/haven", path.name
        for key, value in {
            "ProtectSystem": "strict",
            "PrivateTmp": "true",
            "NoNewPrivileges": "true",
            "ProtectHome": "true",
            "CapabilityBoundingSet": "",
        }.items():
            assert service[key] == value, (path.name, key)
        assert "/var/lib/haven" in (path.read_text()), path.name


def _deploy_check(env_file: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("HAVEN_") and k not in {"DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    for line in env_file.splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value.strip('"')  # systemd, like sh, takes the quotes off
    env["HAVEN_DATA_DIR"] = str(tmp_path)  # as the units set it
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_environment_passes_the_deploy_check_once_its_secrets_are_set(tmp_path):
    example = (ROOT / "deploy" / "haven.env.example").read_text()
    assert "HAVEN_ENV=production" in example and "HAVEN_TRUSTED_PROXY=1" in example
    unchanged = _deploy_check(example, tmp_path)
    assert unchanged.returncode != 0 and "security.W009" in unchanged.stderr + unchanged.stdout  # 'change-me' is no key
    filled = re.sub(r"change-me(-too)?", lambda _: secrets.token_urlsafe(50), example)
    result = _deploy_check(filled, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_links_in_emails_name_the_port_haven_is_served_on():
    """make run serves on HAVEN_PORT and sets HAVEN_BASE_URL to it; the setting reads it, then
    its older name, then the port."""
    code = "from django.conf import settings; print(settings.HAVEN_SITE_URL)"

    def site_url(**env: str) -> str:
        base = {k: v for k, v in os.environ.items() if k not in ("HAVEN_BASE_URL", "HAVEN_SITE_URL", "HAVEN_PORT")}
        out = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, "manage.py", "shell", "-v0", "-c", code],
            cwd=ROOT,
            env={**base, "HAVEN_ENV": "test", **env},
            capture_output=True,
            text=True,
            check=True,
        )
        return out.stdout.strip().splitlines()[-1]

    assert site_url(HAVEN_PORT="8123") == "http://127.0.0.1:8123"
    assert site_url(HAVEN_PORT="8123", HAVEN_SITE_URL="https://old.example") == "https://old.example"
    assert (
        site_url(HAVEN_BASE_URL="https://haven.example", HAVEN_SITE_URL="https://old.example")
        == "https://haven.example"
    )
    run_sh = (ROOT / "scripts" / "run.sh").read_text()
    assert 'export HAVEN_BASE_URL="${HAVEN_BASE_URL:-http://127.0.0.1:${PORT}}"' in run_sh
