"""Two ways into the API: a bearer token, or a browser session that passed two factors."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from conftest import sign_in

from .conftest import Api, problem_of

ROOT = "/api/v1/"
CASES = "/api/v1/cases/"
WITHOUT_TWO_FACTOR_MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.endswith("TwoFactorRequiredMiddleware")]


def test_without_credentials_it_answers_401_with_a_bearer_challenge(client, world):
    response = client.get(CASES)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="haven"'
    assert problem_of(response)["title"] == "Unauthorized"


def test_a_session_that_passed_two_factors_works(client, world):
    sign_in(client, world.users["dsl_a"])
    response = client.get(ROOT)
    assert response.status_code == 200
    assert response.json()["authenticated_by"] == "session"


def test_a_dsl_session_without_its_second_factor_is_stopped(client, world):
    """Through the whole stack the API answers for itself: a 401 problem, not a redirect."""
    client.force_login(world.users["dsl_a"])
    response = client.get(CASES)
    assert response.status_code == 401
    assert "two-factor" in problem_of(response)["detail"]
    assert client.get("/api/tokens/")["Location"].startswith("/account/two-factor/")  # pages still redirect


def test_the_api_itself_refuses_a_session_without_its_second_factor(client, world, settings):
    """Defence in depth: without the middleware the API's own session check answers 401."""
    settings.MIDDLEWARE = WITHOUT_TWO_FACTOR_MIDDLEWARE
    client.force_login(world.users["dsl_a"])
    response = client.get(CASES)
    assert response.status_code == 401
    assert "two-factor" in problem_of(response)["detail"]


def test_staff_who_set_up_a_second_factor_are_held_to_it(client, world, settings):
    from haven.testing.factories import totp_device

    settings.MIDDLEWARE = WITHOUT_TWO_FACTOR_MIDDLEWARE
    staff = world.users["staff_a"]
    totp_device(staff)
    client.force_login(staff)
    assert client.get(ROOT).status_code == 401
    sign_in(client, staff)
    assert client.get(ROOT).status_code == 200


def test_staff_without_a_second_factor_can_neither_record_nor_read_through_a_session(client, world):
    """ASVS V6.3.3 and V6.3.4: staff too need two factors, on the API as on the pages (the same
    rule on every pathway): a session with the password only records nothing and reads nothing."""
    import datetime as dt

    from django.utils import timezone

    from haven.concerns.models import Concern

    client.force_login(world.users["staff_a"])
    concern = {
        "school": world.school_a.urn,
        "children": [{"upn": world.pupils["a"].upn, "role": "affected"}],
        "occurred_at": (timezone.now() - dt.timedelta(hours=1)).isoformat(),
        "location": "corridor",
        "categories": ["bullying"],
        "what_happened": "Pushed in the corridor.",
        "child_told_next_steps": "yes",
    }
    refused = client.post("/api/v1/concerns/", concern, content_type="application/json")
    assert refused.status_code == 401
    assert "has not passed two-factor sign-in" in problem_of(refused)["detail"]
    assert not Concern.objects.exists()
    for url in (ROOT, "/api/v1/concerns/"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert "has not passed two-factor sign-in" in problem_of(response)["detail"]
    sign_in(client, world.users["staff_a"])  # now with a second factor
    created = client.post("/api/v1/concerns/", concern, content_type="application/json")
    assert created.status_code == 201, created.content
    assert client.get(f"/api/v1/concerns/{created.json()['reference']}/").status_code == 200


def test_an_api_token_is_made_only_after_a_second_factor(client, world):
    client.force_login(world.users["staff_a"])
    response = client.post("/api/tokens/", {"name": "MIS", "lifetime": "30"})
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")
    from haven.api.models import ApiToken

    assert not ApiToken.objects.exists()


def test_a_session_must_send_the_csrf_token_to_write(world):
    client = Client(enforce_csrf_checks=True)
    sign_in(client, world.users["staff_a"])
    response = client.post("/api/v1/concerns/", {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in problem_of(response)["detail"]


def test_a_token_needs_no_csrf_token(world, token_for):
    client = Client(enforce_csrf_checks=True)
    response = Api(client, token_for(world.users["staff_a"])).post("/api/v1/concerns/", {})
    assert response.status_code == 400  # validation, not CSRF


@pytest.mark.parametrize("user_key", ["admin_a", "trust_admin_a", "governor_a", "trustee_a", "la_officer_a", "nobody"])
def test_roles_without_safeguarding_access_get_404_everywhere(client, world, user_key):
    sign_in(client, world.users[user_key])
    for url in (
        ROOT,
        "/api/v1/concerns/",
        CASES,
        "/api/v1/categories/",
        f"/api/v1/pupils/{world.pupils['a'].pk}/chronology/",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        problem_of(response)
    assert client.post("/api/v1/concerns/", {}, content_type="application/json").status_code == 404


def test_a_session_with_a_temporary_password_is_stopped_until_it_is_replaced(client, world):
    from haven.accounts.models import User

    staff = world.users["staff_a"]
    User.objects.filter(pk=staff.pk).update(password_must_change=True)
    sign_in(client, User.objects.get(pk=staff.pk))
    response = client.get(ROOT)
    assert response.status_code == 401
    assert "/account/password/" in problem_of(response)["detail"]
    User.objects.filter(pk=staff.pk).update(password_must_change=False)
    assert client.get(ROOT).status_code == 200
