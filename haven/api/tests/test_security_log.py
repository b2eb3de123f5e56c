"""The API's refusals are security events in the log (ASVS V16.3.3): invalid input, throttling
(429), idempotency-key conflicts, unknown endpoints; each with the user's id and role, the
problem's type and the names of the fields at fault, never what was sent."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from django.test import Client
from django.utils import timezone

from haven.api.permissions import WriteThrottle
from haven.core.logs import SECURITY_LOGGER, JsonFormatter

from .conftest import Api, problem_of

pytestmark = pytest.mark.django_db
URL = "/api/v1/concerns/"


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def events(self, name: str) -> list[dict]:
        return [line for line in map(json.loads, self.lines) if line["event"] == name]


@pytest.fixture
def log():
    handler = _Lines()
    logger = logging.getLogger(SECURITY_LOGGER)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


def _body(world, **changes):
    return {
        "school": "140001",
        "children": [{"upn": world.pupils["a"].upn, "role": "affected"}],
        "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "location": "corridor",
        "categories": ["bullying"],
        "what_happened": "Pushed against the lockers at break.",
        "child_told_next_steps": "yes",
    } | changes


def test_an_invalid_request_is_logged_with_the_fields_at_fault_but_not_their_values(world, api_as, log):
    user = world.users["staff_a"]
    api = api_as(user)
    r = api.post(URL, _body(world, location="the-secret-place", what_happened=""))
    assert r.status_code == 400
    problem_of(r)
    [line] = log.events("api.invalid")
    assert line["status"] == 400 and line["problem"] == "urn:haven:problem:invalid"
    assert set(line["fields"]) == {"location", "what_happened"}
    assert line["user_id"] == user.pk and line["role"] == "staff" and line["address"] == "127.0.0.1"
    assert line["request_id"] == r["X-Request-ID"]
    assert "the-secret-place" not in "".join(log.lines) and world.pupils["a"].upn not in "".join(log.lines)


def test_throttling_is_logged(world, token_for, monkeypatch, log):
    monkeypatch.setattr(WriteThrottle, "rate", "1/min", raising=False)
    api = Api(Client(), token_for(world.users["staff_a"]))
    api.post(URL, {})
    r = api.post(URL, {})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0
    problem_of(r)
    [line] = log.events("api.throttled")
    assert line["level"] == "WARNING" and line["status"] == 429 and line["user_id"] == world.users["staff_a"].pk


def test_an_idempotency_key_used_for_another_request_is_logged(world, token_for, log):
    token = token_for(world.users["staff_a"])
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "k1"}
    first = Client().post(URL, data=_body(world), content_type="application/json", headers=headers)
    assert first.status_code == 201
    other = _body(world, what_happened="Another incident in the toilets.")
    r = Client().post(URL, data=other, content_type="application/json", headers=headers)
    assert r.status_code == 422
    [line] = log.events("api.idempotency_key_reused")
    assert line["level"] == "WARNING" and line["fields"] == ["Idempotency-Key"]
    assert "toilets" not in "".join(log.lines)


def test_a_bad_token_and_an_unknown_endpoint_are_logged(world, log):
    r = Client().get(URL, headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert log.events("api.unauthenticated")
    assert Client().get("/api/v1/nothing-here/").status_code == 404
    assert log.events("api.not_found")
