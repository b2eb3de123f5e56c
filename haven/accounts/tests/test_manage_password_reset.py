"""Resetting a password: nobody is shown a password (ASVS V6.4.1, V6.4.6), whatever the
person's roles: the old one stops, every session of the person ends, and they are emailed a
single-use link to choose their own; the administrator is asked for their own second factor
again first when it is stale (step-up); the change is audited; refused where the account is
shared with organisations the administrator does not manage."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.stepup import VERIFIED_AT
from haven.accounts.tests.test_enrolment import _link
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f


def _url(user) -> str:
    return reverse("manage:password_reset", args=[user.pk])


def _age(client, minutes: int) -> None:
    """As if the second factor had been given ``minutes`` ago."""
    session = client.session
    session[VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=minutes)).isoformat()
    session.save()


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


@pytest.mark.parametrize(
    ("key", "admin_key"), [("staff_a", "admin_a"), ("admin_a", "trust_admin_a"), ("dsl_a", "admin_a")]
)
def test_it_shows_no_password_and_emails_a_link_for_every_role(
    client, world, key, admin_key, mailoutbox, django_capture_on_commit_callbacks
):
    """A staff-only account too (it once showed the administrator a temporary password)."""
    person, admin = world.users[key], world.users[admin_key]
    sign_in(client, admin)
    confirm = client.get(_url(person))
    assert "emails them a link" in confirm.text and "temporary password" not in confirm.text.lower()
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(_url(person))
    assert r.status_code == 302 and r["Location"] == reverse("manage:person", args=[person.pk])
    page = client.get(r["Location"])
    assert "emailed a link to choose a new password" in page.text
    assert "temporary password" not in page.text.lower()
    person.refresh_from_db()
    assert not person.has_usable_password() and not person.password_must_change
    link = _link(mailoutbox, person.email)
    assert link not in page.text
    event = AuditEvent.objects.get(action=Action.UPDATE, object_type="accounts.user", object_id=str(person.pk))
    assert event.actor == admin and event.extra["password"] == "reset by administrator: link emailed"
    # The person chooses their own; the old one is gone.
    theirs = Client()
    r = theirs.post(link, {"new_password1": "kettle orchard lantern 47", "new_password2": "kettle orchard lantern 47"})
    assert r.status_code == 302
    person.refresh_from_db()
    assert person.check_password("kettle orchard lantern 47") and not person.check_password(f.PASSWORD)


def test_the_temporary_password_page_is_gone(client, world):
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        reverse("manage:temporary_password", args=[world.users["staff_a"].pk])
    sign_in(client, world.users["admin_a"])
    assert client.get(f"/manage/people/{world.users['staff_a'].pk}/password/new/").status_code == 404


def test_a_stale_second_factor_is_asked_for_before_a_reset(client, world):
    person = world.users["staff_a"]
    before = person.password
    sign_in(client, world.users["admin_a"])
    _age(client, 16)
    for r in (client.get(_url(person)), client.post(_url(person))):
        assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:step_up") + "?next=")
    person.refresh_from_db()
    assert person.password == before


def test_it_signs_the_person_out_everywhere(client, world):
    person = world.users["staff_a"]
    theirs = sign_in(Client(), person)
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
