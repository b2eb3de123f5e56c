"""ASVS 4.1.2: where pages are redirected to https, the API is not; it refuses plain http
with a problem, so a client learns to fix its URL instead of following a redirect after its
token and body have already crossed the network in the clear."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.test import Client

from .conftest import problem_of

ROOT = "/api/v1/"


def test_the_api_over_http_is_refused_with_a_problem_not_redirected(world, api_as, settings):
    settings.SECURE_SSL_REDIRECT = True
    api = api_as(world.users["dsl_a"])
    response = api.client.get(ROOT, headers=api.headers)
    assert response.status_code == 403
    assert not response.has_header("Location")
    body = problem_of(response)
    assert body["type"] == "urn:haven:problem:https_required"
    assert "HTTPS" in body["detail"]


def test_a_post_over_http_is_refused_before_anything_is_done(world, api_as, settings):
    settings.SECURE_SSL_REDIRECT = True
    api = api_as(world.users["staff_a"])
    response = api.client.post("/api/v1/concerns/", data={}, content_type="application/json", headers=api.headers)
    assert response.status_code == 403
    assert problem_of(response)["type"] == "urn:haven:problem:https_required"


def test_the_api_over_https_answers(world, api_as, settings):
    settings.SECURE_SSL_REDIRECT = True
    api = api_as(world.users["dsl_a"])
    response = api.client.get(ROOT, headers=api.headers, secure=True)
    assert response.status_code == 200


def test_behind_the_proxy_x_forwarded_proto_https_counts_as_https(world, api_as, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    api = api_as(world.users["dsl_a"])
    response = api.client.get(ROOT, headers={**api.headers, "X-Forwarded-Proto": "https"})
    assert response.status_code == 200


def test_pages_over_http_are_still_redirected(db, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/cases/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/cases/"


def test_without_the_redirect_setting_http_is_answered(world, api_as):
    """Development and tests run over plain http: nothing is refused there."""
    assert api_as(world.users["dsl_a"]).get(ROOT).status_code == 200


def test_production_settings_refuse_the_api_over_http_and_redirect_pages(tmp_path: Path):
    """The real production settings, in their own process."""
    env = {
        **os.environ,
        "HAVEN_ENV": "production",
        "HAVEN_SECRET_KEY": "x" * 60 + "-a-long-random-production-secret-key",
        "HAVEN_DATA_DIR": str(tmp_path),
        "HAVEN_ALLOWED_HOSTS": "testserver",
    }
    env.pop("DATABASE_URL", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    code = (
        "import json; from django.test import Client; c = Client(); a = c.get('/api/v1/'); p = c.get('/cases/');"
        "print(json.dumps([a.status_code, a['Content-Type'], a.json()['type'], p.status_code, p['Location']]))"
    )
    result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=Path(__file__).resolve().parents[3],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, content_type, type_, page_status, location = json.loads(result.stdout.strip().splitlines()[-1])
    assert (status, content_type, type_) == (403, "application/problem+json", "urn:haven:problem:https_required")
    assert (page_status, location) == (301, "https://testserver/cases/")
