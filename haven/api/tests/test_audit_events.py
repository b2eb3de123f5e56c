"""Through the API, concern and case events are audited under their own names from the API
channel; a change made on a page still counts for ``updated_since`` (its verb is "update")."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.cases.services import case_open
from haven.concerns.models import Concern

LIST = "/api/v1/concerns/"


def _last(event: str, **filters) -> AuditEvent:
    return AuditEvent.objects.filter(event=event, **filters).latest("seq")


def test_recording_reading_and_amending_through_the_api(world, api_as):
    staff = world.users["staff_a"]
    api = api_as(staff)
    body = {
        "school": "140001",
        "children": [{"upn": world.pupils["a"].upn, "role": "affected"}],
        "occurred_at": (timezone.now() - dt.timedelta(hours=3)).isoformat(),
        "location": "corridor",
        "categories": ["bullying"],
        "what_happened": "Pushed against the lockers at break.",
        "child_told_next_steps": "yes",
    }
    response = api.post(LIST, body)
    assert response.status_code == 201, response.content
    concern = Concern.objects.get(reference=response.json()["reference"])
    submitted = _last("concern.submitted", object_id=str(concern.pk))
    assert (submitted.channel, submitted.actor, submitted.extra["source"]) == ("api", staff, "api")

    assert api.get(f"{LIST}{concern.reference}/").status_code == 200
    assert _last("concern.viewed", object_id=str(concern.pk)).channel == "api"

    response = api.post(f"{LIST}{concern.reference}/amendments/", {"kind": "addition", "text": "More."})
    assert response.status_code == 201, response.content
    assert _last("amendment.added", object_type="concerns.amendment").channel == "api"

    head = world.users["head_a"]  # reads it, may not amend it
    response = api_as(head).post(f"{LIST}{concern.reference}/amendments/", {"kind": "addition", "text": "x"})
    assert response.status_code == 404
    refused = _last("access.refused", object_type="concerns.concern")
    assert (refused.actor, refused.channel, refused.extra["reason"]) == (head, "api", "amend")


def test_reading_a_case_and_a_chronology_through_the_api(world, api_as, make_concern):
    dsl = world.users["dsl_a"]
    case = case_open(by=dsl, concern=make_concern())
    api = api_as(dsl)
    assert api.get(f"/api/v1/cases/{case.reference}/").status_code == 200
    viewed = _last("case.viewed", object_id=str(case.pk))
    assert (viewed.channel, viewed.actor) == ("api", dsl)
    pupil = world.pupils["a"]
    assert api.get(f"/api/v1/pupils/{pupil.pk}/chronology/").status_code == 200
    assert _last("chronology.viewed", object_id=str(pupil.pk)).channel == "api"

    other = world.users["dsl_b"]
    assert api_as(other).get(f"/api/v1/cases/{case.reference}/").status_code == 404
    refused = _last("access.refused", object_type="cases.case")
    assert (refused.actor, refused.channel) == (other, "api")
    assert api_as(other).get(f"/api/v1/pupils/{pupil.pk}/chronology/").status_code == 404
    refused = _last("access.refused", object_type="people.pupil")
    assert (refused.actor, refused.channel) == (other, "api")


def test_a_concern_acknowledged_and_closed_on_the_page_is_updated_since(client, world, api_as, make_concern):
    concern = make_concern()
    since = timezone.now()
    api = api_as(world.users["dsl_a"])
    assert api.get(LIST, updated_since=since.isoformat()).json()["results"] == []
    # Acknowledged long ago (the concern's acknowledged_at would find it otherwise), then closed
    sign_in(client, world.users["dsl_a"])
    r = client.post(reverse("cases:triage", args=[concern.reference]), {"action": "nfa", "rationale": "Resolved."})
    assert r.status_code == 302
    Concern.objects.filter(pk=concern.pk).update(acknowledged_at=since - dt.timedelta(days=1))
    closed = _last("concern.closed_no_further_action", object_id=str(concern.pk))
    assert (closed.action, closed.channel) == (Action.UPDATE, "page")
    refs = [c["reference"] for c in api.get(LIST, updated_since=since.isoformat()).json()["results"]]
    assert refs == [concern.reference]
