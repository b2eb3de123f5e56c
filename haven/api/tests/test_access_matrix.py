"""The access matrix (DESIGN §8) for every API endpoint: every user of the matrix world,
by session (two factors passed) and by their own token, gets exactly what the pages give.

These rows belong in haven/access/tests/test_matrix.py's PROTECTED, but two of that file's
tests assume a page (a visitor is redirected to sign in, with 302); the API answers 401
with a Bearer challenge instead. Until PROTECTED can mark API rows, they live here and use
the same world, users and records.
"""

from __future__ import annotations

import pytest
from django.test import Client

from conftest import sign_in
from haven.access.policy import uses_the_api
from haven.access.tests.test_matrix import (
    A_READERS,
    ALL_USERS,
    DSLS_AND_HEADS,
    SCHOOL_ROLES,
    MatrixWorld,
    Protected,
    cross_authority_leaks,
    matrix_world_build,
    tenant_rows,
)
from haven.api.services import token_create

from .conftest import problem_of

TRUST_LEADS = frozenset({"trust_lead_a", "trust_lead_b"})
API_USERS = SCHOOL_ROLES | TRUST_LEADS

API_PROTECTED = [
    Protected("api index", lambda w: "/api/v1/", API_USERS),
    Protected("api concerns", lambda w: "/api/v1/concerns/", API_USERS),
    Protected(
        "api a concern",
        lambda w: f"/api/v1/concerns/{w.concern.reference}/",
        A_READERS | {"staff_a"},  # staff_a recorded it
        must_show=lambda w: w.concern.what_happened,
    ),
    Protected("api cases", lambda w: "/api/v1/cases/", DSLS_AND_HEADS | TRUST_LEADS),
    Protected(
        "api a case",
        lambda w: f"/api/v1/cases/{w.case.reference}/",
        A_READERS,
        must_show=lambda w: w.case.title,
    ),
    Protected(
        "api a case's chronology",
        lambda w: f"/api/v1/cases/{w.case.reference}/chronology/",
        A_READERS,
        must_show=lambda w: w.concern.what_happened,
    ),
    Protected(
        "api a child's chronology",
        lambda w: f"/api/v1/pupils/{w.pupils['a'].pk}/chronology/",
        A_READERS,
        must_show=lambda w: w.concern.reference,
    ),
    Protected("api categories", lambda w: "/api/v1/categories/", API_USERS),
    Protected("api safety plans", lambda w: "/api/v1/safety-plans/", DSLS_AND_HEADS | TRUST_LEADS),
    Protected(
        "api a safety plan",
        lambda w: f"/api/v1/safety-plans/{w.plan.pk}/",
        A_READERS,
        must_show=lambda w: "Matrix hazard: comments in the toilets",
    ),
]


@pytest.fixture(scope="module")
def api_world(django_db_setup, django_db_blocker):
    """The matrix world with its records, and a token for every user who may hold one."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            world = matrix_world_build()
            world.tokens = {
                key: token_create(by=user, name="matrix")[1] for key, user in world.users.items() if uses_the_api(user)
            }
            yield world
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _check(response, protected: Protected, world: MatrixWorld, user_key: str) -> None:
    if user_key in protected.allowed:
        assert response.status_code == 200, f"{user_key} should open {protected.name}"
        if protected.must_show:
            assert protected.must_show(world) in response.text
    else:
        assert response.status_code == 404, f"{user_key} must get 404 for {protected.name}"
        problem_of(response)
        if protected.must_show:
            assert protected.must_show(world) not in response.text


CASES = [(p, user) for p in API_PROTECTED for user in ALL_USERS]
IDS = [f"{p.name} as {u}" for p, u in CASES]


@pytest.mark.parametrize(("protected", "user_key"), CASES, ids=IDS)
def test_matrix_by_session(protected: Protected, user_key: str, api_world: MatrixWorld, client, django_db_blocker):
    with django_db_blocker.unblock():
        sign_in(client, api_world.users[user_key])
        _check(client.get(protected.url(api_world)), protected, api_world, user_key)


@pytest.mark.parametrize(("protected", "user_key"), CASES, ids=IDS)
def test_matrix_by_token(protected: Protected, user_key: str, api_world: MatrixWorld, django_db_blocker):
    """A token gives its owner exactly what their session gives, and only API users hold one."""
    token = api_world.tokens.get(user_key)
    if token is None:
        assert user_key not in protected.allowed
        return
    with django_db_blocker.unblock():
        response = Client().get(protected.url(api_world), headers={"Authorization": f"Bearer {token}"})
        _check(response, protected, api_world, user_key)


RECORD_ROWS = [
    "api a concern",
    "api a case",
    "api a case's chronology",
    "api a child's chronology",
    "api a safety plan",
]


@pytest.mark.parametrize("prober", ["dsl_n", "trust_lead_n", "dsl_a", "trust_lead_a"])
def test_another_authoritys_records_are_not_found(prober: str, api_world: MatrixWorld, client, django_db_blocker):
    """Every record endpoint, asked by the other authority's DSL and trust lead (as in
    haven/access/tests/test_matrix.py, whose world this is): 404, never the record."""
    with django_db_blocker.unblock():
        assert [p.name for p in tenant_rows(API_PROTECTED, api_world)] == RECORD_ROWS
        assert cross_authority_leaks(API_PROTECTED, api_world, prober, client) == []


def test_each_authority_opens_its_own_copy_of_the_records(api_world: MatrixWorld, client, django_db_blocker):
    """The sweep's control: Fell Academy's DSL opens Northshire's copy of each record."""
    with django_db_blocker.unblock():
        sign_in(client, api_world.users["dsl_n"])
        for protected in tenant_rows(API_PROTECTED, api_world):
            response = client.get(protected.url(api_world.north))
            assert response.status_code == 200, protected.name
            assert protected.must_show is None or protected.must_show(api_world.north) in response.text


@pytest.mark.parametrize("protected", API_PROTECTED, ids=[p.name for p in API_PROTECTED])
def test_a_visitor_gets_401_with_a_bearer_challenge(
    protected: Protected, api_world: MatrixWorld, client, django_db_blocker
):
    with django_db_blocker.unblock():
        response = client.get(protected.url(api_world))
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")
        problem_of(response)


@pytest.mark.parametrize("protected", API_PROTECTED, ids=[p.name for p in API_PROTECTED])
def test_a_content_role_without_its_second_factor_is_stopped(
    protected: Protected, api_world: MatrixWorld, client, django_db_blocker
):
    with django_db_blocker.unblock():
        client.force_login(api_world.users["dsl_a"])
        response = client.get(protected.url(api_world))
        assert response.status_code == 401
        assert response["Content-Type"] == "application/problem+json"


def test_every_get_endpoint_is_in_the_matrix(db):
    """Also asks for the database, so pytest-django sets up the test database when only this
    file runs: a module fixture alone does not make it, and would use the real database.
    (Marking the module instead opens each test's transaction outside the module's world,
    which then outlives the module.)"""
    from types import SimpleNamespace

    from haven.api import urls

    record = SimpleNamespace(reference="<ref>")
    fake = SimpleNamespace(
        concern=record, case=record, pupils={"a": SimpleNamespace(pk="<id>")}, plan=SimpleNamespace(pk="<plan>")
    )
    covered = {p.url(fake) for p in API_PROTECTED}
    gets = {
        "/api/"
        + str(p.pattern)
        .replace("<api_reference:reference>", "<ref>")
        .replace("<api_id:pupil_id>", "<id>")
        .replace("<api_id:plan_id>", "<plan>")
        for p in urls.urlpatterns
        if str(p.pattern).startswith("v1/")
        and p.name
        and p.name not in ("concern-amendments", "case-safety-plans", "safety-plan-sign-off")  # POST only
    }
    assert gets == covered
