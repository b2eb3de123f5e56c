"""Pupil voice's audit events through the real pages: each has its name and channel, and the
old and new values of what changed. A pupil's own pages keep no address and no browser."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.concerns.models import Category
from haven.pupil_voice.models import PupilReport, Survey

from .helpers import secrets_from, tell

pytestmark = pytest.mark.django_db

PUPIL_UA = "PupilPhoneBrowser/9.9"
STAFF = {"REMOTE_ADDR": "192.0.2.44", "HTTP_USER_AGENT": "StaffBrowser/2.0"}


def _event(name: str, **filters: object) -> AuditEvent:
    events = list(AuditEvent.objects.filter(event=name, **filters))
    assert len(events) == 1, (name, list(AuditEvent.objects.values_list("event", flat=True)))
    return events[0]


def _pupil_tells(client, world, text="They keep taking my bag at lunch.") -> tuple[PupilReport, str]:
    r = client.post(
        f"/tell/{world.school_a.report_code}/",
        {"what_happened": text, "where": "corridor"},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT=PUPIL_UA,
    )
    assert r.status_code == 200
    return secrets_from(r)


def test_a_pupils_report_and_reply_keep_no_address_or_browser(client, world):
    report, passphrase = _pupil_tells(client, world)
    received = _event("pupil_report.received", object_id=str(report.pk))
    assert (received.channel, received.action, received.actor) == ("page", "create", None)
    assert received.ip_address is None and received.user_agent == ""
    assert received.extra["changes"] == {"status": [None, "new"], "urgent": [None, False]}
    assert received.extra["by"] == "pupil" and received.extra["urgent"] is False
    assert "bag" not in str(received.extra)  # the pupil's words stay in the report

    r = client.post(
        "/tell/check/",
        {"reference": report.reference, "passphrase": passphrase},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT=PUPIL_UA,
    )
    r = client.post(
        "/tell/check/",
        {"token": r.context["token"], "body": "Now they say they will bring a knife."},
        REMOTE_ADDR="198.51.100.23",
        HTTP_USER_AGENT=PUPIL_UA,
    )
    assert r.status_code == 200
    replied = _event("pupil_report.pupil_replied", extra__report=report.pk)
    assert replied.channel == "page" and replied.actor is None
    assert replied.ip_address is None and replied.user_agent == ""
    assert replied.extra["changes"] == {"urgent": [False, True]}
    assert "knife" not in str(replied.extra)
    assert not AuditEvent.objects.filter(ip_address="198.51.100.23").exists()
    assert not AuditEvent.objects.filter(user_agent__contains="PupilPhone").exists()


def test_a_dsl_reads_answers_and_closes_a_report_on_the_pages(client, world):
    report = secrets_from(tell(client, world.school_a.report_code))[0]
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    assert (
        client.post(f"/pupil-voice/{report.pk}/message/", {"kind": "reply", "body": "Thank you."}, **STAFF).status_code
        == 302
    )
    sent = _event("pupil_report.message_sent", extra__report=report.pk)
    assert (sent.channel, sent.actor, sent.ip_address, sent.user_agent) == (
        "page",
        dsl,
        "192.0.2.44",
        "StaffBrowser/2.0",
    )
    assert sent.extra["changes"] == {"status": ["new", "open"]} and sent.extra["kind"] == "reply"
    assert "Thank you" not in str(sent.extra)
    viewed = AuditEvent.objects.filter(event="pupil_report.viewed", object_id=str(report.pk))
    assert viewed.count() == 1 and viewed.get().channel == "page"

    r = client.post(f"/pupil-voice/{report.pk}/close/", {"reason": "Spoken to the pupil; sorted."}, **STAFF)
    assert r.status_code == 302
    closed = _event("pupil_report.closed", object_id=str(report.pk))
    assert closed.channel == "page" and closed.actor == dsl
    assert closed.extra["changes"] == {"status": ["open", "closed"]} and closed.extra["status"] == "closed"
    assert "Spoken" not in str(closed.extra)


def test_opening_a_new_report_marks_it_read(client, world):
    report = secrets_from(tell(client, world.school_a.report_code))[0]
    sign_in(client, world.users["deputy_a"])
    assert client.get(f"/pupil-voice/{report.pk}/", **STAFF).status_code == 200
    read = _event("pupil_report.read", object_id=str(report.pk))
    assert read.channel == "page" and read.actor == world.users["deputy_a"]
    assert read.extra["changes"] == {"status": ["new", "open"]}
    assert _event("pupil_report.viewed", object_id=str(report.pk)).ip_address == "192.0.2.44"


def test_converting_a_report_is_named_with_its_status(client, world):
    report = secrets_from(tell(client, world.school_a.report_code))[0]
    sign_in(client, world.users["dsl_a"])
    then = timezone.localtime() - dt.timedelta(minutes=30)
    r = client.post(
        f"/pupil-voice/{report.pk}/convert/",
        {
            "child_1_query": f"#{world.pupils['a'].pk}",
            "child_1_role": "affected",
            "occurred_on": then.strftime("%d/%m/%Y"),
            "occurred_time": then.strftime("%H:%M"),
            "location": "corridor",
            "categories": [Category.objects.get(code="bullying").pk],
            "what_happened": "Reported through the pupil page.",
            "child_told_next_steps": "na",
        },
        **STAFF,
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    converted = _event("pupil_report.converted", object_id=str(report.pk))
    assert converted.channel == "page" and converted.actor == world.users["dsl_a"]
    assert converted.extra["changes"] == {"status": ["new", "converted"]}
    report.refresh_from_db()
    assert report.concern is not None and converted.extra["concern"] == report.concern.reference


def test_settings_changes_record_the_address_and_how_many_adults(client, world):
    sign_in(client, world.users["dsl_a"])
    r = client.post(
        "/pupil-voice/settings/",
        {"reporting_email": "tell@alder.example", "trusted_adults": "Mrs Patel, Room 12\n\nMr Khan"},
        **STAFF,
    )
    assert r.status_code == 302
    changed = _event("voice_settings.changed")
    assert changed.channel == "page" and changed.actor == world.users["dsl_a"]
    assert changed.extra["changes"] == {"reporting_email": ["", "tell@alder.example"], "trusted_adults_count": [0, 2]}
    assert "Patel" not in str(changed.extra)


def test_a_survey_opened_read_closed_and_downloaded_on_the_pages(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    today = timezone.localdate()
    closes = today + dt.timedelta(days=14)
    r = client.post(
        reverse("pupil_voice:survey_new"),
        {"title": "Autumn check", "opens_on": today.isoformat(), "closes_on": closes.isoformat()},
        **STAFF,
    )
    assert r.status_code == 302
    survey = Survey.objects.get()
    opened = _event("survey.opened", object_id=str(survey.pk))
    assert opened.channel == "page" and opened.actor == dsl and opened.ip_address == "192.0.2.44"
    assert opened.extra["changes"] == {"opens_on": [None, today.isoformat()], "closes_on": [None, closes.isoformat()]}

    assert client.get(reverse("pupil_voice:survey", args=[survey.pk]), **STAFF).status_code == 200
    assert _event("survey.viewed", object_id=str(survey.pk)).channel == "page"

    assert client.post(reverse("pupil_voice:survey_close", args=[survey.pk]), **STAFF).status_code == 302
    closed = _event("survey.closed_early", object_id=str(survey.pk))
    assert closed.channel == "page" and closed.actor == dsl
    yesterday = today - dt.timedelta(days=1)
    assert closed.extra["changes"] == {
        "closed_early_on": [None, today.isoformat()],
        "last_day": [closes.isoformat(), yesterday.isoformat()],
    }

    assert client.get(reverse("pupil_voice:survey_csv", args=[survey.pk]), **STAFF).status_code == 200
    exported = _event("survey.exported", object_id=str(survey.pk))
    assert exported.channel == "page" and exported.action == "export" and exported.extra["survey_csv"]


def test_a_refused_report_names_the_person_on_the_page(client, world):
    report = secrets_from(tell(client, world.school_a.report_code))[0]
    sign_in(client, world.users["dsl_b"])
    assert client.get(f"/pupil-voice/{report.pk}/", **STAFF).status_code == 404
    refused = _event("access.refused", object_id=str(report.pk))
    assert (refused.channel, refused.actor, refused.ip_address) == ("page", world.users["dsl_b"], "192.0.2.44")
