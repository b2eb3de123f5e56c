"""An administrator ends every session of a person in their organisations (ASVS V7.4.5): asked
first, after the second factor again, audited; nobody else's, and never for another school."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.accounts import stepup
from haven.accounts.models import UserSession
from haven.audit.events import Event
from haven.audit.models import AuditEvent


def _url(user) -> str:
    return reverse("manage:sessions_end", args=[user.pk])


def _signed_in_twice(user) -> list[Client]:
    return [sign_in(Client(), user) for _ in range(2)]


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_it_asks_first_and_says_where_they_are_signed_in(client, world, key):
    staff = world.users["staff_a"]
    _signed_in_twice(staff)
    sign_in(client, world.users[key])
    r = client.get(_url(staff))
    assert r.status_code == 200
    assert "End Staff A&#x27;s sessions?" in r.text and "signed in on 2 devices now" in r.text
    assert UserSession.objects.filter(user=staff).count() == 2


def test_it_ends_every_session_and_audits_it(client, world):
    staff, admin = world.users["staff_a"], world.users["admin_a"]
    theirs = _signed_in_twice(staff)
    sign_in(client, admin)
    r = client.post(_url(staff))
    assert r.status_code == 302 and r["Location"] == reverse("manage:person", args=[staff.pk])
    assert all(b.get(reverse("accounts:account")).status_code == 302 for b in theirs)
    assert not UserSession.objects.filter(user=staff).exists()
    event = AuditEvent.objects.get(event=Event.SESSIONS_ENDED)
    assert (event.actor, event.object_id, event.school_id) == (admin, str(staff.pk), world.school_a.pk)
    assert event.extra == {"sessions_ended": 2}
    assert "has been signed out on every device (2 sessions ended)" in client.get(r["Location"]).text
    assert client.get(reverse("manage:people")).status_code == 200  # the administrator's own goes on


def test_it_leaves_the_password_and_other_people_alone(client, world):
    staff = world.users["staff_a"]
    password = staff.password
    other = sign_in(Client(), world.users["dsl_a"])
    sign_in(client, world.users["admin_a"])
    client.post(_url(staff))
    staff.refresh_from_db()
    assert staff.password == password
    assert other.get(reverse("accounts:account")).status_code == 200


@pytest.mark.parametrize("key", ["admin_b", "trust_admin_b", "admin_m", "dsl_a", "staff_b"])
def test_anyone_else_gets_404_and_nothing_ends(client, world, key):
    staff = world.users["staff_a"]
    theirs = _signed_in_twice(staff)
    sign_in(client, world.users[key])
    assert client.get(_url(staff)).status_code == 404
    assert client.post(_url(staff)).status_code == 404
    assert all(b.get(reverse("accounts:account")).status_code == 200 for b in theirs)


def test_a_visitor_is_sent_to_sign_in(client, world):
    r = client.post(_url(world.users["staff_a"]))
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:sign_in"))


def test_an_administrator_cannot_end_their_own_here(client, world):
    admin = world.users["admin_a"]
    sign_in(client, admin)
    page = client.get(_url(admin))
    assert "use “Where you are signed in” on your account page" in page.text
    r = client.post(_url(admin))
    assert r.status_code == 302
    assert client.get(reverse("manage:people")).status_code == 200  # still signed in
    assert not AuditEvent.objects.filter(event=Event.SESSIONS_ENDED).exists()


def test_a_stale_factor_is_asked_for_and_nothing_ends(client, world):
    staff = world.users["staff_a"]
    theirs = _signed_in_twice(staff)
    sign_in(client, world.users["admin_a"])
    session = client.session
    session[stepup.VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=16)).isoformat()
    session.save()
    r = client.post(_url(staff))
    assert r["Location"].startswith(reverse("accounts:step_up"))
    assert all(b.get(reverse("accounts:account")).status_code == 200 for b in theirs)


def test_the_person_page_says_where_they_are_signed_in_and_offers_it(client, world):
    staff = world.users["staff_a"]
    _signed_in_twice(staff)
    sign_in(client, world.users["admin_a"])
    page = client.get(reverse("manage:person", args=[staff.pk])).text
    assert "<dt>Signed in now</dt><dd>On 2 devices</dd>" in page
    assert f'href="{_url(staff)}"' in page
