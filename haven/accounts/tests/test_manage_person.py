"""/manage/people/<id>/: one person's roles in the administrator's organisations, and giving
them another role."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.models import Membership
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f


def _url(user) -> str:
    return reverse("manage:person", args=[user.pk])


def _grant_url(user) -> str:
    return reverse("manage:role_grant", args=[user.pk])


def test_the_url_is_stable(world):
    assert _url(world.users["staff_a"]) == f"/manage/people/{world.users['staff_a'].pk}/"


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_an_admin_of_the_school_sees_the_persons_roles(client, world, key):
    sign_in(client, world.users[key])
    r = client.get(_url(world.users["dsl_a"]))
    assert r.status_code == 200
    assert "dsl_a@example.org" in r.text
    assert "Designated safeguarding lead" in r.text
    assert "Alder Academy" in r.text


@pytest.mark.parametrize(
    "key", ["admin_b", "admin_m", "trust_admin_b", "dsl_a", "head_a", "staff_a", "governor_a", "la_officer_a"]
)
def test_anyone_else_gets_404_and_it_is_recorded(client, world, key):
    target = world.users["staff_a"]
    sign_in(client, world.users[key])
    assert client.get(_url(target)).status_code == 404
    assert client.post(_grant_url(target), {"grant": f"school-{world.school_a.pk}:dsl"}).status_code == 404
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, actor=world.users[key], object_type__in=["accounts.user", "accounts.manage"]
    ).exists()
    assert not Membership.objects.filter(user=target, role=Role.DSL).exists()


def test_a_school_admin_cannot_open_a_trust_person(client, world):
    sign_in(client, world.users["admin_a"])
    assert client.get(_url(world.users["trust_lead_a"])).status_code == 404
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED, object_type="accounts.user")
    assert event.object_id == str(world.users["trust_lead_a"].pk)


def test_a_person_elsewhere_and_a_missing_person_look_the_same(client, world):
    sign_in(client, world.users["admin_a"])
    elsewhere = client.get(_url(world.users["staff_b"]))
    missing = client.get(reverse("manage:person", args=[999_999]))
    assert elsewhere.status_code == missing.status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, world):
    r = client.get(_url(world.users["staff_a"]))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))


def test_roles_in_other_organisations_are_not_shown(client, world):
    person = world.users["staff_a"]
    f.MembershipFactory(user=person, role=Role.GOVERNOR, school=world.school_b)
    sign_in(client, world.users["admin_a"])
    r = client.get(_url(person))
    assert "Birch Academy" not in r.text
    assert "Governor" not in r.text.split("Give another role")[0]


def test_past_roles_are_shown_and_keep_the_person_reachable(client, world):
    person = world.users["staff_a"]
    person.memberships.update(ended_at=timezone.now())
    sign_in(client, world.users["admin_a"])
    r = client.get(_url(person))
    assert r.status_code == 200
    assert "Past roles" in r.text


def test_it_grants_a_role_and_audits_it(client, world):
    person, admin = world.users["staff_a"], world.users["admin_a"]
    sign_in(client, admin)
    r = client.post(_grant_url(person), {"grant": f"school-{world.school_a.pk}:{Role.DEPUTY_DSL}"})
    assert r.status_code == 302
    membership = Membership.objects.get(user=person, role=Role.DEPUTY_DSL, school=world.school_a, ended_at=None)
    event = AuditEvent.objects.get(action=Action.ROLE_GRANTED, object_id=str(membership.pk))
    assert event.actor == admin
    assert event.extra == {"user": person.pk, "role": Role.DEPUTY_DSL}
    assert "is now Deputy DSL at Alder Academy" in client.get(r["Location"]).text


def test_a_trust_admin_can_give_a_trust_role_to_a_school_person(client, world):
    person = world.users["dsl_a"]
    sign_in(client, world.users["trust_admin_a"])
    r = client.post(_grant_url(person), {"grant": f"trust-{world.trust_a.pk}:{Role.TRUST_LEAD}"})
    assert r.status_code == 302
    assert Membership.objects.filter(user=person, role=Role.TRUST_LEAD, trust=world.trust_a).exists()


@pytest.mark.parametrize(
    "grant",
    [
        "school-{school_a}:trust_lead",  # a role the school cannot hold
        "school-{school_b}:staff",  # a school this admin does not manage
        "trust-{trust_a}:trust_lead",  # the trust: a school admin does not manage it
        "school-{school_a}:staff",  # a role the person already holds
        "nonsense",
    ],
)
def test_a_grant_outside_the_offered_choices_is_refused_with_a_message(client, world, grant):
    person = world.users["staff_a"]
    before = Membership.objects.count()
    sign_in(client, world.users["admin_a"])
    value = grant.format(school_a=world.school_a.pk, school_b=world.school_b.pk, trust_a=world.trust_a.pk)
    r = client.post(_grant_url(person), {"grant": value})
    assert r.status_code == 400
    assert "Choose a role from the list" in r.text
    assert re.search(r'id="id_grant[-_]error"', r.text)
    assert Membership.objects.count() == before


def test_an_admin_cannot_give_themselves_a_role(client, world):
    admin = world.users["admin_a"]
    sign_in(client, admin)
    r = client.post(_grant_url(admin), {"grant": f"school-{world.school_a.pk}:{Role.DSL}"})
    assert r.status_code == 400
    assert "You cannot give yourself a role" in r.text
    assert not Membership.objects.filter(user=admin, role=Role.DSL).exists()


def test_names_are_shown_as_text_not_markup(client, world):
    person = f.UserFactory(full_name="<img src=x onerror=alert(1)>", job_title="<script>x</script>")
    f.MembershipFactory(user=person, role=Role.STAFF, school=world.school_a)
    sign_in(client, world.users["admin_a"])
    r = client.get(_url(person))
    assert "<img src=x" not in r.text
    assert "<script>x</script>" not in r.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in r.text


def test_no_pupil_appears(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.get(_url(world.users["dsl_a"]))
    assert world.pupils["a"].legal_forename not in r.text
