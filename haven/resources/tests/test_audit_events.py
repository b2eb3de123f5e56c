"""The resource bank's and the case-study bank's pages record named events, from a page,
with the old and new values (never the case study's text)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.core import clock
from haven.resources.models import CaseStudy, Resource
from haven.resources.tests.conftest import STUDY

from .test_case_studies import _form
from .test_curation import FORM

pytestmark = pytest.mark.django_db


def _last(event: Event) -> AuditEvent:
    return AuditEvent.objects.filter(event=event).latest("at", "seq")


def test_a_proposal_curated_and_changed_through_the_pages(client, world):
    staff, officer = world.users["staff_a"], world.users["la_officer_a"]
    sign_in(client, staff)
    assert client.post(reverse("resources:propose"), FORM).status_code == 302
    resource = Resource.objects.get(title=FORM["title"])
    proposed = _last(Event.RESOURCE_PROPOSED)
    assert (proposed.channel, proposed.actor, proposed.object_id) == ("page", staff, str(resource.pk))

    sign_in(client, officer)
    client.post(reverse("resources:curate", args=[resource.pk]), {"action": "changes", "note": "Add the age range."})
    curated = _last(Event.RESOURCE_CURATED)
    assert (curated.channel, curated.actor) == ("page", officer)
    assert curated.extra["changes"] == {"status": ["proposed", "changes_requested"]}
    assert curated.extra["step"] == "changes_requested"

    sign_in(client, staff)
    edit = {**FORM, "age_from": "11", "age_to": "14", "description": "A longer assembly on consent."}
    assert client.post(reverse("resources:edit", args=[resource.pk]), edit).status_code == 302
    edited = _last(Event.RESOURCE_EDITED)
    assert (edited.channel, edited.actor) == ("page", staff)
    assert edited.extra["changes"] == {
        "status": ["changes_requested", "proposed"],
        "age_from": [None, 11],
        "age_to": [None, 14],
    }
    assert "description" in edited.extra["changed"] and "longer assembly" not in str(edited.extra)

    sign_in(client, officer)
    client.post(reverse("resources:curate", args=[resource.pk]), {"action": "approve"})
    approved = _last(Event.RESOURCE_CURATED)
    assert approved.extra["changes"] == {
        "status": ["proposed", "approved"],
        "last_reviewed_on": [None, clock.localdate().isoformat()],
    }


def test_a_case_study_saved_sent_read_and_reviewed_through_the_pages(client, world):
    dsl, officer = world.users["dsl_a"], world.users["la_officer_a"]
    sign_in(client, dsl)
    assert client.post(reverse("case_studies:new"), {**_form(), "draft": "1"}).status_code == 302
    study = CaseStudy.objects.get()
    saved = _last(Event.CASE_STUDY_SAVED)
    assert (saved.channel, saved.actor, saved.extra) == ("page", dsl, {})

    url = reverse("case_studies:edit", args=[study.pk])
    response = client.post(url, {**_form(share_wider=True, what_worked="The assembly and a session."), "send": "1"})
    assert response.status_code == 302
    saved = _last(Event.CASE_STUDY_SAVED)
    assert saved.extra["changes"] == {"share_wider": [False, True]}
    assert saved.extra["changed"] == ["share_wider", "what_worked"]
    assert str(STUDY["what_worked"]) not in str(saved.extra) and "The assembly and" not in str(saved.extra)
    submitted = _last(Event.CASE_STUDY_SUBMITTED)
    assert (submitted.channel, submitted.actor) == ("page", dsl)
    assert submitted.extra["changes"] == {"status": ["draft", "submitted"]}

    sign_in(client, officer)
    assert client.get(reverse("case_studies:detail", args=[study.pk])).status_code == 200
    viewed = _last(Event.CASE_STUDY_VIEWED)
    assert (viewed.channel, viewed.actor) == ("page", officer)
    client.post(reverse("case_studies:review", args=[study.pk]), {"action": "return", "comments": "Say more."})
    reviewed = _last(Event.CASE_STUDY_REVIEWED)
    assert (reviewed.channel, reviewed.actor) == ("page", officer)
    assert reviewed.extra["changes"] == {"status": ["submitted", "returned"]}
    assert reviewed.extra["step"] == "returned"


def test_a_refused_read_is_recorded_in_the_readers_name(client, world, draft):
    study = draft()
    other = world.users["dsl_b"]
    sign_in(client, other)
    assert client.get(reverse("case_studies:detail", args=[study.pk])).status_code == 404
    refused = _last(Event.ACCESS_REFUSED)
    assert (refused.channel, refused.actor, refused.object_type) == ("page", other, "resources.casestudy")
