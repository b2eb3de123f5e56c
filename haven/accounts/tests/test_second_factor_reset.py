"""A lost authenticator needs a second person (DESIGN §3 rule 19): an administrator asks,
a lead of the person's organisation approves (never the person, never the one who asked),
and only then is the person emailed a link with which, and their password, they set up a
new second factor."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import AuthenticatorApp, Enrolment, RecoveryCodeDevice, SecondFactorReset
from haven.accounts.tests.test_enrolment import _link, _totp
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing import factories as f
from haven.testing.factories import PASSWORD

CHECKS = "/account/checks/"


def _url(user) -> str:
    return reverse("manage:second_factor_reset", args=[user.pk])


def _approve_url(reset: SecondFactorReset) -> str:
    return reverse("accounts:reset_approve", args=[reset.pk])


@pytest.fixture
def dsl(world):
    user = world.users["dsl_a"]
    f.totp_device(user)
    return user


def _request(client, world, person, capture):
    sign_in(client, world.users["admin_a"])
    with capture(execute=True):
        r = client.post(_url(person), follow=True)
    assert "must approve it" in r.text
    return SecondFactorReset.objects.get(user=person)


def test_it_asks_first(client, world, dsl):
    sign_in(client, world.users["admin_a"])
    page = client.get(_url(dsl))
    assert page.status_code == 200 and "It needs a second person" in page.text
    assert "Reset their two-factor sign-in" in client.get(reverse("manage:person", args=[dsl.pk])).text
    assert not SecondFactorReset.objects.exists()


def test_the_request_alone_changes_nothing(client, world, dsl, mailoutbox, django_capture_on_commit_callbacks):
    reset = _request(client, world, dsl, django_capture_on_commit_callbacks)
    assert AuthenticatorApp.objects.filter(user=dsl, confirmed=True).exists()
    assert not Enrolment.objects.exists()
    # The school's only DSL is the person, so the head is asked; the person is not emailed.
    assert [m.to[0] for m in mailoutbox] == ["head_a@example.org"]
    assert AuditEvent.objects.get(event=Event.SECOND_FACTOR_RESET_REQUESTED).actor == world.users["admin_a"]
    # The requester cannot approve it themself, nor can the person.
    assert "Dsl A" not in client.get(CHECKS).text
    assert client.post(_approve_url(reset)).status_code == 404
    theirs = sign_in(Client(), dsl)
    assert theirs.post(_approve_url(reset)).status_code == 404
    for key in ("staff_a", "dsl_b", "admin_b", "head_b", "deputy_a"):
        assert sign_in(Client(), world.users[key]).post(_approve_url(reset)).status_code == 404
    reset.refresh_from_db()
    assert reset.approved_at is None
    assert not Enrolment.objects.exists()


def test_a_second_person_approves_and_the_person_sets_up_again(
    client, world, dsl, mailoutbox, django_capture_on_commit_callbacks
):
    reset = _request(client, world, dsl, django_capture_on_commit_callbacks)
    head = sign_in(Client(), world.users["head_a"])
    page = head.get(CHECKS)
    assert "Dsl A" in page.text and "Approve" in page.text
    with django_capture_on_commit_callbacks(execute=True):
        r = head.post(_approve_url(reset), follow=True)
    assert "has been emailed a link" in r.text
    approved = AuditEvent.objects.get(event=Event.SECOND_FACTOR_RESET_APPROVED)
    assert approved.actor == world.users["head_a"]
    assert head.post(_approve_url(reset)).status_code == 404  # once
    path = _link(mailoutbox, dsl.email)

    theirs = Client()
    assert "Set up two-factor sign-in again" in theirs.get(path).text
    # A wrong password changes nothing.
    r = theirs.post(path, {"password": "not my password"})
    assert r.status_code == 400 and "That is not your password" in r.text
    assert AuthenticatorApp.objects.filter(user=dsl, confirmed=True).exists()
    r = theirs.post(path, {"password": PASSWORD})
    assert r["Location"] == reverse("accounts:two_factor_setup")
    assert not AuthenticatorApp.objects.filter(user=dsl, confirmed=True).exists()
    assert not RecoveryCodeDevice.objects.filter(user=dsl).exists()
    assert theirs.get(reverse("accounts:two_factor_setup")).status_code == 200
    device = AuthenticatorApp.objects.get(user=dsl, confirmed=False)
    theirs.post(reverse("accounts:two_factor_setup"), {"token": _totp(device)})
    assert theirs.get(reverse("cases:dashboard")).status_code == 200
    assert Client().get(path).status_code == 404  # the link is used up


def test_a_staff_members_reset_is_approved_by_another_administrator(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    staff = world.users["staff_a"]
    f.totp_device(staff)
    reset = _request(client, world, staff, django_capture_on_commit_callbacks)
    assert [m.to[0] for m in mailoutbox] == ["trust_admin_a@example.org"]
    assert sign_in(Client(), world.users["dsl_a"]).post(_approve_url(reset)).status_code == 404
    other_admin = sign_in(Client(), world.users["trust_admin_a"])
    assert other_admin.post(_approve_url(reset)).status_code == 302
    assert Enrolment.objects.get(user=staff).purpose == Enrolment.Purpose.SECOND_FACTOR


def test_with_nobody_to_approve_it_is_refused(client, world, dsl):
    for key in ("head_a", "trust_lead_a"):
        world.users[key].memberships.update(ended_at="2026-01-01T00:00:00Z")
    sign_in(client, world.users["admin_a"])
    r = client.post(_url(dsl), follow=True)
    assert "Nobody else in their organisation can approve this" in r.text
    assert not SecondFactorReset.objects.exists()


@pytest.mark.parametrize("key", ["admin_b", "dsl_a", "staff_a", "head_a"])
def test_anyone_but_their_administrators_gets_404(client, world, dsl, key):
    sign_in(client, world.users[key])
    assert client.get(_url(world.users["staff_a"])).status_code == 404
    assert client.post(_url(world.users["staff_a"])).status_code == 404
    assert not SecondFactorReset.objects.exists()


def test_the_reset_removes_the_persons_passkeys_too(client, world, dsl, mailoutbox, django_capture_on_commit_callbacks):
    """Whoever has the lost laptop must not keep a way in: its passkey goes with the app."""
    from haven.accounts.models import Passkey
    from haven.accounts.tests.test_passkeys import _passkey_for

    authenticator = _passkey_for(dsl)
    assert Passkey.objects.filter(user=dsl).count() == 1
    reset = _request(client, world, dsl, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        sign_in(Client(), world.users["head_a"]).post(_approve_url(reset))
    path = _link(mailoutbox, dsl.email)
    theirs = Client()
    assert theirs.post(path, {"password": PASSWORD})["Location"] == reverse("accounts:two_factor_setup")
    assert not Passkey.objects.filter(user=dsl).exists()
    completed = AuditEvent.objects.get(event=Event.ENROLMENT_COMPLETED, actor=dsl)
    assert completed.extra["passkeys_removed"] == ["Work laptop"]
    # The old passkey no longer signs in.
    from haven.accounts.tests.test_passkeys import AUTH_OPTIONS, AUTH_VERIFY, _post

    stranger = Client()
    options = _post(stranger, AUTH_OPTIONS, {}).json()
    assert _post(stranger, AUTH_VERIFY, {"credential": authenticator.sign(options)}).status_code == 400
    assert "_auth_user_id" not in stranger.session


def test_a_stale_second_factor_is_asked_for_before_asking_for_a_reset(client, world, dsl):
    import datetime as dt

    from django.utils import timezone

    from haven.accounts.stepup import VERIFIED_AT

    sign_in(client, world.users["admin_a"])
    session = client.session
    session[VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=16)).isoformat()
    session.save()
    for r in (client.get(_url(dsl)), client.post(_url(dsl))):
        assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:step_up") + "?next=")
    assert not SecondFactorReset.objects.exists()
