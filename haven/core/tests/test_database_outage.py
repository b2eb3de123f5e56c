"""When the database does not answer, pages say so kindly (503) and the API answers a 503
problem, whatever cookies the request carries; today's 500 told nobody what was wrong."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from unittest import mock

from django.conf import settings
from django.db.utils import InterfaceError, OperationalError
from django.test import Client

from conftest import sign_in


def _refused():
    return mock.patch("django.db.connection.ensure_connection", side_effect=OperationalError("connection refused"))


def test_a_page_answers_a_plain_503_page(client, world):
    sign_in(client, world.users["dsl_a"])
    with _refused():
        r = client.get("/cases/")
    assert r.status_code == 503
    assert r["Content-Type"].startswith("text/html")
    assert "Haven can't reach its database" in r.content.decode()
    assert r["Retry-After"] == "30"
    assert "no-store" in r["Cache-Control"]


def test_the_api_answers_a_503_problem(client, world):
    sign_in(client, world.users["dsl_a"])
    with _refused():
        r = client.get("/api/v1/cases/")
    assert r.status_code == 503
    assert r["Content-Type"] == "application/problem+json"
    body = r.json()
    assert body["status"] == 503
    assert body["type"] == "urn:haven:problem:database_unavailable"
    assert body["instance"] == "/api/v1/cases/"


def test_an_outage_that_begins_in_a_view_answers_503_too(client, world):
    """The connection opened, then the database went away mid-request (the view's query)."""
    sign_in(client, world.users["dsl_a"])
    with mock.patch("haven.core.views.render", side_effect=InterfaceError("connection already closed")):
        r = client.get("/hide/")
    assert r.status_code == 503
    assert "Haven can't reach its database" in r.content.decode()


def test_other_errors_are_still_500(client, world):
    sign_in(client, world.users["dsl_a"])
    c = Client(raise_request_exception=False)
    c.cookies = client.cookies
    with mock.patch("haven.accounts.middleware.TwoFactorRequiredMiddleware.__call__", side_effect=ValueError("bug")):
        r = c.get("/cases/")
    assert r.status_code == 500


_OUTAGE_SCRIPT = """
import json, django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
c = Client(raise_request_exception=False)
c.cookies["sessionid"] = "a" * 32
out = {}
for url in ("/healthz", "/cases/", "/api/v1/cases/", "/"):
    r = c.get(url)
    out[url] = [r.status_code, r["Content-Type"], r.content.decode()]
print(json.dumps(out))
"""


def test_a_real_unreachable_database_with_a_session_cookie(tmp_path):
    """A PostgreSQL that refuses connections (a closed port), in a process of its own: no patching."""
    env = os.environ | {
        "HAVEN_ENV": "test",
        "HAVEN_DATA_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:1/haven_gone",
        "DJANGO_SETTINGS_MODULE": "haven.settings",
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", _OUTAGE_SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    status, kind, body = out["/healthz"]
    assert (status, kind) == (503, "application/json")
    assert json.loads(body)["database"]["status"] == "unavailable"
    for page in ("/cases/", "/"):
        status, kind, body = out[page]
        assert status == 503 and kind.startswith("text/html"), page
        assert "Haven can't reach its database" in body
    status, kind, body = out["/api/v1/cases/"]
    assert (status, kind) == (503, "application/problem+json")
    assert json.loads(body)["status"] == 503
