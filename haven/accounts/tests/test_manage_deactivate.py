"""Deactivating and reactivating an account: audited, never one's own, never an account
shared with organisations the administrator does not manage."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.access.roles import Role
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f


def _deactivate(user) -> str:
    return reverse("manage:deactivate", args=[user.pk])


def _reactivate(user) -> str:
    return reverse("manage:reactivate", args=[user.pk])


def test_it_asks_first(client, world):
    person = world.users["staff_a"]
    sign_in(client, world.users["admin_a"])
    r = client.get(_deactivate(person))
    assert r.status_code == 200
    assert "Deactivate Staff A&#x27;s account?" in r.text
    person.refresh_from_db()
    assert person.is_active


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_it_deactivates_signs_out_and_audits(client, world, key):
    person, admin = world.users["staff_a"], world.users[key]
    theirs = sign_in(Client(), person, verified=False)
    sign_in(client, admin)
    assert client.post(_deactivate(person)).status_code == 302
    person.refresh_from_db()
    assert not person.is_active
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="accounts.user", object_id=str(person.pk))
    assert event.actor == admin
    assert (event.event, event.channel) == (Event.ACCOUNT_DEACTIVATED, Channel.PAGE)
    assert event.extra == {"is_active": [True, False], "changes": {"is_active": [True, False]}}
    r = theirs.get(reverse("accounts:account"))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))
    # Still listed, marked, and their roles stay.
    assert "Deactivated" in client.get(reverse("manage:person", args=[person.pk])).text
    assert person.memberships.filter(ended_at__isnull=True).exists()


def test_it_reactivates_and_audits(client, world):
    person = world.users["staff_a"]
    person.is_active = False
    person.save()
    sign_in(client, world.users["admin_a"])
    assert client.post(_reactivate(person)).status_code == 302
    person.refresh_from_db()
    assert person.is_active
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="accounts.user", object_id=str(person.pk))
    assert (event.event, event.channel, event.actor) == (
        Event.ACCOUNT_REACTIVATED,
        Channel.PAGE,
        world.users["admin_a"],
    )
    assert event.extra == {"is_active": [False, True], "changes": {"is_active": [False, True]}}


def test_reactivating_needs_post(client, world):
    sign_in(client, world.users["admin_a"])
    assert client.get(_reactivate(world.users["staff_a"])).status_code == 405


def test_an_admin_cannot_deactivate_themselves(client, world):
    admin = world.users["admin_a"]
    sign_in(client, admin)
    r = client.get(_deactivate(admin))
    assert "You cannot do this to your own account" in r.text
    r = client.post(_deactivate(admin), follow=True)
    assert "You cannot do this to your own account" in r.text
    admin.refresh_from_db()
    assert admin.is_active


def test_an_account_shared_with_another_organisation_is_refused(client, world):
    person = world.users["staff_a"]
    f.MembershipFactory(user=person, role=Role.GOVERNOR, school=world.school_b)
    sign_in(client, world.users["admin_a"])
    r = client.post(_deactivate(person), follow=True)
    assert "also has roles in organisations you do not manage" in r.text
    person.refresh_from_db()
    assert person.is_active


@pytest.mark.parametrize(
    "key", ["admin_b", "trust_admin_b", "dsl_a", "head_a", "staff_b", "governor_a", "la_officer_a"]
)
def test_anyone_else_gets_404(client, world, key):
    person = world.users["staff_a"]
    sign_in(client, world.users[key])
    assert client.get(_deactivate(person)).status_code == 404
    assert client.post(_deactivate(person)).status_code == 404
    assert client.post(_reactivate(person)).status_code == 404
    person.refresh_from_db()
    assert person.is_active


def test_a_visitor_is_sent_to_sign_in(client, world):
    r = client.post(_deactivate(world.users["staff_a"]))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))
