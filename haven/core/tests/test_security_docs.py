"""The security documents stay true to the code: every number in docs/security/rules.md is the
setting or constant it names, every setting, variable and file the documents name exists, the
proxies' TLS lines are the ones docs/deploy.md lists, and every accepted vulnerability is dated
and inside SECURITY.md's time frames."""

from __future__ import annotations

import datetime as dt
import importlib
import math
import re
from pathlib import Path
from typing import Any

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SECURITY = ROOT / "docs" / "security"
RULES = (SECURITY / "rules.md").read_text()
CRYPTO = (SECURITY / "cryptography.md").read_text()
DOCS = {p.name: p.read_text() for p in [*SECURITY.glob("*.md"), ROOT / "SECURITY.md"] if p.name != "asvs.md"}
DEPLOY = (ROOT / "docs" / "deploy.md").read_text()
NGINX = (ROOT / "deploy" / "nginx" / "haven.conf").read_text()
CADDY = (ROOT / "deploy" / "caddy" / "Caddyfile").read_text()

# Named by the field encryption change (HAVEN_FIELD_KEY, haven/core/fieldcrypt.py), which is
# merged separately: until then these may be documented before the code has them.
PENDING = {"HAVEN_FIELD_KEY", "HAVEN_FIELD_KEY_FILE", "HAVEN_FIELD_KEYS_OLD", "haven/core/fieldcrypt.py"}

_UNITS = {
    "MB": 1024 * 1024,
    "second": 1,
    "seconds": 1,
    "minute": 60,
    "minutes": 60,
    "hour": 3600,
    "hours": 3600,
    "day": 86400,
    "days": 86400,
}


def _rows(text: str, header: str) -> list[list[str]]:
    """The rows of every table whose header line is ``header``."""
    rows: list[list[str]] = []
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == header:
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([cell.strip() for cell in row.strip().strip("|").split("|")])
    return rows


def _resolve(dotted: str) -> Any:
    """``settings.X`` or ``haven.module.NAME.attribute``."""
    if dotted.startswith("settings."):
        return getattr(settings, dotted.removeprefix("settings."))
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            value: Any = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for name in parts[i:]:
            value = getattr(value, name)
        return value
    raise AssertionError(f"{dotted} names nothing")


def _in_base_units(value: str) -> float:
    match = re.match(r"([0-9][0-9,]*(?:\.[0-9]+)?)\s*(\S+)?", value)
    assert match, f"no number in {value!r}"
    number = float(match.group(1).replace(",", ""))
    return number * _UNITS.get(match.group(2) or "", 1)


def test_every_number_in_the_rules_is_the_code_s():
    rows = _rows(RULES, "| limit | value | setting or constant |")
    assert len(rows) >= 40  # the tables are found
    for what, value, where in rows:
        named = re.fullmatch(r"`([\w.]+)`(?: \((\w+)\))?", where)
        assert named, f"rules.md: {what!r} names no setting or constant: {where!r}"
        actual = _resolve(named.group(1))
        if isinstance(actual, dt.timedelta):
            actual = actual.total_seconds()
        actual = float(actual) * _UNITS.get(named.group(2) or "", 1)
        assert math.isclose(_in_base_units(value), actual), f"rules.md says {what} is {value}; the code: {actual}"


def test_the_kinds_of_file_listed_are_the_ones_kept():
    from haven.concerns import files

    documented = {
        frozenset(re.findall(r"`(\.[a-z]+)`", endings))
        for kind, endings in _rows(RULES, "| kind | endings |")
    }  # fmt: skip
    assert documented == {frozenset(e) for e in files.EXTENSIONS.values()}
    assert set(files.EXTENSIONS) == files.ALLOWED_TYPES


def test_the_password_words_are_the_validator_s():
    from haven.accounts import password_validation

    assert password_validation.ALWAYS == ("haven",) and "- `haven`;" in RULES
    assert f"every word of {password_validation.MIN_WORD} letters or more" in RULES


# Every variable in the first cell of a row of docs/deploy.md's "Environment variables" table.
_DEPLOY_VARIABLES = {
    v for line in DEPLOY.splitlines() if line.startswith("| `") for v in re.findall(r"`(\w+)`", line.split("|")[1])
}


def test_every_setting_variable_and_file_named_exists():
    for name, text in DOCS.items():
        for setting in set(re.findall(r"`settings\.([A-Z_]+)", text)):
            assert hasattr(settings, setting), f"{name} names settings.{setting}, which does not exist"
        for variable in set(re.findall(r"`(HAVEN_[A-Z0-9_]+)", text)) - PENDING:
            assert variable in _DEPLOY_VARIABLES, f"{name}: {variable} is not in docs/deploy.md's variables"
        for path in set(re.findall(r"`((?:haven|deploy|scripts|docs)/[\w./@-]+)`", text)) - PENDING:
            assert (ROOT / path.split("::")[0]).exists(), f"{name} names {path}, which does not exist"


def test_the_keys_table_names_each_key_haven_reads():
    keys = _rows(CRYPTO, "| key | setting | what it protects | made | kept | rotation | destruction |")
    named = " ".join(row[1] for row in keys)
    for variable in ("HAVEN_SECRET_KEY", "HAVEN_AUDIT_KEY", "HAVEN_AUDIT_KEY_FILE", "HAVEN_BACKUP_KEY"):
        assert variable in named
        assert variable in _DEPLOY_VARIABLES


def test_the_random_values_are_as_documented():
    from haven.accounts import services
    from haven.pupil_voice import secrets_words as words

    code = services._new_recovery_code().replace("-", "")
    assert len(code) * 4 == 40 and "| **recovery codes** | **40 each** |" in CRYPTO
    reference = words.REFERENCE_LENGTH * math.log2(len(words.REFERENCE_ALPHABET))
    passphrase = words.PASSPHRASE_WORDS * math.log2(len(set(words.WORDS)))
    assert (reference, passphrase) == (40, 40) and "**80 together** (40 + 40)" in CRYPTO


_TLS12_SUITES = [
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-CHACHA20-POLY1305",
]
_GO_NAMES = {
    "ECDHE-ECDSA-AES128-GCM-SHA256": "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-RSA-AES128-GCM-SHA256": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384": "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305": "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "ECDHE-RSA-CHACHA20-POLY1305": "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}


def test_nginx_allows_only_tls_1_2_and_1_3_with_the_documented_suites():
    assert re.search(r"^\s*ssl_protocols TLSv1\.2 TLSv1\.3;$", NGINX, re.M)
    ciphers = re.search(r"^\s*ssl_ciphers ([^;]+);$", NGINX, re.M)
    assert ciphers and ciphers.group(1).split(":") == _TLS12_SUITES
    tls13 = re.search(r"^\s*ssl_conf_command Ciphersuites ([^;]+);$", NGINX, re.M)
    assert tls13 and tls13.group(1).split(":") == [
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
    ]
    for suite in [*_TLS12_SUITES, *tls13.group(1).split(":")]:
        assert f"`{suite}`" in DEPLOY  # the guide lists what the file allows
    assert "ssl_session_tickets off;" in NGINX


def test_caddy_allows_only_tls_1_2_and_1_3_with_the_same_suites():
    assert re.search(r"^\s*protocols tls1\.2 tls1\.3$", CADDY, re.M)
    ciphers = re.search(r"^\s*ciphers (.+)$", CADDY, re.M)
    assert ciphers and ciphers.group(1).split() == [_GO_NAMES[s] for s in _TLS12_SUITES]


def test_both_proxies_overwrite_what_haven_believes_and_reach_gunicorn_on_the_loopback():
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in NGINX
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in NGINX
    assert "proxy_pass http://127.0.0.1:8000;" in NGINX and "reverse_proxy 127.0.0.1:8000" in CADDY
    assert not re.search(r"^\s*trusted_proxies", CADDY, re.M)  # so Caddy overwrites clients' X-Forwarded-*
    assert settings.SECURE_PROXY_SSL_HEADER == ("HTTP_X_FORWARDED_PROTO", "https") or not settings.PRODUCTION
    web = (ROOT / "deploy" / "systemd" / "haven-web.service").read_text()
    assert "--bind 127.0.0.1:8000" in web


_EXCEPTION = re.compile(r"^(\S+) accepted=(\d{4}-\d{2}-\d{2}) until=(\d{4}-\d{2}-\d{2}) (\S.*)$")


def exception_problems(text: str, *, today: dt.date) -> list[str]:
    problems = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        match = _EXCEPTION.match(line)
        if not match:
            problems.append(f"not as SECURITY.md says (id accepted=DATE until=DATE why): {line}")
            continue
        vuln, accepted, until = (
            match.group(1),
            dt.date.fromisoformat(match.group(2)),
            dt.date.fromisoformat(match.group(3)),
        )
        if until - accepted > dt.timedelta(days=90):
            problems.append(f"{vuln} is accepted for more than 90 days")
        if until < today:
            problems.append(f"{vuln} was accepted until {until}: fix it or argue it again")
    return problems


def test_accepted_vulnerabilities_are_dated_and_inside_the_time_frames():
    text = (SECURITY / "pip-audit-exceptions.txt").read_text()
    assert exception_problems(text, today=dt.date.today()) == []


def test_the_exceptions_check_refuses_what_it_should():
    today = dt.date(2026, 12, 3)
    assert exception_problems("GHSA-aaaa accepted=2026-11-01 until=2026-12-20 unreachable: no XML", today=today) == []
    assert exception_problems("GHSA-aaaa accepted=2026-01-01 until=2026-12-20 unreachable", today=today) == [
        "GHSA-aaaa is accepted for more than 90 days"
    ]
    assert exception_problems("GHSA-aaaa accepted=2026-11-01 until=2026-12-01 unreachable", today=today) == [
        "GHSA-aaaa was accepted until 2026-12-01: fix it or argue it again"
    ]
    assert exception_problems("GHSA-aaaa because", today=today)[0].startswith("not as SECURITY.md says")


def test_the_guide_deploys_a_tree_without_git_metadata():
    """ASVS V13.4.1: the release is exported (git archive) into /opt/haven, never cloned there."""
    commands = [line for line in DEPLOY.splitlines() if "git " in line and not line.startswith(("`", "|"))]
    assert any("git -C /usr/local/src/haven archive" in line and "tar -x -C /opt/haven" in line for line in commands)
    for line in commands:
        assert not re.search(r"git clone \S+ /opt/haven\b", line), line
        assert "cd /opt/haven && git" not in line, line
