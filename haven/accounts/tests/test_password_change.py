"""A person changes their own password: the current one checked, the settings' validators,
every other session ended, the change audited. A temporary password an administrator issued
(a new account, a reset) must be replaced before anything else."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import pass_second_factor, sign_in
from haven.accounts import middleware
from haven.accounts.models import User
from haven.accounts.views import PASSWORD_CHANGE_ATTEMPTS
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.testing.factories import PASSWORD

URL = "/account/password/"
NEW = "otter lantern quietly marmalade"


def _change(client: Client, old: str = PASSWORD, new1: str = NEW, new2: str | None = None, **kw):
    return client.post(
        URL, {"old_password": old, "new_password1": new1, "new_password2": new1 if new2 is None else new2}, **kw
    )


def test_the_url_is_stable_and_the_middleware_knows_it():
    assert reverse("accounts:password_change") == URL == middleware._PASSWORD_CHANGE


@pytest.mark.parametrize("key", ["staff_a", "dsl_a", "admin_a", "la_officer_a", "nobody"])
def test_every_signed_in_person_can_open_it_from_their_account(client, world, key):
    sign_in(client, world.users[key])
    assert URL in client.get(reverse("accounts:account")).text
    r = client.get(URL)
    assert r.status_code == 200
    assert "<h1>Change your password</h1>" in r.text


def test_a_visitor_is_sent_to_sign_in(client, world):
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))


def test_a_content_role_needs_its_second_factor_first(client, world):
    client.force_login(world.users["dsl_a"])
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"].startswith("/account/two-factor/")


def test_it_changes_the_password_keeps_this_session_ends_the_others_and_audits(client, world):
    user = world.users["staff_a"]
    other_device = sign_in(Client(), user)
    sign_in(client, user)
    r = _change(client)
    assert r.status_code == 302
    assert r["Location"] == reverse("accounts:account")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert not user.check_password(PASSWORD)
    # This session goes on; the other device is signed out.
    here = client.get(reverse("accounts:account"))
    assert here.status_code == 200
    assert "Your password has been changed" in here.text
    elsewhere = other_device.get(reverse("accounts:account"))
    assert elsewhere.status_code == 302
    assert elsewhere["Location"].startswith(reverse("accounts:sign_in"))
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="accounts.user", object_id=str(user.pk))
    assert event.actor == user
    assert (event.event, event.channel) == (Event.PASSWORD_CHANGED, Channel.PAGE)
    assert event.extra == {"password": "changed by its owner"}  # nothing else changed that may be kept
    assert NEW not in event.canonical() and PASSWORD not in event.canonical()


@pytest.mark.parametrize(
    ("old", "new1", "new2", "message"),
    [
        ("wrong password entirely", NEW, NEW, "That is not your current password"),
        (PASSWORD, NEW, NEW + "x", "The two new passwords are not the same"),
        (PASSWORD, "short", "short", "This password is too short"),
        (PASSWORD, "password1234", "password1234", "This password is too common"),
        (PASSWORD, "4815162342108", "4815162342108", "This password is entirely numeric"),
        (PASSWORD, PASSWORD, PASSWORD, "Choose a new password, not the one you have now"),
        (PASSWORD, "", "", "Enter a new password"),
        ("", NEW, NEW, "Enter your current password"),
        (PASSWORD, "x" * 1_000_000, "x" * 1_000_000, "A password can be at most 256 characters long"),
    ],
    ids=["wrong current", "mismatch", "too short", "common", "numeric", "unchanged", "empty", "no current", "1 MB"],
)
def test_bad_input_is_refused_with_a_clear_message_and_changes_nothing(client, world, old, new1, new2, message):
    user = world.users["staff_a"]
    before = user.password
    sign_in(client, user)
    r = _change(client, old, new1, new2)
    assert r.status_code == 400
    assert "There is a problem" in r.text
    assert message in r.text
    user.refresh_from_db()
    assert user.password == before
    assert not AuditEvent.objects.filter(action=Action.UPDATE, object_id=str(user.pk)).exists()


def test_too_many_wrong_current_passwords_end_the_session(client, world):
    user = world.users["staff_a"]
    sign_in(client, user)
    for _ in range(PASSWORD_CHANGE_ATTEMPTS - 1):
        assert _change(client, old="not it at all").status_code == 400
    r = _change(client, old="not it at all")
    assert r.status_code == 302
    assert r["Location"] == reverse("accounts:sign_in")
    assert client.get(reverse("accounts:account")).status_code == 302  # signed out
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    refused = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=user, object_id=str(user.pk))
    assert refused.count() == PASSWORD_CHANGE_ATTEMPTS
    assert set(refused.values_list("event", "channel")) == {(Event.PASSWORD_CHANGE_REFUSED, Channel.PAGE)}


def test_a_right_password_clears_the_count_of_wrong_ones(client, world):
    user = world.users["staff_a"]
    sign_in(client, user)
    for _ in range(PASSWORD_CHANGE_ATTEMPTS - 1):
        _change(client, old="not it at all")
    assert _change(client).status_code == 302
    for _ in range(PASSWORD_CHANGE_ATTEMPTS - 1):
        assert _change(client, old="not it at all").status_code == 400
    assert client.get(reverse("accounts:account")).status_code == 200


def _sign_in_with_password(client: Client, email: str, password: str) -> None:
    r = client.post(reverse("accounts:sign_in"), {"email": email, "password": password})
    assert r.status_code == 302, r.text


def test_a_temporary_password_left_from_before_is_replaced_first(client, world):
    """Haven no longer shows anyone a password (ASVS V6.4.1); a temporary one an administrator
    was shown before still has to be replaced, after the second factor, before anything else."""
    person = world.users["staff_a"]
    temporary = "aB3kx-Pq7mZ-Rt2wy-Hn4vc"
    person.set_password(temporary)
    person.password_must_change = True
    person.save(update_fields=["password", "password_must_change"])

    _sign_in_with_password(client, person.email, temporary)
    assert client.get(reverse("home:home"))["Location"].startswith("/account/two-factor/")
    pass_second_factor(client, person)
    for page in (reverse("home:home"), reverse("concerns:new"), reverse("accounts:account")):
        r = client.get(page)
        assert r.status_code == 302
        assert r["Location"] == URL
    form = client.get(URL)
    assert "<h1>Choose your own password</h1>" in form.text
    assert "The temporary password you were given" in form.text
    # Signing out stays possible.
    assert not reverse("accounts:sign_out").startswith(URL)

    r = _change(client, old=temporary)
    assert r.status_code == 302
    assert r["Location"] == reverse("home:home")
    person.refresh_from_db()
    assert not person.password_must_change
    assert client.get(reverse("concerns:new")).status_code == 200
    changed = AuditEvent.objects.get(event=Event.PASSWORD_CHANGED, object_id=str(person.pk))
    assert (changed.actor, changed.channel) == (person, Channel.PAGE)
    assert changed.extra["changes"] == {"password_must_change": [True, False]}
    assert NEW not in changed.canonical() and temporary not in changed.canonical()


def test_a_content_role_with_a_temporary_password_passes_its_second_factor_first(client, world):
    dsl = world.users["dsl_a"]
    User.objects.filter(pk=dsl.pk).update(password_must_change=True)
    dsl.refresh_from_db()
    client.force_login(dsl)
    assert client.get(reverse("cases:dashboard"))["Location"].startswith("/account/two-factor/")
    sign_in(client, dsl)  # now verified
    assert client.get(reverse("cases:dashboard"))["Location"] == URL


def test_an_existing_person_is_not_asked_to_change(client, world):
    sign_in(client, world.users["staff_a"])
    assert not world.users["staff_a"].password_must_change
    assert client.get(reverse("concerns:new")).status_code == 200


def test_an_administrators_reset_stops_the_persons_api_tokens(client, world):
    from haven.api.models import ApiToken
    from haven.api.services import token_create

    person = world.users["dsl_a"]
    _, raw = token_create(by=person, name="MIS")
    api = Client()
    auth = {"Authorization": f"Bearer {raw}"}
    assert api.get("/api/v1/cases/", headers=auth).status_code == 200
    sign_in(client, world.users["admin_a"])
    client.post(reverse("manage:password_reset", args=[person.pk]))
    response = api.get("/api/v1/cases/", headers=auth)
    assert response.status_code == 401
    token = ApiToken.objects.get(user=person)
    assert token.revoked_at is not None and token.revoked_by == world.users["admin_a"]


def test_a_token_of_someone_with_a_temporary_password_is_refused(world):
    from haven.api.services import token_create

    person = world.users["dsl_a"]
    _, raw = token_create(by=person, name="MIS")
    User.objects.filter(pk=person.pk).update(password_must_change=True)
    response = Client().get("/api/v1/cases/", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert "temporary password" in response.json()["detail"]
