"""/manage/: the people with current roles in the organisations an administrator manages."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.access.roles import Role
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f

URL = "/manage/"


def test_the_url_is_stable():
    assert reverse("manage:people") == URL


def test_a_school_admin_sees_their_schools_people_only(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.get(URL)
    assert r.status_code == 200
    for key in ("staff_a", "dsl_a", "head_a", "governor_a", "admin_a"):
        assert world.users[key].email in r.text
    for key in ("staff_b", "dsl_m", "trust_lead_a", "trustee_a", "trust_admin_a", "la_officer_a"):
        assert world.users[key].email not in r.text


def test_a_trust_admin_sees_the_trust_and_its_schools(client, world):
    sign_in(client, world.users["trust_admin_a"])
    r = client.get(URL)
    assert r.status_code == 200
    for key in ("staff_a", "dsl_a", "trust_lead_a", "trustee_a", "trust_admin_a"):
        assert world.users[key].email in r.text
    for key in ("staff_b", "trust_lead_b", "dsl_m", "la_officer_a"):
        assert world.users[key].email not in r.text
    assert "Trust safeguarding lead at Alder Learning Trust" in r.text


@pytest.mark.parametrize(
    "key", ["dsl_a", "deputy_a", "head_a", "staff_a", "governor_a", "trust_lead_a", "la_officer_a", "nobody"]
)
def test_anyone_who_administers_nothing_gets_404_and_it_is_recorded(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(URL).status_code == 404
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=world.users[key]).exists()


def test_an_admin_whose_role_ended_gets_404(client, world):
    world.users["admin_a"].memberships.update(ended_at=timezone.now())
    sign_in(client, world.users["admin_a"])
    assert client.get(URL).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client, world):
    r = client.get(URL)
    assert r.status_code == 302
    assert r["Location"].startswith(reverse("accounts:sign_in"))


def test_ended_roles_are_not_listed(client, world):
    world.users["staff_a"].memberships.update(ended_at=timezone.now())
    sign_in(client, world.users["admin_a"])
    assert "staff_a@example.org" not in client.get(URL).text


def test_it_filters_by_role(client, world):
    sign_in(client, world.users["trust_admin_a"])
    r = client.get(URL, {"role": Role.DSL})
    assert "dsl_a@example.org" in r.text
    assert "staff_a@example.org" not in r.text
    assert "trust_lead_a@example.org" not in r.text


def test_it_filters_by_name_or_email(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.get(URL, {"q": "head"})
    assert "head_a@example.org" in r.text
    assert "staff_a@example.org" not in r.text
    assert 'value="head"' in r.text


def test_it_filters_by_organisation_and_ignores_one_it_does_not_manage(client, world):
    sign_in(client, world.users["trust_admin_a"])
    r = client.get(URL, {"org": f"trust-{world.trust_a.pk}"})
    assert "trust_lead_a@example.org" in r.text
    assert "staff_a@example.org" not in r.text
    r = client.get(URL, {"org": f"school-{world.school_b.pk}"})
    assert "staff_b@example.org" not in r.text
    assert "staff_a@example.org" in r.text


def test_it_shows_whether_two_factor_is_on(client, world):
    f.totp_device(world.users["dsl_a"])
    sign_in(client, world.users["admin_a"])
    r = client.get(URL, {"q": "dsl_a"})
    assert "<td>On</td>" in r.text
    r = client.get(URL, {"q": "staff_a"})
    assert "<td>Off</td>" in r.text


def test_it_shows_a_deactivated_account(client, world):
    world.users["staff_a"].is_active = False
    world.users["staff_a"].save()
    sign_in(client, world.users["admin_a"])
    assert "Deactivated" in client.get(URL, {"q": "staff_a"}).text


def test_it_pages_by_fifty(client, world):
    for n in range(60):
        f.MembershipFactory(user=f.UserFactory(full_name=f"Zed {n:02d}"), role=Role.STAFF, school=world.school_a)
    sign_in(client, world.users["admin_a"])
    r = client.get(URL)
    assert "Page 1 of 2" in r.text
    assert r.text.count('href="/manage/people/') == 50
    r2 = client.get(URL, {"page": 2})
    assert r2.text.count('href="/manage/people/') == 16  # the world's 6 at school A and 60 more


def test_names_are_shown_as_text_not_markup(client, world):
    user = f.UserFactory(full_name='<script>alert("x")</script>', job_title="<b>bold</b>")
    f.MembershipFactory(user=user, role=Role.STAFF, school=world.school_a)
    sign_in(client, world.users["admin_a"])
    r = client.get(URL)
    assert '<script>alert("x")</script>' not in r.text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in r.text
    assert "<b>bold</b>" not in r.text


def test_no_pupil_appears(client, world):
    sign_in(client, world.users["admin_a"])
    r = client.get(URL)
    assert world.pupils["a"].legal_forename not in r.text
    assert world.pupils["a"].upn not in r.text


def _count_queries(client, world, people: int) -> int:
    for n in range(people):
        user = f.UserFactory()
        f.MembershipFactory(user=user, role=Role.STAFF, school=world.school_a)
        f.MembershipFactory(user=user, role=Role.GOVERNOR, school=world.school_a)
        if n % 2:
            f.totp_device(user)
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(URL).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_number_of_people(client, world):
    sign_in(client, world.users["trust_admin_a"])
    few = _count_queries(client, world, 5)
    many = _count_queries(client, world, 45)
    assert few == many
