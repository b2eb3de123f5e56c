"""An authority's administrator manages the authority's own people (advice officers and
administrators), not the schools in its area."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.models import Membership, User
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f


@pytest.fixture
def la_admin(world) -> User:
    admin = f.UserFactory(email="la_admin_a@example.org", full_name="LA Admin A")
    f.MembershipFactory(user=admin, role=Role.ADMIN, authority=world.authority)
    return admin


def _add_url(authority) -> str:
    return reverse("manage:person_add_authority", args=[authority.pk])


def test_the_url_is_stable(world):
    assert _add_url(world.authority) == f"/manage/authorities/{world.authority.pk}/people/new/"


def test_an_authority_admin_sees_the_authoritys_people_only(client, world, la_admin):
    sign_in(client, la_admin)
    r = client.get(reverse("manage:people"))
    assert r.status_code == 200
    assert "la_officer_a@example.org" in r.text
    for key in ("la_officer_m", "staff_a", "dsl_b", "trust_lead_a"):
        assert world.users[key].email not in r.text


def test_an_authority_admin_does_not_manage_the_schools_in_its_area(client, world, la_admin):
    sign_in(client, la_admin)
    assert client.get(reverse("manage:person_add_school", args=[world.school_a.pk])).status_code == 404
    assert client.get(reverse("manage:person", args=[world.users["staff_a"].pk])).status_code == 404
    assert client.get(reverse("people:pupil_list")).status_code == 404


def test_an_authority_admin_adds_an_advice_officer(client, world, la_admin):
    sign_in(client, la_admin)
    r = client.get(_add_url(world.authority))
    assert r.status_code == 200
    assert 'value="la_officer"' in r.text
    assert 'value="dsl"' not in r.text
    r = client.post(
        _add_url(world.authority),
        {"email": "advice@midshire.example", "full_name": "Ada Advice", "job_title": "", "role": Role.LA_OFFICER},
    )
    assert r.status_code == 302
    membership = Membership.objects.get(user__email="advice@midshire.example")
    assert (membership.role, membership.authority) == (Role.LA_OFFICER, world.authority)
    event = AuditEvent.objects.get(action=Action.ROLE_GRANTED, object_id=str(membership.pk))
    assert event.authority_id == world.authority.pk


def test_a_school_role_at_an_authority_is_refused(client, world, la_admin):
    sign_in(client, la_admin)
    r = client.post(
        _add_url(world.authority),
        {"email": "advice@midshire.example", "full_name": "Ada Advice", "job_title": "", "role": Role.DSL},
    )
    assert r.status_code == 400
    assert "That role cannot be held at a local authority" in r.text


def test_an_authority_admin_ends_an_advice_officers_role(client, world, la_admin):
    membership = world.users["la_officer_a"].memberships.get()
    sign_in(client, la_admin)
    assert client.post(reverse("manage:role_end", args=[membership.user_id, membership.pk])).status_code == 302
    membership.refresh_from_db()
    assert membership.ended_at is not None


@pytest.mark.parametrize("key", ["la_officer_a", "admin_a", "trust_admin_a"])
def test_others_cannot_add_people_to_the_authority(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(_add_url(world.authority)).status_code == 404


def test_another_authoritys_admin_gets_404(client, world):
    other = f.UserFactory()
    f.MembershipFactory(user=other, role=Role.ADMIN, authority=world.other_authority)
    sign_in(client, other)
    assert client.get(_add_url(world.authority)).status_code == 404
    assert client.get(reverse("manage:person", args=[world.users["la_officer_a"].pk])).status_code == 404
