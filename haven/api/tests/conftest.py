"""Fixtures for API tests: fresh throttle counts, tokens, a JSON client and records."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from haven.api.services import token_create
from haven.concerns.models import Category
from haven.concerns.services import ChildInConcern, concern_submit
from haven.core import ratelimit


def fresh_throttles() -> None:
    """Forget every throttle count (in the shared rate-limit store) and this process's salts."""
    ratelimit.forget_salts()
    ratelimit.store().clear()


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Throttle counts live in the shared store: start every test from zero so none flakes
    (the database's go with each test's transaction; Redis's, if configured, are cleared)."""
    from haven.pupil_voice import limits

    limits.reset_all()
    yield
    limits.reset_all()


class Api:
    """A test client speaking JSON, authenticated by a bearer token (or by the session)."""

    def __init__(self, client: Client, token: str | None = None) -> None:
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, url: str, **params: Any):
        return self.client.get(url, params, headers=self.headers)

    def post(
        self, url: str, body: Any = None, *, raw: bytes | str | None = None, content_type: str = "application/json"
    ):
        data = raw if raw is not None else body
        return self.client.post(url, data=data, content_type=content_type, headers=self.headers)


@pytest.fixture
def token_for():
    def _token(user, name: str = "MIS", **kw) -> str:
        return token_create(by=user, name=name, **kw)[1]

    return _token


@pytest.fixture
def api_as(token_for):
    """``api_as(user)``: an :class:`Api` with a fresh token of that user."""

    def _api(user) -> Api:
        return Api(Client(), token_for(user))

    return _api


@pytest.fixture
def make_concern(world):
    """Record a concern at school A through the real service (as the pages would)."""

    def _make(*, codes=("bullying",), children=None, by=None, urgent=False, days_ago=1, **kw):
        children = children or [(world.pupils["a"], "affected")]
        return concern_submit(
            by=by or world.users["staff_a"],
            school=children[0][0].school,
            children=[ChildInConcern(p.pk, role) for p, role in children],
            occurred_at=timezone.now() - dt.timedelta(days=days_ago),
            location=kw.pop("location", "corridor"),
            category_ids=[Category.objects.get(code=c, authority__isnull=True).pk for c in codes],
            what_happened=kw.pop("what_happened", "A boy pushed another boy in the corridor."),
            child_told_next_steps="yes",
            urgent=urgent,
            **kw,
        )

    return _make


def problem_of(response) -> dict[str, Any]:
    """The problem body of a 4xx answer, checked for its shape (RFC 9457)."""
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"}
    assert body["status"] == response.status_code
    assert isinstance(body["errors"], dict)
    return body
