"""Set-up links (DESIGN §3 rule 19): an administrator adding a safeguarding lead sees no
password anywhere and cannot sign in as them; the new lead chooses their own password and
second factor from a single-use link emailed to them, valid for 72 hours."""

from __future__ import annotations

import datetime as dt
import re
import time
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.models import AuthenticatorApp, Enrolment, Membership, User
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing.factories import PASSWORD, totp_device

NEW_PASSWORD = "kettle orchard lantern 47"
LINK = re.compile(r"http://[^/\s]+(/account/enrol/[A-Za-z0-9_-]+/)")


def _add_dsl(client: Client, world, capture, email: str = "new.dsl@example.org") -> list:
    """The administrator adds a DSL to school A; returns every response of the flow."""
    responses = [client.get(reverse("manage:person_add_school", args=[world.school_a.pk]))]
    form = {"email": email, "full_name": "New Lead", "job_title": "DSL", "role": Role.DSL}
    with capture(execute=True):
        r = client.post(reverse("manage:person_add_school", args=[world.school_a.pk]), form)
    responses.append(r)
    responses.append(client.get(r["Location"]))
    return responses


def _link(mailoutbox, email: str) -> str:
    """The link in the latest email to ``email`` that has one (a security notice beside it has none)."""
    bodies = [m.body for m in mailoutbox if m.to == [email]]
    assert bodies, f"no email to {email}"
    links = [found.group(1) for body in bodies if (found := LINK.search(body))]
    assert links
    return links[-1]


def _totp(device: AuthenticatorApp, *, later: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + later
    return f"{totp.token():0{device.digits}d}"


def _enrol(client: Client, path: str, password: str = NEW_PASSWORD):
    return client.post(path, {"new_password1": password, "new_password2": password})


def test_the_url_is_stable():
    assert reverse("accounts:enrol", args=["abc"]) == "/account/enrol/abc/"


def test_an_admin_adding_a_dsl_sees_no_password_and_the_dsl_enrols(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    admin = world.users["admin_a"]
    sign_in(client, admin)
    responses = _add_dsl(client, world, django_capture_on_commit_callbacks)
    new = User.objects.get(email="new.dsl@example.org")
    # No password exists to be shown: the account has none until its owner chooses one.
    assert not new.has_usable_password()
    path = _link(mailoutbox, new.email)
    token = path.split("/")[-2]
    for r in responses:
        assert r.status_code in (200, 302)
        assert "temporary password" not in r.content.decode().lower()
        assert token not in r.content.decode()
        assert not (r.context and r.context.get("password"))
    assert not any("/password/new/" in (r.get("Location") or "") for r in responses)
    assert "We emailed new.dsl@example.org a link" in responses[-1].text
    # The token is stored only as its hash.
    assert not Enrolment.objects.filter(token_hash__contains=token).exists()
    assert not any(token in e.canonical() for e in AuditEvent.objects.all())
    # The email says what Haven is and who added them; nothing about any child.
    body = next(m.body for m in mailoutbox if m.to == [new.email])
    assert "safeguarding records system" in body and admin.full_name in body
    assert "Designated safeguarding lead at Alder Academy" in body

    # The administrator cannot sign in as the new lead, nor use their link.
    for guess in ("", PASSWORD, "password"):
        r = Client().post(reverse("accounts:sign_in"), {"email": new.email, "password": guess})
        assert r.status_code == 400
    assert client.get(path).status_code == 404

    # The new lead, not signed in, chooses a password, then sets up their second factor.
    theirs = Client()
    page = theirs.get(path)
    assert page.status_code == 200
    assert "Set up your Haven account" in page.text and "no-store" in page["Cache-Control"]
    r = _enrol(theirs, path)
    assert r.status_code == 302 and r["Location"] == reverse("accounts:two_factor_setup")
    assert theirs.get(reverse("cases:dashboard"))["Location"].startswith("/account/two-factor/")
    assert theirs.get(reverse("accounts:two_factor_setup")).status_code == 200
    device = AuthenticatorApp.objects.get(user=new, confirmed=False)
    r = theirs.post(reverse("accounts:two_factor_setup"), {"token": _totp(device)})
    assert r["Location"] == reverse("accounts:recovery_codes")
    assert theirs.get(reverse("cases:dashboard")).status_code == 200
    new.refresh_from_db()
    assert new.check_password(NEW_PASSWORD) and not new.password_must_change
    completed = AuditEvent.objects.get(event=Event.ENROLMENT_COMPLETED)
    assert completed.actor == new and completed.school_id == world.school_a.pk

    # Later they sign in like anyone else: password, then the code.
    later = Client()
    r = later.post(reverse("accounts:sign_in"), {"email": new.email, "password": NEW_PASSWORD})
    assert r.status_code == 302
    device.refresh_from_db()
    later.post(reverse("accounts:two_factor_verify"), {"token": _totp(device, later=30)})
    assert later.get(reverse("cases:dashboard")).status_code == 200


def test_the_link_works_once(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    path = _link(mailoutbox, "new.dsl@example.org")
    assert _enrol(Client(), path).status_code == 302
    again = Client()
    r = again.get(path)
    assert r.status_code == 404
    assert "This link does not work" in r.text and "ask your organisation" in r.text.lower()
    assert _enrol(again, path, "another password 99 x").status_code == 404
    assert User.objects.get(email="new.dsl@example.org").check_password(NEW_PASSWORD)
    refused = AuditEvent.objects.filter(event=Event.ENROLMENT_REFUSED).first()
    assert refused is not None and '"reason":"used"' in refused.canonical().replace(" ", "")


def test_the_link_runs_out_after_72_hours(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    path = _link(mailoutbox, "new.dsl@example.org")
    sent = timezone.now()
    with mock.patch("django.utils.timezone.now", lambda: sent + dt.timedelta(hours=71, minutes=59)):
        assert Client().get(path).status_code == 200
    with mock.patch("django.utils.timezone.now", lambda: sent + dt.timedelta(hours=72, minutes=1)):
        r = Client().get(path)
        assert r.status_code == 404 and "This link does not work" in r.text
        assert _enrol(Client(), path).status_code == 404
    assert not User.objects.get(email="new.dsl@example.org").has_usable_password()
    assert AuditEvent.objects.filter(event=Event.ENROLMENT_REFUSED).exists()


def test_an_unknown_link_gets_the_same_plain_page(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    used = _link(mailoutbox, "new.dsl@example.org")
    _enrol(Client(), used)
    unknown = Client().get(reverse("accounts:enrol", args=["x" * 43]))
    assert unknown.status_code == 404
    assert unknown.content == Client().get(used).content


def test_a_link_opened_while_someone_else_is_signed_in_does_nothing(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    path = _link(mailoutbox, "new.dsl@example.org")
    other = sign_in(Client(), world.users["staff_a"])
    assert other.get(path).status_code == 404
    assert _enrol(other, path).status_code == 404
    assert not User.objects.get(email="new.dsl@example.org").has_usable_password()
    assert world.users["staff_a"].check_password(PASSWORD)
    # The link still works for its owner.
    assert _enrol(Client(), path).status_code == 302


def test_the_form_keeps_the_rules_of_passwords(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    path = _link(mailoutbox, "new.dsl@example.org")
    theirs = Client()
    r = theirs.post(path, {"new_password1": "password", "new_password2": "password"})
    assert r.status_code == 400
    assert "too common" in r.text or "too short" in r.text
    r = theirs.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert r.status_code == 400 and "not the same" in r.text
    assert _enrol(theirs, path).status_code == 302  # refusals did not use the link up


def test_a_new_link_stops_the_old_one(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    new = User.objects.get(email="new.dsl@example.org")
    old = _link(mailoutbox, new.email)
    person = client.get(reverse("manage:person", args=[new.pk]))
    assert "Not set up yet" in person.text and "Email a new set-up link" in person.text
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("manage:enrolment_resend", args=[new.pk]), follow=True)
    assert "new set-up link" in r.text
    fresh = _link(mailoutbox, new.email)
    assert fresh != old
    assert Client().get(old).status_code == 404
    assert _enrol(Client(), fresh).status_code == 302
    # Once set up, no further link can be sent.
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("manage:enrolment_resend", args=[new.pk]), follow=True)
    assert "already set up their account" in r.text
    assert Enrolment.objects.filter(user=new).count() == 2


def test_another_schools_admin_cannot_send_a_link(client, world):
    sign_in(client, world.users["admin_b"])
    assert client.post(reverse("manage:enrolment_resend", args=[world.users["staff_a"].pk])).status_code == 404
    assert not Enrolment.objects.exists()


def test_a_temporary_password_stops_when_a_content_role_is_given(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    """A temporary password an administrator was shown before Haven stopped showing any: giving
    that person a content role must not let the administrator use it."""
    staff = world.users["staff_a"]
    temporary = "aB3kx-Pq7mZ-Rt2wy-Hn4vc"
    staff.set_password(temporary)
    staff.password_must_change = True
    staff.save(update_fields=["password", "password_must_change"])
    sign_in(client, world.users["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("manage:role_grant", args=[staff.pk]), {"grant": f"school-{world.school_a.pk}:dsl"})
    assert r.status_code == 302
    staff.refresh_from_db()
    assert not staff.check_password(temporary) and not staff.has_usable_password()
    r = Client().post(reverse("accounts:sign_in"), {"email": staff.email, "password": temporary})
    assert r.status_code == 400
    assert _enrol(Client(), _link(mailoutbox, staff.email)).status_code == 302


def test_a_person_with_their_own_password_keeps_it_when_given_a_content_role(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    staff = world.users["staff_a"]
    sign_in(client, world.users["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("manage:role_grant", args=[staff.pk]), {"grant": f"school-{world.school_a.pk}:deputy_dsl"})
    assert Membership.objects.filter(user=staff, role=Role.DEPUTY_DSL, ended_at__isnull=True).exists()
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)
    assert not Enrolment.objects.filter(user=staff).exists()
    assert staff.email not in [m.to[0] for m in mailoutbox]


def test_a_content_role_holders_password_reset_is_a_link(client, world, mailoutbox, django_capture_on_commit_callbacks):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    sign_in(client, world.users["admin_a"])
    confirm = client.get(reverse("manage:password_reset", args=[dsl.pk]))
    assert "emails them a link" in confirm.text
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("manage:password_reset", args=[dsl.pk]))
    assert r["Location"] == reverse("manage:person", args=[dsl.pk])
    page = client.get(r["Location"])
    assert "emailed a link to choose a new password" in page.text
    assert "temporary password" not in page.text.lower()
    dsl.refresh_from_db()
    assert not dsl.has_usable_password()
    path = _link(mailoutbox, dsl.email)
    theirs = Client()
    assert "Choose a new password" in theirs.get(path).text
    r = _enrol(theirs, path)
    # Their second factor stays: signed in by the link, they still pass it.
    assert r["Location"] == reverse("home:home")
    assert theirs.get(reverse("cases:dashboard"))["Location"].startswith("/account/two-factor/")
    dsl.refresh_from_db()
    assert dsl.check_password(NEW_PASSWORD)


@pytest.mark.parametrize("role", [Role.STAFF, Role.ADMIN])
def test_every_new_account_enrols_by_link(client, world, mailoutbox, django_capture_on_commit_callbacks, role):
    sign_in(client, world.users["trust_admin_a"])
    form = {"email": "new.person@example.org", "full_name": "New Person", "job_title": "", "role": role}
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("manage:person_add_school", args=[world.school_a.pk]), form, follow=True)
    assert "temporary password" not in r.text.lower()
    path = _link(mailoutbox, "new.person@example.org")
    r = _enrol(Client(), path)
    # Every role, staff included, sets up a second factor next (ASVS V6.3.3).
    assert r["Location"] == reverse("accounts:two_factor_setup")
