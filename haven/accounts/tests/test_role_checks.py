"""Told and able to revoke (DESIGN §3 rule 19): every content role given is told to the
organisation's own leads (a school's DSLs; its head if the person is the only DSL; a trust's
or an authority's other leads), by email and on their checks page, where they may revoke it
for 14 days. Nobody checks their own role or a role they gave."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.models import Enrolment, Membership, RoleGrantNotice, User
from haven.accounts.tests.test_enrolment import _add_dsl, _enrol, _link
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing import factories as f

CHECKS = "/account/checks/"


def _revoke_url(notice: RoleGrantNotice) -> str:
    return reverse("accounts:grant_revoke", args=[notice.pk])


def test_the_url_is_stable():
    assert reverse("accounts:checks") == CHECKS


def test_the_schools_dsl_is_told_and_revokes(client, world, mailoutbox, django_capture_on_commit_callbacks):
    admin, dsl = world.users["admin_a"], world.users["dsl_a"]
    sign_in(client, admin)
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    new = User.objects.get(email="new.dsl@example.org")
    told = [m for m in mailoutbox if m.to == [dsl.email]]
    assert len(told) == 1
    assert "New Lead" in told[0].body and admin.full_name in told[0].body and CHECKS in told[0].body
    assert {m.to[0] for m in mailoutbox} == {new.email, dsl.email}  # not the head: a DSL was there
    link = _link(mailoutbox, new.email)

    lead = sign_in(Client(), dsl)
    home = lead.get(reverse("home:home"))
    assert "1 safeguarding role given recently" in home.text and CHECKS in home.text
    page = lead.get(CHECKS)
    assert page.status_code == 200
    assert "New Lead" in page.text and "Designated safeguarding lead at Alder Academy" in page.text
    notice = RoleGrantNotice.objects.get(membership__user=new)
    with django_capture_on_commit_callbacks(execute=True):
        r = lead.post(_revoke_url(notice), follow=True)
    assert "is no longer" in r.text
    membership = Membership.objects.get(user=new)
    assert membership.ended_at is not None
    # The set-up link stops working with the role.
    assert Client().get(link).status_code == 404
    assert Enrolment.objects.get(user=new).cancelled_at is not None
    revoked = AuditEvent.objects.get(event=Event.ROLE_REVOKED_BY_LEAD)
    assert revoked.actor == dsl and revoked.school_id == world.school_a.pk
    assert AuditEvent.objects.filter(event=Event.ROLE_ENDED, actor=dsl).exists()
    # Revoked once; the page no longer offers it and a second revoke is refused.
    assert "New Lead" not in lead.get(CHECKS).text
    assert lead.post(_revoke_url(notice)).status_code == 404


@pytest.mark.parametrize("key", ["staff_a", "deputy_a", "governor_a", "admin_a", "dsl_b", "admin_b", "trust_lead_b"])
def test_nobody_else_can_revoke(client, world, key, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    notice = RoleGrantNotice.objects.get()
    other = sign_in(Client(), world.users[key])
    assert other.post(_revoke_url(notice)).status_code == 404
    if key != "admin_a":  # the administrator opens the page, for second-factor approvals
        assert "New Lead" not in other.get(CHECKS).text
    assert Membership.objects.get(pk=notice.membership_id).ended_at is None
    assert AuditEvent.objects.filter(event=Event.ACCESS_REFUSED, actor=world.users[key]).exists()


def test_when_the_new_dsl_is_the_only_one_the_head_is_told(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    Membership.objects.filter(user=world.users["dsl_a"]).update(ended_at=timezone.now())
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    assert {m.to[0] for m in mailoutbox} == {"new.dsl@example.org", "head_a@example.org"}
    head = sign_in(Client(), world.users["head_a"])
    assert "New Lead" in head.get(CHECKS).text
    assert head.post(_revoke_url(RoleGrantNotice.objects.get())).status_code == 302
    assert Membership.objects.get(user__email="new.dsl@example.org").ended_at is not None


def test_a_dsl_who_also_administers_the_school_does_not_check_their_own_grant(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    """A lone DSL who is also the school's administrator gives a role: the check goes to
    the next person along (the head), not back to them."""
    dsl = world.users["dsl_a"]
    f.MembershipFactory(user=dsl, role=Role.ADMIN, school=world.school_a)
    sign_in(client, dsl)
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    assert {m.to[0] for m in mailoutbox} == {"new.dsl@example.org", "head_a@example.org"}
    assert "New Lead" not in client.get(CHECKS).text
    assert client.post(_revoke_url(RoleGrantNotice.objects.get())).status_code == 404


def test_a_trust_role_is_told_to_the_trusts_other_leads(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["trust_admin_a"])
    form = {"email": "lead2@example.org", "full_name": "Second Lead", "job_title": "", "role": Role.TRUST_LEAD}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("manage:person_add_trust", args=[world.trust_a.pk]), form)
    assert {m.to[0] for m in mailoutbox} == {"lead2@example.org", "trust_lead_a@example.org"}
    lead = sign_in(Client(), world.users["trust_lead_a"])
    assert "Second Lead" in lead.get(CHECKS).text
    assert (
        sign_in(Client(), world.users["trust_lead_b"]).post(_revoke_url(RoleGrantNotice.objects.get())).status_code
        == 404
    )
    assert lead.post(_revoke_url(RoleGrantNotice.objects.get())).status_code == 302


def test_a_staff_role_is_not_a_check(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    form = {"email": "t@example.org", "full_name": "Teacher", "job_title": "", "role": Role.STAFF}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("manage:person_add_school", args=[world.school_a.pk]), form)
    assert not RoleGrantNotice.objects.exists()
    assert [m.to[0] for m in mailoutbox] == ["t@example.org"]


def test_after_14_days_the_grant_leaves_the_page(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    notice = RoleGrantNotice.objects.get()
    lead = sign_in(Client(), world.users["dsl_a"])
    assert "New Lead" in lead.get(CHECKS).text
    # Moved back, not the clock forward: a signed-in session would time out over 14 days.
    RoleGrantNotice.objects.filter(pk=notice.pk).update(granted_at=timezone.now() - dt.timedelta(days=14, minutes=1))
    assert "New Lead" not in lead.get(CHECKS).text
    assert lead.post(_revoke_url(notice)).status_code == 404
    assert Membership.objects.get(pk=notice.membership_id).ended_at is None


def test_a_revoked_person_who_already_enrolled_loses_the_role(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    theirs = Client()
    _enrol(theirs, _link(mailoutbox, "new.dsl@example.org"))
    sign_in(Client(), world.users["dsl_a"]).post(_revoke_url(RoleGrantNotice.objects.get()))
    sign_in(theirs, User.objects.get(email="new.dsl@example.org"))
    assert theirs.get(reverse("cases:dashboard")).status_code == 404
