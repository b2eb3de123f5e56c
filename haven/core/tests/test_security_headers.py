"""Security headers on every page, and production settings that pass Django's deploy check."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_pages_carry_a_strict_content_security_policy(client, db):
    r = client.get("/")
    csp = r["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r["X-Frame-Options"] == "DENY"
    assert r["X-Content-Type-Options"] == "nosniff"
    assert r["Referrer-Policy"] == "same-origin"


def test_pages_load_nothing_from_elsewhere(client, db):
    html = client.get("/").text
    assert "http://" not in html.replace("http://127.0.0.1", "")
    assert "https://" not in html
    assert "<script>" not in html and "style=" not in html  # no inline script or style


def test_production_settings_pass_the_deploy_check(tmp_path: Path):
    env = {
        **os.environ,
        "HAVEN_ENV": "production",
        "HAVEN_SECRET_KEY": "x" * 60 + "-a-long-random-production-secret-key",
        "HAVEN_DATA_DIR": str(tmp_path),
        "HAVEN_ALLOWED_HOSTS": "haven.example",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set by the test suite for Playwright only
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_cookies_carry_the_host_prefix(tmp_path: Path):
    """ASVS V3.3.1, V3.3.3: every cookie is __Host- in production: Secure, Path=/, no Domain."""
    env = {
        **os.environ,
        "HAVEN_ENV": "production",
        "HAVEN_SECRET_KEY": "x" * 60 + "-a-long-random-production-secret-key",
        "HAVEN_DATA_DIR": str(tmp_path),
    }
    env.pop("DATABASE_URL", None)
    show = (
        "from django.conf import settings as s; print(repr(["
        "s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.MESSAGE_COOKIE_NAME, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_PATH, s.CSRF_COOKIE_PATH, s.SESSION_COOKIE_DOMAIN, "
        "s.CSRF_COOKIE_DOMAIN, s.MESSAGE_STORAGE]))"
    )
    result = subprocess.run(  # noqa: S603 (the command is this test's own constant)
        [sys.executable, "manage.py", "shell", "-c", show],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == repr(
        [
            "__Host-sessionid",
            "__Host-csrftoken",
            "__Host-messages",
            True,
            True,
            "/",
            "/",
            None,
            None,
            "haven.core.messages.MessageStorage",
        ]
    )


def test_outside_production_the_cookies_keep_their_plain_names(settings):
    """Plain http on 127.0.0.1 cannot set a __Host- cookie: development keeps Django's names."""
    assert not settings.PRODUCTION
    assert (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, settings.MESSAGE_COOKIE_NAME) == (
        "sessionid",
        "csrftoken",
        "messages",
    )


def test_a_message_travels_in_the_cookie_the_settings_name(client, world, settings):
    from conftest import sign_in

    settings.MESSAGE_COOKIE_NAME = "__Host-messages"
    sign_in(client, world.users["staff_a"])
    r = client.post("/account/sign-out/")
    assert r.cookies["__Host-messages"].value and "messages" not in r.cookies
    assert "You have signed out." in client.get(r["Location"]).text


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path):
    env = {**os.environ, "HAVEN_ENV": "production", "HAVEN_DATA_DIR": str(tmp_path)}
    env.pop("HAVEN_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HAVEN_SECRET_KEY must be set in production" in result.stderr


def test_a_bad_setting_is_refused_not_guessed(tmp_path: Path):
    env = {**os.environ, "HAVEN_ENV": "staging", "HAVEN_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HAVEN_ENV must be development, test or production" in result.stderr


def test_the_stylesheet_and_script_are_served(client, db):
    """The base layout's own CSS and JS are found by the static files finders."""
    for path in ("/static/haven/haven.css", "/static/haven/haven.js"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert len(body) > 500
