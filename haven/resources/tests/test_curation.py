"""Proposing and curating resources: staff propose, the authority's officers curate, and
nobody outside the authority sees a proposal before it is approved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.core.errors import ApplicationError
from haven.resources import services
from haven.resources.models import Resource, ResourceDecision

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Consent assembly for Year 7",
    "kind": "assembly",
    "provider": "Alder Academy PSHE team",
    "description": "A 20-minute assembly on consent.",
    "url": "https://example.org/consent-assembly",
    "for_pupils": "on",
    "ks3": "on",
    "send_suitable": "on",
    "ability_notes": "Symbol-supported slides available.",
}


def test_staff_propose_through_the_form_and_the_proposal_waits_for_their_authority(client, world):
    sign_in(client, world.users["staff_a"])
    response = client.post(reverse("resources:propose"), FORM)
    resource = Resource.objects.get(title="Consent assembly for Year 7")
    assert response.status_code == 302
    assert resource.status == Resource.Status.PROPOSED
    assert resource.authority == world.authority and resource.proposed_by == world.users["staff_a"]
    assert resource.send_suitable and resource.ks3 and not resource.ks1
    assert ResourceDecision.objects.get(resource=resource).action == "proposed"
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="resources.resource").exists()
    # The proposer sees it (on the list under "Your proposals") and its page.
    assert "Consent assembly for Year 7" in client.get(reverse("resources:list")).text
    assert client.get(reverse("resources:detail", args=[resource.pk])).status_code == 200


def test_a_form_with_errors_keeps_what_was_typed(client, world):
    sign_in(client, world.users["staff_a"])
    data = {**FORM, "url": "", "for_pupils": "", "ks3": ""}
    response = client.post(reverse("resources:propose"), data)
    assert response.status_code == 400
    assert "Give a link, a phone number or an email address" in response.text
    assert "Say who it is for" in response.text
    assert "Tick at least one phase" in response.text
    assert 'value="Consent assembly for Year 7"' in response.text
    assert "Symbol-supported slides available." in response.text
    assert not Resource.objects.filter(title="Consent assembly for Year 7").exists()


@pytest.mark.parametrize("key", ["dsl_a", "la_officer_m", "staff_b", "dsl_m", "governor_a", "trust_lead_a"])
def test_nobody_but_the_proposer_and_the_authoritys_officers_sees_a_proposal(client, world, propose, key):
    resource = propose()
    sign_in(client, world.users[key])
    assert client.get(reverse("resources:detail", args=[resource.pk])).status_code == 404
    assert "Healthy relationships lesson pack" not in client.get(reverse("resources:list")).text


def test_the_authoritys_officer_approves_and_then_every_reader_sees_it(client, world, propose):
    resource = propose()
    sign_in(client, world.users["la_officer_a"])
    assert "Healthy relationships lesson pack" in client.get(reverse("resources:queue")).text
    response = client.post(reverse("resources:curate", args=[resource.pk]), {"action": "approve"})
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.APPROVED
    assert resource.reviewed_by == world.users["la_officer_a"] and resource.last_reviewed_on is not None
    for key in ("dsl_a", "staff_b", "governor_a", "trust_lead_b"):
        client.logout()
        sign_in(client, world.users[key])
        assert client.get(reverse("resources:detail", args=[resource.pk])).status_code == 200, key


def test_a_local_item_stays_in_its_authority_and_a_national_one_travels(client, world, approved):
    local = approved(title="Local only", national=False)
    anywhere = approved(title="Useful anywhere", national=True)
    sign_in(client, world.users["dsl_m"])
    assert client.get(reverse("resources:detail", args=[local.pk])).status_code == 404
    assert client.get(reverse("resources:detail", args=[anywhere.pk])).status_code == 200


def test_asking_for_changes_needs_a_note_and_the_proposer_can_change_and_resend(client, world, propose):
    resource = propose()
    sign_in(client, world.users["la_officer_a"])
    response = client.post(reverse("resources:curate", args=[resource.pk]), {"action": "changes", "note": ""})
    assert response.status_code == 400 and "Say what needs changing." in response.text
    client.post(reverse("resources:curate", args=[resource.pk]), {"action": "changes", "note": "Add the age range."})
    resource.refresh_from_db()
    assert resource.status == Resource.Status.CHANGES_REQUESTED
    client.logout()
    sign_in(client, world.users["staff_a"])
    assert "Add the age range." in client.get(reverse("resources:list")).text
    edit = {**FORM, "title": resource.title, "kind": "teaching", "age_from": "11", "age_to": "14"}
    assert client.post(reverse("resources:edit", args=[resource.pk]), edit).status_code == 302
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PROPOSED and resource.age_from == 11
    assert list(resource.decisions.values_list("action", flat=True)) == ["proposed", "changes_requested", "resubmitted"]


def test_rejecting_needs_a_reason_that_the_proposer_reads(client, world, propose):
    resource = propose()
    with pytest.raises(ApplicationError, match="Give the reason"):
        services.resource_curate(by=world.users["la_officer_a"], resource=resource, action="reject")
    services.resource_curate(
        by=world.users["la_officer_a"], resource=resource, action="reject", note="A paid product we cannot endorse."
    )
    resource.refresh_from_db()
    assert resource.status == Resource.Status.REJECTED
    sign_in(client, world.users["staff_a"])
    assert "A paid product we cannot endorse." in client.get(reverse("resources:detail", args=[resource.pk])).text
    # A refused proposal can no longer be edited by its proposer.
    assert client.get(reverse("resources:edit", args=[resource.pk])).status_code == 404


@pytest.mark.parametrize("key", ["staff_a", "dsl_a", "head_a", "trust_lead_a", "la_officer_m", "governor_a"])
def test_only_the_authoritys_officers_curate(client, world, propose, key):
    resource = propose(by=world.users["dsl_a"]) if key == "staff_a" else propose()
    sign_in(client, world.users[key])
    response = client.post(reverse("resources:curate", args=[resource.pk]), {"action": "approve"})
    assert response.status_code == 404
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PROPOSED
    with pytest.raises(ApplicationError):
        services.resource_curate(by=world.users[key], resource=resource, action="approve")


def test_governors_read_but_do_not_propose(client, world):
    sign_in(client, world.users["governor_a"])
    assert client.get(reverse("resources:list")).status_code == 200
    assert client.get(reverse("resources:propose")).status_code == 404
    assert "Propose a resource" not in client.get(reverse("resources:list")).text


def test_a_trust_lead_proposes_for_a_school_of_the_trust(client, world):
    sign_in(client, world.users["trust_lead_a"])
    assert client.post(reverse("resources:propose"), FORM).status_code == 302
    assert Resource.objects.get(title=FORM["title"]).authority == world.authority


def test_the_national_list_is_reviewed_but_not_rejected_by_an_officer(world):
    nspcc = Resource.objects.get(seed_key="nspcc-helpline")
    with pytest.raises(ApplicationError, match="national list"):
        services.resource_curate(by=world.users["la_officer_a"], resource=nspcc, action="reject", note="No")
    services.resource_curate(by=world.users["la_officer_m"], resource=nspcc, action="reviewed")
    nspcc.refresh_from_db()
    assert nspcc.reviewed_by == world.users["la_officer_m"]
