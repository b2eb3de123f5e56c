"""A passkey as the first second factor (issue 15): offered beside the authenticator app on
the set-up page a new person reaches from their emailed link, and to anyone signed in with
no second factor yet. The authenticator must verify the person; the passkey becomes the
account's second factor and the session passes it (a new session key). Someone who holds
only the password of an account that has a second factor cannot add one this way."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts import manage_services
from haven.accounts.models import Passkey, RecoveryCode, User
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing.factories import PASSWORD, totp_device
from haven.testing.webauthn import SoftAuthenticator

OPTIONS = reverse("accounts:two_factor_passkey_options")
VERIFY = reverse("accounts:two_factor_passkey_verify")
SET_UP = reverse("accounts:two_factor_setup")
NEW_PASSWORD = "kettle orchard lantern 47"
LINK = re.compile(r"(/account/enrol/[A-Za-z0-9_-]+/)")


def _post(client: Client, url: str, body: object):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _new_dsl(world, mailoutbox, django_capture_on_commit_callbacks) -> tuple[User, str]:
    """An administrator adds a DSL; returns them and the path of their emailed link."""
    with django_capture_on_commit_callbacks(execute=True):
        added = manage_services.person_add(
            by=world.users["admin_a"],
            organisation=world.school_a,
            email="new.dsl@example.org",
            full_name="Robin New",
            job_title="DSL",
            role=Role.DSL,
        )
    found = next(f for m in mailoutbox if m.to == ["new.dsl@example.org"] and (f := LINK.search(m.body)))
    return added.user, found.group(1)


def _choose_password(client: Client, path: str):
    return client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def _set_up(client: Client, authenticator: SoftAuthenticator, name: str = "This laptop", **answer):
    options = _post(client, OPTIONS, {"name": name})
    assert options.status_code == 200, options.content
    return options.json(), _post(client, VERIFY, {"credential": authenticator.register(options.json(), **answer)})


def test_a_new_dsl_sets_up_a_passkey_from_their_link_and_signs_in_with_it(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    new, path = _new_dsl(world, mailoutbox, django_capture_on_commit_callbacks)
    theirs = Client()
    assert _choose_password(theirs, path)["Location"] == SET_UP
    page = theirs.get(SET_UP)
    assert page.status_code == 200
    assert "Use a passkey" in page.text and "data-passkey-offer hidden" in page.text
    assert OPTIONS in page.text and VERIFY in page.text and "haven/passkeys.js" in page.text
    assert "Use an authenticator app" in page.text  # the no-JavaScript path stays
    assert theirs.get(reverse("cases:dashboard"))["Location"].startswith("/account/two-factor/")

    authenticator = SoftAuthenticator()
    before = theirs.session.session_key
    options, r = _set_up(theirs, authenticator)
    assert options["authenticatorSelection"]["userVerification"] == "required"
    assert options["user"]["name"] == new.email
    assert r.status_code == 201 and r.json() == {"redirect": reverse("accounts:recovery_codes")}
    assert theirs.session.session_key != before
    codes = theirs.get(reverse("accounts:recovery_codes"))
    assert "is set up" in codes.text and "I have saved my codes" in codes.text
    # The passkey is the second factor, passed in this session: the records open.
    assert theirs.get(reverse("cases:dashboard")).status_code == 200
    assert RecoveryCode.objects.filter(device__user=new).count() > 0

    passkey = Passkey.objects.get(user=new)
    assert (passkey.name, passkey.credential_id, passkey.confirmed) == ("This laptop", authenticator.id, True)
    set_up = AuditEvent.objects.get(event=Event.SECOND_FACTOR_SET_UP, actor=new)
    assert set_up.extra["second_factor"] == "passkey"
    assert set_up.extra["changes"] == {"has_two_factor": [False, True]}
    assert AuditEvent.objects.filter(event=Event.PASSKEY_ADDED, actor=new).count() == 1

    # Later: the passkey alone signs in (it verified the person, so it is both factors).
    later = Client()
    options = _post(later, reverse("accounts:passkey_auth_options"), {}).json()
    r = _post(later, reverse("accounts:passkey_auth_verify"), {"credential": authenticator.sign(options)})
    assert r.status_code == 200
    assert later.get(reverse("cases:dashboard")).status_code == 200
    # Or the password, then the passkey as the second step.
    third = Client()
    third.post(reverse("accounts:sign_in"), {"email": new.email, "password": NEW_PASSWORD})
    assert third.get(reverse("cases:dashboard"))["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert "Use a passkey" in third.get(reverse("accounts:two_factor_verify")).text


def test_a_passkey_that_did_not_verify_the_person_is_refused(world, mailoutbox, django_capture_on_commit_callbacks):
    new, path = _new_dsl(world, mailoutbox, django_capture_on_commit_callbacks)
    theirs = Client()
    _choose_password(theirs, path)
    _, r = _set_up(theirs, SoftAuthenticator(), user_verified=False)
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert "must check it is you" in r.json()["detail"]
    assert not Passkey.objects.filter(user=new).exists()
    refused = AuditEvent.objects.get(event=Event.PASSKEY_REFUSED, actor=new)
    assert "verif" in refused.extra["reason"].lower()
    assert theirs.get(reverse("cases:dashboard"))["Location"].startswith("/account/two-factor/")


@pytest.mark.parametrize("name", ["", "x" * 65])
def test_the_passkey_needs_a_usable_name(world, name):
    staff = world.users["staff_a"]
    client = sign_in(Client(), staff, verified=False)
    r = _post(client, OPTIONS, {"name": name})
    assert r.status_code == 400 and "name" in r.json()["errors"]
    assert not Passkey.objects.exists()


def test_a_password_alone_cannot_add_a_passkey_to_an_account_with_an_authenticator(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    r = client.post(reverse("accounts:sign_in"), {"email": dsl.email, "password": PASSWORD})
    assert r.status_code == 302
    # The set-up page itself sends them to pass the factor they have, and offers no passkey.
    assert client.get(SET_UP)["Location"] == reverse("accounts:two_factor_verify")
    assert _post(client, OPTIONS, {"name": "Attacker's laptop"}).status_code == 404
    answer = SoftAuthenticator().register({"challenge": "AAAA", "user": {"id": "AAAA"}})
    assert _post(client, VERIFY, {"credential": answer}).status_code == 404
    assert not Passkey.objects.exists()
    refusals = AuditEvent.objects.filter(event=Event.ACCESS_REFUSED, actor=dsl)
    assert [e.extra for e in refusals] == [{"reason": "already has a second factor"}] * 2


def test_a_password_alone_cannot_add_a_second_passkey_either(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    new, path = _new_dsl(world, mailoutbox, django_capture_on_commit_callbacks)
    owner = Client()
    _choose_password(owner, path)
    _set_up(owner, SoftAuthenticator())
    # Someone else with the password only: the passkey already set up must be passed first.
    client.post(reverse("accounts:sign_in"), {"email": new.email, "password": NEW_PASSWORD})
    assert _post(client, OPTIONS, {"name": "Another"}).status_code == 404
    assert Passkey.objects.filter(user=new).count() == 1


def test_a_ceremony_begun_before_another_tab_set_up_a_factor_is_refused(world):
    staff = world.users["staff_a"]
    client = sign_in(Client(), staff, verified=False)
    options = _post(client, OPTIONS, {"name": "Laptop"}).json()
    totp_device(staff)  # meanwhile, an authenticator app was set up in another tab
    r = _post(client, VERIFY, {"credential": SoftAuthenticator().register(options)})
    assert r.status_code == 404
    assert not Passkey.objects.exists()


def test_an_answer_to_another_challenge_is_refused_and_the_challenge_is_used_once(world):
    client = sign_in(Client(), world.users["staff_a"], verified=False)
    assert _post(client, OPTIONS, {"name": "Laptop"}).status_code == 200
    answer = SoftAuthenticator().register({"challenge": "AAAA", "user": {"id": "AAAA"}})
    r = _post(client, VERIFY, {"credential": answer})
    assert r.status_code == 400 and "could not be added" in r.json()["detail"]
    replay = _post(client, VERIFY, {"credential": answer})
    assert replay.status_code == 400 and "took too long" in replay.json()["detail"]
    assert not Passkey.objects.exists()


def test_a_used_link_leads_to_no_passkey(world, mailoutbox, django_capture_on_commit_callbacks):
    _, path = _new_dsl(world, mailoutbox, django_capture_on_commit_callbacks)
    assert _choose_password(Client(), path).status_code == 302
    again = Client()
    assert again.get(path).status_code == 404
    assert _choose_password(again, path).status_code == 404
    # Not signed in by the used link, so there is no one to add a passkey to.
    r = _post(again, OPTIONS, {"name": "Laptop"})
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:sign_in"))
    assert not Passkey.objects.exists()


def test_a_link_that_ran_out_leads_to_no_passkey(world, mailoutbox, django_capture_on_commit_callbacks, monkeypatch):
    new, path = _new_dsl(world, mailoutbox, django_capture_on_commit_callbacks)
    later = timezone.now() + dt.timedelta(hours=72, minutes=1)
    monkeypatch.setattr("django.utils.timezone.now", lambda: later)
    client = Client()
    assert _choose_password(client, path).status_code == 404
    r = _post(client, OPTIONS, {"name": "Laptop"})
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:sign_in"))
    new.refresh_from_db()
    assert not new.has_usable_password() and not Passkey.objects.exists()


def test_someone_replacing_their_authenticator_is_not_offered_a_passkey_here(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)  # verified, with an authenticator app
    page = client.get(SET_UP)
    assert page.status_code == 200 and "data-passkey-offer" not in page.text
    assert _post(client, OPTIONS, {"name": "Laptop"}).status_code == 404
