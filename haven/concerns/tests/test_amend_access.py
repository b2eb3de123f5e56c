"""Who may amend a concern: those who may add to the record, not everyone who may read it.

DESIGN §8: the member of staff who recorded the concern and the school's safeguarding leads
add to it; a head reads; a trust lead reads shared cases only. Whoever cannot amend sees no
amendment form, and the page and the API answer 404, as for a record they cannot see.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.cases import services as case_services
from haven.concerns.models import Amendment
from haven.concerns.services import amendment_add
from haven.core.errors import ApplicationError

BODY = {"kind": "correction", "text": "It was Tuesday, not Monday."}


@pytest.fixture
def shared_concern(world, make_concern):
    """A concern by staff_a in a case school A shares with its trust."""
    concern = make_concern(by=world.users["staff_a"])
    dsl = world.users["dsl_a"]
    case = case_services.case_open(by=dsl, concern=concern)
    case_services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=False, named_users=[], shared_with_trust=True
    )
    return concern


@pytest.mark.parametrize("who", ["staff_a", "dsl_a", "deputy_a"])
def test_the_recorder_and_the_safeguarding_leads_amend(client, world, shared_concern, who):
    sign_in(client, world.users[who])
    page = client.get(reverse("concerns:detail", args=[shared_concern.reference]))
    assert page.status_code == 200
    assert reverse("concerns:amend", args=[shared_concern.reference]) in page.text
    r = client.post(reverse("concerns:amend", args=[shared_concern.reference]), BODY)
    assert r.status_code == 302
    assert list(Amendment.objects.values_list("author__email", "text")) == [(world.users[who].email, BODY["text"])]


@pytest.mark.parametrize("who", ["head_a", "trust_lead_a"])
def test_readers_who_do_not_write_the_record_cannot_amend(client, world, shared_concern, who):
    sign_in(client, world.users[who])
    page = client.get(reverse("concerns:detail", args=[shared_concern.reference]))
    assert page.status_code == 200  # they read it
    assert shared_concern.what_happened in page.text
    assert reverse("concerns:amend", args=[shared_concern.reference]) not in page.text
    assert "Add amendment" not in page.text
    r = client.post(reverse("concerns:amend", args=[shared_concern.reference]), BODY)
    assert r.status_code == 404
    assert not Amendment.objects.exists()
    assert AuditEvent.objects.filter(
        action=Action.ACCESS_DENIED, object_type="concerns.concern", object_id=shared_concern.reference
    ).exists()


def test_a_head_amends_a_concern_they_recorded(client, world, make_concern):
    concern = make_concern(by=world.users["head_a"])
    sign_in(client, world.users["head_a"])
    r = client.post(reverse("concerns:amend", args=[concern.reference]), BODY)
    assert r.status_code == 302
    assert Amendment.objects.get().author == world.users["head_a"]


def test_another_member_of_staff_cannot_amend_someone_elses_concern(world, make_concern):
    concern = make_concern(by=world.users["deputy_a"])
    from haven.testing.factories import MembershipFactory, UserFactory

    other = UserFactory(email="other.staff@example.org")
    MembershipFactory(user=other, school=world.school_a, role="staff")
    with pytest.raises(ApplicationError) as raised:
        amendment_add(by=other, concern=concern, kind="addition", text="x")
    assert raised.value.code == "forbidden"
    assert not Amendment.objects.exists()


@pytest.mark.parametrize("who", ["head_a", "trust_lead_a", "governor_a", "la_officer_a"])
def test_the_service_refuses_whoever_may_not_add_to_the_record(world, shared_concern, who):
    with pytest.raises(ApplicationError) as raised:
        amendment_add(by=world.users[who], concern=shared_concern, kind="addition", text="x")
    assert raised.value.code == "forbidden"
    assert not Amendment.objects.exists()


def test_an_unnamed_dsl_cannot_amend_a_concern_in_a_restricted_case(world, make_concern):
    concern = make_concern()
    dsl = world.users["dsl_a"]
    case = case_services.case_open(by=dsl, concern=concern)
    case_services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=True, named_users=[dsl], shared_with_trust=False
    )
    concern.refresh_from_db()
    with pytest.raises(ApplicationError):
        amendment_add(by=world.users["deputy_a"], concern=concern, kind="addition", text="x")
    amendment_add(by=dsl, concern=concern, kind="addition", text="Named, so allowed.")
    amendment_add(by=world.users["staff_a"], concern=concern, kind="addition", text="The recorder's own.")
    assert Amendment.objects.count() == 2


def test_a_bad_amendment_keeps_the_page_whole_for_a_dsl(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["dsl_a"])
    r = client.post(reverse("concerns:amend", args=[concern.reference]), {"kind": "correction", "text": ""})
    assert r.status_code == 400
    assert "Enter your amendment." in r.text
    assert "Triage this concern" in r.text  # the DSL's page, not a stripped-down one
