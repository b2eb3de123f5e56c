"""Personal API tokens: created on a page, shown once, hashed at rest, revocable, expiring."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.api.models import ApiToken
from haven.api.services import token_create, token_revoke
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.core.errors import ApplicationError

from .conftest import Api, problem_of

ROOT = "/api/v1/"
TOKEN_RE = re.compile(r'value="(hvn_[A-Za-z0-9_-]+)"')


def _create_on_page(client: Client, name: str = "School MIS") -> str:
    response = client.post(reverse("api:tokens"), {"name": name, "lifetime": "90"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    found = TOKEN_RE.search(response.text)
    assert found
    return found.group(1)


def test_it_shows_a_new_token_once_and_keeps_only_its_hash(client, world):
    sign_in(client, world.users["staff_a"])
    raw = _create_on_page(client)
    token = ApiToken.objects.get(user=world.users["staff_a"])
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and len(token.prefix) < 16
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=90)).date()
    # Never again: the list shows the prefix only.
    listing = client.get(reverse("api:tokens"))
    assert raw not in listing.text
    assert token.prefix in listing.text
    assert "no-store" in listing["Cache-Control"]


def test_creating_a_token_is_audited_without_the_token(client, world):
    sign_in(client, world.users["dsl_a"])
    raw = _create_on_page(client, "Audit check")
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="api.token")
    assert event.actor == world.users["dsl_a"]
    assert (event.event, event.channel) == (Event.API_TOKEN_CREATED, Channel.PAGE)  # the tokens page, not the API
    assert event.extra["name"] == "Audit check"
    assert raw not in event.canonical()
    assert raw[len(event.extra["prefix"]) :] not in event.canonical()


def test_a_token_authenticates_as_its_owner(client, world, token_for):
    api = Api(client, token_for(world.users["staff_a"]))
    response = api.get(ROOT)
    assert response.status_code == 200
    assert response.json()["user"]["email"] == "staff_a@example.org"
    assert response.json()["authenticated_by"] == "token"


def test_last_used_is_recorded_at_most_once_a_minute(client, world, token_for):
    api = Api(client, token_for(world.users["staff_a"]))
    api.get(ROOT)
    token = ApiToken.objects.get()
    first = token.last_used_at
    assert first is not None
    api.get(ROOT)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api.get(ROOT)
    token.refresh_from_db()
    assert token.last_used_at > first - dt.timedelta(minutes=2)


def test_a_revoked_token_stops_working_at_once(client, world):
    sign_in(client, world.users["staff_a"])
    raw = _create_on_page(client)
    token = ApiToken.objects.get()
    response = client.post(reverse("api:token_revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == world.users["staff_a"]
    revoked = AuditEvent.objects.get(action=Action.UPDATE, object_type="api.token", object_id=str(token.pk))
    assert (revoked.event, revoked.channel, revoked.actor) == (Event.API_TOKEN_REVOKED, Channel.PAGE, token.revoked_by)
    assert revoked.extra["changes"] == {"revoked_at": [None, token.revoked_at.isoformat()]}
    assert raw not in revoked.canonical()
    response = Api(Client(), raw).get(ROOT)
    assert response.status_code == 401
    assert problem_of(response)["detail"] == "The token is not valid."


def test_an_expired_token_is_refused(client, world, token_for):
    raw = token_for(world.users["staff_a"], lifetime=dt.timedelta(days=1))
    past = timezone.now() - dt.timedelta(days=2)
    ApiToken.objects.update(created_at=past, expires_at=past + dt.timedelta(days=1))
    response = Api(client, raw).get(ROOT)
    assert response.status_code == 401
    assert "expired" in problem_of(response)["detail"]


def test_a_deactivated_users_token_is_refused(client, world, token_for):
    raw = token_for(world.users["staff_a"])
    world.users["staff_a"].__class__.objects.filter(pk=world.users["staff_a"].pk).update(is_active=False)
    assert Api(client, raw).get(ROOT).status_code == 401


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer hvn_a hvn_b",
        "Bearer not-a-haven-token",
        "Bearer hvn_" + "x" * 300,
        "Bearer hvn_doesnotexist",
        "bearer hvn_doesnotexist",
    ],
)
def test_a_bad_authorization_header_is_a_401_problem(client, world, header):
    response = client.get(ROOT, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    problem_of(response)


def test_someone_elses_token_cannot_be_revoked(client, world, token_for):
    token_for(world.users["staff_b"])
    other = ApiToken.objects.get()
    sign_in(client, world.users["staff_a"])
    assert client.post(reverse("api:token_revoke", args=[other.pk])).status_code == 404
    with pytest.raises(ApplicationError):
        token_revoke(by=world.users["staff_a"], token=other)
    other.refresh_from_db()
    assert other.revoked_at is None


@pytest.mark.parametrize("user_key", ["admin_a", "governor_a", "la_officer_a", "trustee_a", "nobody"])
def test_roles_that_never_see_safeguarding_records_get_no_tokens(client, world, user_key):
    user = world.users[user_key]
    sign_in(client, user)
    assert client.get(reverse("api:tokens")).status_code == 404
    assert client.post(reverse("api:tokens"), {"name": "x", "lifetime": "30"}).status_code == 404
    with pytest.raises(ApplicationError):
        token_create(by=user, name="x")
    assert not ApiToken.objects.exists()


def test_the_tokens_page_needs_the_second_factor(client, world):
    client.force_login(world.users["dsl_a"])  # password only
    response = client.get(reverse("api:tokens"))
    assert response.status_code == 302
    assert response["Location"].startswith("/account/two-factor/")


def test_a_token_needs_a_name(client, world):
    sign_in(client, world.users["staff_a"])
    response = client.post(reverse("api:tokens"), {"name": "  ", "lifetime": "90"})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()


def test_a_token_lasts_at_most_a_year(world):
    with pytest.raises(ApplicationError):
        token_create(by=world.users["staff_a"], name="forever", lifetime=dt.timedelta(days=3650))
    token, _ = token_create(by=world.users["staff_a"], name="default")
    assert token.expires_at - token.created_at == dt.timedelta(days=365)
