"""The Section 175 audit's pages record named events, from a page, with what changed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.compliance.models import SchoolAudit

from .conftest import complete_answers, save
from .test_views import form_data

pytestmark = pytest.mark.django_db


def _last(event: Event) -> AuditEvent:
    return AuditEvent.objects.filter(event=event).latest("at", "seq")


def test_saving_submitting_and_returning_name_their_events_and_changes(client, world, s175_round, audit_a):
    dsl, officer = world.users["dsl_a"], world.users["la_officer_a"]
    url = reverse("compliance:audit", args=[audit_a.pk])
    sign_in(client, dsl)
    response = client.post(
        url, form_data(complete_answers(), version=audit_a.version, action="save"), HTTP_USER_AGENT="Firefox"
    )
    assert response.status_code == 302
    saved = _last(Event.S175_DRAFT_SAVED)
    assert (saved.channel, saved.actor, saved.user_agent) == ("page", dsl, "Firefox")
    assert saved.extra["changes"] == {"version": [1, 2], "staff_total": [None, 40], "staff_trained": [None, 30]}
    assert saved.extra["step"] == "draft saved"
    assert "Two new teaching assistants" not in str(saved.extra)  # the text is not in the log

    assert client.post(url, form_data(complete_answers(), version=2, action="submit")).status_code == 302
    submitted = _last(Event.S175_SUBMITTED)
    assert (submitted.channel, submitted.actor, submitted.action) == ("page", dsl, "update")
    assert submitted.extra["changes"]["status"] == ["draft", "submitted"]

    sign_in(client, officer)
    assert client.post(url, {"action": "return", "comments": "Say more."}).status_code == 302
    returned = _last(Event.S175_RETURNED)
    assert (returned.channel, returned.actor) == ("page", officer)
    assert returned.extra["changes"]["status"] == ["submitted", "returned"]
    assert AuditEvent.objects.filter(event=Event.S175_VIEWED, actor=officer, channel="page").exists()


def test_the_round_pages_name_their_events(client, world, s175_round):
    officer = world.users["la_officer_a"]
    sign_in(client, officer)
    assert client.get(reverse("compliance:round", args=[s175_round.pk])).status_code == 200
    assert client.get(reverse("compliance:round_csv", args=[s175_round.pk])).status_code == 200
    viewed, exported = _last(Event.S175_ROUND_VIEWED), _last(Event.S175_ROUND_EXPORTED)
    assert (viewed.channel, viewed.actor, exported.channel, exported.actor) == ("page", officer, "page", officer)
    assert exported.extra == {"format": "csv", "schools": 2}
    opened = _last(Event.S175_ROUND_OPENED)
    assert opened.channel == "command"  # the fixture opened it with the service's default


def test_a_refusal_names_who_was_refused(client, world, s175_round):
    audit_b = SchoolAudit.objects.get(round=s175_round, school=world.school_b)
    sign_in(client, world.users["dsl_a"])
    assert client.get(reverse("compliance:audit", args=[audit_b.pk])).status_code == 404
    refused = _last(Event.ACCESS_REFUSED)
    assert (refused.channel, refused.actor, refused.object_id) == ("page", world.users["dsl_a"], str(audit_b.pk))


def test_a_draft_saved_twice_records_only_what_changed(world, audit_a):
    save(world.users["dsl_a"], audit_a)
    save(world.users["dsl_a"], audit_a, total=41)
    assert _last(Event.S175_DRAFT_SAVED).extra["changes"] == {"version": [2, 3], "staff_total": [40, 41]}
