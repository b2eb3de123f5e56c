"""Resetting a password: a new temporary password shown once, every session of the person
ended, the change audited; refused where the account is shared with organisations the
administrator does not manage."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.access.roles import Role
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f


def _url(user) -> str:
    return reverse("manage:password_reset", args=[user.pk])


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_it_asks_first(client, world, key):
    person = world.users["staff_a"]
    before = person.password
    sign_in(client, world.users[key])
    r = client.get(_url(person))
    assert r.status_code == 200
    assert "Reset Staff A&#x27;s password?" in r.text
    person.refresh_from_db()
    assert person.password == before


def test_it_changes_the_password_shows_it_once_and_audits_it(client, world):
    person, admin = world.users["staff_a"], world.users["admin_a"]
    before = person.password
    sign_in(client, admin)
    r = client.post(_url(person))
    assert r.status_code == 302
    assert r["Location"] == reverse("manage:temporary_password", args=[person.pk])
    shown = client.get(r["Location"])
    password = shown.context["password"]
    assert password in shown.text
    assert "no-store" in shown["Cache-Control"]
    person.refresh_from_db()
    assert person.password != before
    assert person.check_password(password)
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="accounts.user", object_id=str(person.pk))
    assert event.actor == admin
    assert event.school_id == world.school_a.pk
    assert password not in event.canonical()
    assert password not in client.get(r["Location"]).text


def test_it_signs_the_person_out_everywhere(client, world):
    person = world.users["staff_a"]
    theirs = sign_in(Client(), person, verified=False)
    assert theirs.get(reverse("accounts:account")).status_code == 200
    sign_in(client, world.users["admin_a"])
    client.post(_url(person))
    r = theirs.get(reverse("accounts:account"))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize(
    "key", ["admin_b", "trust_admin_b", "dsl_a", "head_a", "staff_b", "governor_a", "la_officer_a"]
)
def test_anyone_else_gets_404(client, world, key):
    person = world.users["staff_a"]
    before = person.password
    sign_in(client, world.users[key])
    assert client.get(_url(person)).status_code == 404
    assert client.post(_url(person)).status_code == 404
    assert client.get(reverse("manage:temporary_password", args=[person.pk])).status_code == 404
    person.refresh_from_db()
    assert person.password == before


def test_an_account_shared_with_another_organisation_is_refused(client, world):
    """Otherwise adding a role to someone's email and resetting their password would take
    over their account at the other school."""
    person = world.users["dsl_b"]
    before = person.password
    sign_in(client, world.users["admin_a"])
    client.post(
        reverse("manage:person_add_school", args=[world.school_a.pk]),
        {
            "email": person.email,
            "full_name": "x",
            "job_title": "",
            "role": Role.GOVERNOR,
        },
    )
    r = client.get(_url(person))
    assert "also has roles in organisations you do not manage" in r.text
    r = client.post(_url(person), follow=True)
    assert "also has roles in organisations you do not manage" in r.text
    person.refresh_from_db()
    assert person.password == before


def test_a_trust_admin_may_reset_someone_whose_roles_are_all_in_the_trust(client, world):
    person = world.users["dsl_a"]
    f.MembershipFactory(user=person, role=Role.GOVERNOR, trust=world.trust_a)
    sign_in(client, world.users["trust_admin_a"])
    assert client.post(_url(person)).status_code == 302


def test_a_school_admin_may_not_reset_a_trust_admin(client, world):
    trust_admin = world.users["trust_admin_a"]
    f.MembershipFactory(user=trust_admin, role=Role.STAFF, school=world.school_a)
    before = trust_admin.password
    sign_in(client, world.users["admin_a"])
    r = client.post(_url(trust_admin), follow=True)
    assert "also has roles in organisations you do not manage" in r.text
    trust_admin.refresh_from_db()
    assert trust_admin.password == before


def test_an_admin_cannot_reset_their_own_password_here(client, world):
    admin = world.users["admin_a"]
    before = admin.password
    sign_in(client, admin)
    r = client.post(_url(admin), follow=True)
    assert "You cannot do this to your own account" in r.text
    admin.refresh_from_db()
    assert admin.password == before


def test_a_system_operators_account_is_refused(client, world):
    operator = f.UserFactory(is_superuser=True)
    f.MembershipFactory(user=operator, role=Role.STAFF, school=world.school_a)
    sign_in(client, world.users["admin_a"])
    r = client.post(_url(operator), follow=True)
    assert "system operator" in r.text
