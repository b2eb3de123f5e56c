"""Ending a role: a confirmation step, then the role's end date and an audit event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.models import Membership
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f


def _url(membership: Membership) -> str:
    return reverse("manage:role_end", args=[membership.user_id, membership.pk])


def _membership(world, key: str) -> Membership:
    return world.users[key].memberships.get()


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_it_asks_first(client, world, key):
    membership = _membership(world, "dsl_a")
    sign_in(client, world.users[key])
    r = client.get(_url(membership))
    assert r.status_code == 200
    assert "End Dsl A&#x27;s role as Designated safeguarding lead at Alder Academy?" in r.text
    assert '<form method="post">' in r.text
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_it_ends_the_role_and_audits_it(client, world):
    membership, admin = _membership(world, "dsl_a"), world.users["admin_a"]
    sign_in(client, admin)
    r = client.post(_url(membership))
    assert r.status_code == 302
    assert r["Location"] == reverse("manage:person", args=[membership.user_id])
    membership.refresh_from_db()
    assert membership.ended_at is not None
    event = AuditEvent.objects.get(action=Action.ROLE_ENDED, object_id=str(membership.pk))
    assert event.actor == admin
    assert (event.event, event.channel) == (Event.ROLE_ENDED, Channel.PAGE)
    assert event.extra["changes"] == {"ended_at": [None, membership.ended_at.isoformat()]}
    assert event.school_id == world.school_a.pk
    assert "is no longer Designated safeguarding lead" in client.get(r["Location"]).text


def test_the_person_loses_the_role_at_their_next_page(client, world):
    from django.test import Client

    dsl = world.users["dsl_a"]
    theirs = sign_in(Client(), dsl)
    assert theirs.get(reverse("people:pupil_list")).status_code == 200
    sign_in(client, world.users["admin_a"])
    client.post(_url(_membership(world, "dsl_a")))
    assert theirs.get(reverse("people:pupil_list")).status_code == 404


@pytest.mark.parametrize(
    "key", ["admin_b", "trust_admin_b", "dsl_a", "head_a", "staff_a", "governor_a", "la_officer_a"]
)
def test_anyone_else_gets_404(client, world, key):
    membership = _membership(world, "staff_a")
    sign_in(client, world.users[key])
    assert client.get(_url(membership)).status_code == 404
    assert client.post(_url(membership)).status_code == 404
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_a_role_elsewhere_cannot_be_ended_through_a_person_here(client, world):
    person = world.users["staff_a"]
    elsewhere = f.MembershipFactory(user=person, role=Role.GOVERNOR, school=world.school_b)
    sign_in(client, world.users["admin_a"])
    assert client.post(reverse("manage:role_end", args=[person.pk, elsewhere.pk])).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.ended_at is None


def test_a_role_of_another_person_cannot_be_ended_through_this_one(client, world):
    sign_in(client, world.users["admin_a"])
    dsl_role = _membership(world, "dsl_a")
    url = reverse("manage:role_end", args=[world.users["staff_a"].pk, dsl_role.pk])
    assert client.post(url).status_code == 404


def test_an_ended_role_cannot_be_ended_again(client, world):
    membership = _membership(world, "staff_a")
    sign_in(client, world.users["admin_a"])
    client.post(_url(membership))
    assert client.post(_url(membership)).status_code == 404
    assert AuditEvent.objects.filter(action=Action.ROLE_ENDED).count() == 1


def test_an_admin_cannot_end_their_own_last_admin_role(client, world):
    membership = _membership(world, "admin_a")
    sign_in(client, world.users["admin_a"])
    r = client.get(_url(membership))
    assert "You cannot end your own last administrator role" in r.text
    assert '<form method="post">' not in r.text
    r = client.post(_url(membership), follow=True)
    assert "You cannot end your own last administrator role" in r.text
    membership.refresh_from_db()
    assert membership.ended_at is None


def test_an_admin_with_another_admin_role_can_end_one(client, world):
    admin = world.users["trust_admin_a"]
    at_school = f.MembershipFactory(user=admin, role=Role.ADMIN, school=world.school_a)
    sign_in(client, admin)
    assert client.post(_url(at_school)).status_code == 302
    at_school.refresh_from_db()
    assert at_school.ended_at is not None


def test_an_admin_can_end_another_admins_role(client, world):
    other = f.MembershipFactory(role=Role.ADMIN, school=world.school_a)
    sign_in(client, world.users["admin_a"])
    client.post(_url(other))
    other.refresh_from_db()
    assert other.ended_at is not None


def test_it_refuses_get_to_change_anything(client, world):
    membership = _membership(world, "staff_a")
    sign_in(client, world.users["admin_a"])
    client.get(_url(membership))
    assert not AuditEvent.objects.filter(action=Action.ROLE_ENDED).exists()
