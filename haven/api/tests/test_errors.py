"""Bad input answers 4xx with a problem body, never 500: specific cases, then fuzzing."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from haven.api.permissions import WriteThrottle

from .conftest import Api, fresh_throttles, problem_of

URL = "/api/v1/concerns/"


@pytest.fixture
def api(world, api_as):
    return api_as(world.users["staff_a"])


@pytest.fixture
def dsl_api(world, api_as):
    return api_as(world.users["dsl_a"])


def test_malformed_json_is_400(api):
    response = api.post(URL, raw=b'{"school": "140001",')
    assert response.status_code == 400
    assert "not valid JSON" in problem_of(response)["detail"]


def test_another_content_type_is_415(api):
    response = api.post(URL, raw="school=140001", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    problem_of(response)


def test_a_charset_other_than_utf8_is_400(api):
    response = api.client.generic(
        "POST", URL, b"{}", content_type="application/json; charset=bogus-8", headers=api.headers
    )
    assert response.status_code == 400
    problem_of(response)


def test_a_body_over_2_mb_is_413(api):
    response = api.post(URL, raw=b'{"what_happened": "' + b"x" * (2 * 1024 * 1024) + b'"}')
    assert response.status_code == 413
    problem_of(response)


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nesting that would exhaust the stack
        b'{"what_happened": "\\ud800"}',  # an escaped lone surrogate
        b'{"urgent": NaN}',
        b'{"a": Infinity}',
        b"\xff\xfe{}",  # not UTF-8
        b"null",
        b"[]",
        b'"a string"',
        b"12",
    ],
)
def test_bodies_that_are_not_a_json_object_are_400(api, raw):
    response = api.post(URL, raw=raw)
    assert response.status_code == 400
    problem_of(response)


def test_a_field_over_its_length_is_named(api, world):
    response = api.post(URL, {"what_happened": "x" * 20_001})
    assert response.status_code == 400
    assert "what_happened" in problem_of(response)["errors"]


def test_an_unknown_path_is_a_404_problem_with_a_hint(api):
    response = api.get("/api/v1/concerns")
    assert response.status_code == 404
    assert "/api/v1/concerns/" in problem_of(response)["detail"]
    assert api.get("/api/v1/nothing-here/").status_code == 404


def test_an_odd_reference_never_reaches_the_database(api):
    for ref in ("%00", "C-140001-00001%00", "x" * 100, "%F0%9F%98%A2", "..%2F..%2Fetc"):
        response = api.get(f"/api/v1/concerns/{ref}/")
        assert response.status_code == 404, ref
        problem_of(response)


def test_a_method_not_allowed_is_405(api):
    response = api.client.delete(URL, headers=api.headers)
    assert response.status_code == 405
    problem_of(response)


def test_html_is_not_offered(api):
    response = api.client.get("/api/v1/", headers={**api.headers, "Accept": "text/html"})
    assert response.status_code == 406
    problem_of(response)


def test_too_many_writes_are_429_with_retry_after(world, token_for, monkeypatch):
    monkeypatch.setattr(WriteThrottle, "rate", "2/min", raising=False)
    api = Api(Client(), token_for(world.users["staff_a"]))
    assert [api.post(URL, {}).status_code for _ in range(2)] == [400, 400]
    response = api.post(URL, {})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    problem_of(response)
    # Reads are counted apart, and another user has their own count.
    assert api.get("/api/v1/").status_code == 200
    assert Api(Client(), token_for(world.users["dsl_a"])).post(URL, {}).status_code == 400


# -- Fuzzing ---------------------------------------------------------------------------------

_text = st.one_of(
    st.text(max_size=50),
    st.sampled_from(
        [
            "",
            " ",
            "<script>alert(1)</script>",
            "\u202eRTL override\u202c",
            "مرحبا",
            "😢👩🏽‍🏫",
            "\x00",
            "x" * 25_000,
            "140001",
            "A123456789012",
            "bullying",
            "online",
            "yes",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
            "2025-02-30T10:00:00Z",
            dt.datetime.now(dt.UTC).isoformat(),
            "1e400",
        ]
    ),
)
_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=False, allow_infinity=False),
    _text,
)
_junk = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_child = st.fixed_dictionaries(
    {},
    optional={
        "upn": _junk,
        "pupil_id": st.one_of(st.integers(min_value=-(2**70), max_value=2**70), _junk),
        "role": st.one_of(st.sampled_from(["affected", "alleged_harmer", "witness", "other"]), _junk),
    },
)
_FIELDS = {
    "school": st.one_of(st.just("140001"), st.just("140002"), _junk),
    "children": st.one_of(st.lists(_child, max_size=3), _junk),
    "occurred_at": st.one_of(st.datetimes(timezones=st.timezones()).map(lambda d: d.isoformat()), _junk),
    "location": st.one_of(st.sampled_from(["corridor", "online", "toilets"]), _junk),
    "location_detail": _junk,
    "online_platform": _junk,
    "categories": st.one_of(st.lists(st.sampled_from(["bullying", "nudes", "rape", "nope"]), max_size=3), _junk),
    "what_happened": _junk,
    "child_words": _junk,
    "actions_taken": _junk,
    "child_told_next_steps": st.one_of(st.sampled_from(["yes", "no", "na"]), _junk),
    "urgent": _junk,
    "attachments": _junk,
}
_bodies = st.one_of(st.fixed_dictionaries({}, optional=_FIELDS), _junk)


def _valid_body(upn: str) -> dict:
    return {
        "school": "140001",
        "children": [{"upn": upn, "role": "affected"}],
        "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)).isoformat(),
        "location": "corridor",
        "categories": ["bullying"],
        "what_happened": "Pushed in the corridor.",
        "child_told_next_steps": "yes",
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies)
def test_no_body_makes_it_fail(api, body):
    """Whatever is posted, the answer is a 2xx or a 4xx problem: never a 500."""
    fresh_throttles()  # each example starts with a fresh throttle, so it tests the body, not the rate
    _assert_handled(api.post(URL, raw=json.dumps(body)), body)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_change_to_a_valid_body_makes_it_fail(api, world, data):
    """A valid concern with some fields replaced by junk, to reach the rules behind validation."""
    fresh_throttles()
    body = _valid_body(world.pupils["a"].upn)
    for field in data.draw(st.sets(st.sampled_from(sorted(_FIELDS)), max_size=3)):
        if data.draw(st.booleans()):
            body[field] = data.draw(_FIELDS[field])
        else:
            body.pop(field, None)
    _assert_handled(api.post(URL, raw=json.dumps(body)), body)


def _assert_handled(response, sent) -> None:
    event(f"status {response.status_code}")
    assert response.status_code < 500 and response.status_code != 429, (sent, response.content[:500])
    if response.status_code >= 400:
        problem_of(response)
    else:
        assert response.status_code == 201


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(
            ["school", "status", "received", "updated_since", "limit", "offset", "kinds", "from", "to", "on"]
        ),
        _text,
        max_size=4,
    )
)
def test_no_query_makes_a_list_fail(world, dsl_api, params):
    fresh_throttles()
    for url in (
        "/api/v1/concerns/",
        "/api/v1/cases/",
        "/api/v1/categories/",
        f"/api/v1/pupils/{world.pupils['a'].pk}/chronology/",
    ):
        _assert_handled_read(dsl_api.get(url, **params), (url, params))


def _assert_handled_read(response, sent) -> None:
    assert response.status_code < 500 and response.status_code != 429, (sent, response.content[:500])
    if response.status_code >= 400:
        problem_of(response)
