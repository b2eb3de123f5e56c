"""Adding a person to a school, trust or authority: a new account with a set-up link emailed
to the person (no password shown), or a role added to the account the email address already has."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.access.roles import Role
from haven.accounts.models import Membership, User
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent


def _school_url(world, school=None) -> str:
    return reverse("manage:person_add_school", args=[(school or world.school_a).pk])


def _form(**overrides) -> dict[str, str]:
    return {
        "email": "New.Teacher@Example.org",
        "full_name": "New Teacher",
        "job_title": "Teacher of English",
        "role": Role.STAFF,
        **overrides,
    }


def test_the_urls_are_stable(world):
    assert _school_url(world) == f"/manage/schools/{world.school_a.pk}/people/new/"
    assert (
        reverse("manage:person_add_trust", args=[world.trust_a.pk]) == f"/manage/trusts/{world.trust_a.pk}/people/new/"
    )


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_the_form_offers_only_roles_a_school_can_hold(client, world, key):
    sign_in(client, world.users[key])
    r = client.get(_school_url(world))
    assert r.status_code == 200
    for role in (Role.STAFF, Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.GOVERNOR, Role.ADMIN):
        assert f'value="{role.value}"' in r.text
    for role in (Role.TRUST_LEAD, Role.LA_OFFICER):
        assert f'value="{role.value}"' not in r.text


@pytest.mark.parametrize(
    "key", ["admin_b", "admin_m", "trust_admin_b", "dsl_a", "head_a", "staff_a", "governor_a", "la_officer_a"]
)
def test_anyone_else_gets_404(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(_school_url(world)).status_code == 404
    assert client.post(_school_url(world), _form()).status_code == 404
    assert not User.objects.filter(email="new.teacher@example.org").exists()


def test_a_school_admin_cannot_add_people_to_the_trust(client, world):
    sign_in(client, world.users["admin_a"])
    assert client.get(reverse("manage:person_add_trust", args=[world.trust_a.pk])).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, world):
    r = client.get(_school_url(world))
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))


def test_it_creates_the_account_and_the_role_and_audits_both(client, world):
    admin = world.users["admin_a"]
    sign_in(client, admin)
    r = client.post(_school_url(world), _form(role=Role.DSL))
    user = User.objects.get(email="new.teacher@example.org")
    assert r.status_code == 302
    assert r["Location"] == reverse("manage:person", args=[user.pk])
    assert user.full_name == "New Teacher"
    assert user.job_title == "Teacher of English"
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.school, membership.ended_at) == (Role.DSL, world.school_a, None)
    granted = AuditEvent.objects.get(action=Action.ROLE_GRANTED, object_id=str(membership.pk))
    assert granted.actor == admin
    assert granted.school_id == world.school_a.pk
    assert (granted.event, granted.channel) == (Event.ROLE_GRANTED, Channel.PAGE)
    created = AuditEvent.objects.get(action=Action.CREATE, object_type="accounts.user", object_id=str(user.pk))
    assert created.actor == admin
    assert (created.event, created.channel) == (Event.ACCOUNT_CREATED, Channel.PAGE)


def test_a_new_staff_account_is_emailed_a_link_and_no_password_is_shown(
    client, world, mailoutbox, django_capture_on_commit_callbacks
):
    sign_in(client, world.users["admin_a"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(_school_url(world), _form(), follow=True)
    user = User.objects.get(email="new.teacher@example.org")
    assert not user.has_usable_password()
    assert "password" not in r.context or not r.context["password"]
    assert "We emailed new.teacher@example.org a link" in r.text
    assert [m.to for m in mailoutbox] == [["new.teacher@example.org"]]
    assert "/account/enrol/" in mailoutbox[0].body


def test_a_trust_admin_adds_a_trust_lead_to_the_trust(client, world):
    sign_in(client, world.users["trust_admin_a"])
    r = client.post(reverse("manage:person_add_trust", args=[world.trust_a.pk]), _form(role=Role.TRUST_LEAD))
    assert r.status_code == 302
    assert Membership.objects.get(user__email="new.teacher@example.org").trust == world.trust_a


def test_a_role_that_does_not_fit_a_school_is_refused_with_a_message(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(_school_url(world), _form(role=Role.TRUST_LEAD))
    assert r.status_code == 400
    assert "That role cannot be held at a school" in r.text
    assert not User.objects.filter(email="new.teacher@example.org").exists()


def test_a_role_that_does_not_fit_a_trust_is_refused_with_a_message(client, world):
    sign_in(client, world.users["trust_admin_a"])
    r = client.post(reverse("manage:person_add_trust", args=[world.trust_a.pk]), _form(role=Role.DSL))
    assert r.status_code == 400
    assert "That role cannot be held at a trust" in r.text
    assert not Membership.objects.filter(user__email="new.teacher@example.org").exists()


def test_an_existing_email_gets_the_role_added_to_its_account(client, world):
    existing = world.users["staff_b"]
    before = existing.password
    sign_in(client, world.users["admin_a"])
    r = client.post(
        _school_url(world), _form(email="STAFF_B@example.org", full_name="Someone Else", role=Role.GOVERNOR)
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("manage:person", args=[existing.pk])
    existing.refresh_from_db()
    assert existing.full_name == "Staff B"
    assert existing.password == before
    assert Membership.objects.filter(user=existing, role=Role.GOVERNOR, school=world.school_a).exists()
    assert User.objects.filter(email__iexact="staff_b@example.org").count() == 1
    page = client.get(r["Location"])
    assert "already had a Haven account" in page.text
    # The role they hold elsewhere is not this administrator's business.
    assert "Birch Academy" not in page.text


def test_a_role_the_person_already_holds_is_refused(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(_school_url(world), _form(email="staff_a@example.org", role=Role.STAFF))
    assert r.status_code == 400
    assert "already Member of staff at Alder Academy" in r.text
    assert Membership.objects.filter(user=world.users["staff_a"], role=Role.STAFF).count() == 1


def test_an_admin_cannot_give_themselves_a_role(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(_school_url(world), _form(email="admin_a@example.org", role=Role.DSL))
    assert r.status_code == 400
    assert "You cannot give yourself a role" in r.text
    assert not Membership.objects.filter(user=world.users["admin_a"], role=Role.DSL).exists()


def test_the_form_keeps_what_was_typed_on_error(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(
        _school_url(world), _form(email="not-an-email", full_name="Ann <Typed>", job_title="Head of Year 9")
    )
    assert r.status_code == 400
    assert 'value="not-an-email"' in r.text
    assert 'value="Ann &lt;Typed&gt;"' in r.text
    assert 'value="Head of Year 9"' in r.text
    assert '<option value="staff" selected>' in r.text
    # The error is tied to its field for screen readers.
    assert re.search(r'id="id_email[-_]error"', r.text)
    assert 'href="#id_email"' in r.text


def test_a_missing_name_is_refused(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(_school_url(world), _form(full_name=""))
    assert r.status_code == 400
    assert not User.objects.filter(email="new.teacher@example.org").exists()


def test_an_empty_post_shows_every_missing_field(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(_school_url(world), {})
    assert r.status_code == 400
    for field in ("email", "full_name", "role"):
        assert re.search(f'id="id_{field}[-_]error"', r.text)


def test_the_confirmation_message_shows_markup_in_a_name_as_text(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.post(_school_url(world), _form(full_name="<script>alert(1)</script>"), follow=True)
    assert r.status_code == 200
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; now has an account" in r.text


@pytest.mark.parametrize("key", ["admin_a", "trust_admin_a"])
def test_an_administrators_password_alone_cannot_make_a_dsl(client, world, key):
    """Security issue: administrators signed in without a second factor, and /manage/ let
    them make a DSL; whoever held only their password could read every case. Now their
    password leads to the second factor, and nothing is made."""
    admin = world.users[key]
    assert admin.needs_two_factor
    sign_in(client, admin, verified=False)
    page = client.get(_school_url(world))
    assert page.status_code == 302 and page["Location"].startswith("/account/two-factor/")
    made = client.post(_school_url(world), _form(role=Role.DSL))
    assert made.status_code == 302 and made["Location"].startswith("/account/two-factor/")
    assert not User.objects.filter(email="new.teacher@example.org").exists()
    assert not AuditEvent.objects.filter(event=Event.ROLE_GRANTED).exists()
