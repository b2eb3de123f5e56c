"""The DSL's inbox of pupils' reports: who may open it, and what a DSL can do with a report."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.concerns.models import Category, Concern
from haven.pupil_voice import services
from haven.pupil_voice.models import PupilReport


def _report(world, school=None, text="They keep taking my bag at lunch.", **extra):
    return services.report_submit(school=school or world.school_a, what_happened=text, **extra).report


def test_the_inbox_lists_urgent_reports_first_with_paging_and_filters(client, world, django_assert_max_num_queries):
    for i in range(27):
        _report(world, text=f"Plain report number {i}.")
    urgent = _report(world, text="Someone said they will bring a knife.")
    _report(world, school=world.school_b, text="Birch pupil's report.")
    sign_in(client, world.users["dsl_a"])
    with django_assert_max_num_queries(15):
        r = client.get("/pupil-voice/")
    assert r.status_code == 200
    rows = list(r.context["page"])
    assert rows[0] == urgent and len(rows) == 25
    assert all(row.school == world.school_a for row in rows)
    assert "Next page" in r.text
    assert client.get("/pupil-voice/?page=2").context["page"].object_list.__len__() == 3
    only_urgent = client.get("/pupil-voice/?show=urgent").context["page"]
    assert list(only_urgent) == [urgent]


def test_staff_heads_admins_and_other_schools_dsls_get_404(client, world):
    report = _report(world)
    for key in ("staff_a", "head_a", "admin_a", "dsl_b", "trust_lead_a", "la_officer_a", "nobody"):
        client.logout()
        sign_in(client, world.users[key])
        assert client.get(f"/pupil-voice/{report.pk}/").status_code == 404, key
        assert client.post(f"/pupil-voice/{report.pk}/message/", {"kind": "reply", "body": "x"}).status_code == 404
        assert client.post(f"/pupil-voice/{report.pk}/close/", {"reason": "x"}).status_code == 404
    assert report.messages.count() == 0
    assert AuditEvent.objects.filter(action="access_denied", object_id=str(report.pk)).exists()


def test_opening_a_report_is_audited_and_marks_it_read(client, world):
    report = _report(world)
    sign_in(client, world.users["deputy_a"])
    r = client.get(f"/pupil-voice/{report.pk}/")
    assert r.status_code == 200 and "They keep taking my bag at lunch." in r.text
    assert AuditEvent.objects.filter(
        action="view", object_type="pupil_voice.pupilreport", object_id=str(report.pk), actor=world.users["deputy_a"]
    ).exists()
    report.refresh_from_db()
    assert report.status == PupilReport.Status.OPEN


def test_a_reply_and_a_question_reach_the_pupil_and_are_audited(client, world):
    report = _report(world)
    sign_in(client, world.users["dsl_a"])
    r = client.post(f"/pupil-voice/{report.pk}/message/", {"kind": "question", "body": "Which day was it?"})
    assert r.status_code == 302
    message = report.messages.get()
    assert message.kind == "question" and message.author == world.users["dsl_a"]
    assert AuditEvent.objects.filter(object_type="pupil_voice.reportmessage", object_id=str(message.pk)).exists()
    r = client.post(f"/pupil-voice/{report.pk}/message/", {"kind": "reply", "body": "  "})
    assert r.status_code == 400 and "Write your message to the pupil." in r.text


def test_closing_needs_a_reason_and_malicious_is_kept_with_its_reason(client, world):
    report = _report(world)
    sign_in(client, world.users["dsl_a"])
    r = client.post(f"/pupil-voice/{report.pk}/close/", {"reason": ""})
    assert r.status_code == 400 and "Say why you are closing it." in r.text
    r = client.post(
        f"/pupil-voice/{report.pk}/close/", {"malicious": "1", "reason": "Same words as three others naming one pupil."}
    )
    assert r.status_code == 302
    report.refresh_from_db()
    assert report.status == "malicious" and report.closed_by == world.users["dsl_a"]
    assert report.closed_reason.startswith("Same words")
    assert PupilReport.objects.filter(pk=report.pk).exists()  # kept, not deleted
    assert client.post(f"/pupil-voice/{report.pk}/close/", {"reason": "again"}).status_code == 400


def test_converting_into_a_concern_keeps_the_pupils_words_and_links_both_ways(client, world):
    report = _report(world, text="Year 9 boy sent me 😡 messages on Snapchat.\nمرحبا", where="online")
    sign_in(client, world.users["dsl_a"])
    assert client.get(f"/pupil-voice/{report.pk}/convert/").status_code == 200
    category = Category.objects.get(code="bullying")
    then = timezone.localtime() - dt.timedelta(minutes=30)  # whatever the time of day the test runs
    r = client.post(
        f"/pupil-voice/{report.pk}/convert/",
        {
            "child_1_query": f"#{world.pupils['a'].pk}",
            "child_1_role": "affected",
            "occurred_on": then.strftime("%d/%m/%Y"),
            "occurred_time": then.strftime("%H:%M"),
            "location": "online",
            "online_platform": "Snapchat",
            "categories": [category.pk],
            "what_happened": "Reported through the pupil page.",
            "child_words": "the DSL cannot change these",
            "child_told_next_steps": "na",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    report.refresh_from_db()
    concern = Concern.objects.get(source="pupil_voice")
    assert report.concern == concern and report.status == "converted"
    assert concern.child_words == "Year 9 boy sent me 😡 messages on Snapchat.\nمرحبا"
    assert concern.pupil_report == report
    page = client.get(f"/pupil-voice/{report.pk}/").text
    assert concern.reference in page
    assert client.get(f"/pupil-voice/{report.pk}/convert/").status_code == 302


def test_a_bad_conversion_keeps_the_report_unchanged(client, world):
    report = _report(world)
    sign_in(client, world.users["dsl_a"])
    r = client.post(f"/pupil-voice/{report.pk}/convert/", {"what_happened": "x"})
    assert r.status_code == 400
    report.refresh_from_db()
    assert report.concern is None and not Concern.objects.exists()


def test_the_dashboard_counts_new_pupil_reports_for_dsls_only(client, world):
    _report(world)
    _report(world)
    sign_in(client, world.users["dsl_a"])
    r = client.get("/cases/")
    assert r.context["pupil_reports_new"] == 2 and "2 new reports from pupils" in r.text
    client.logout()
    sign_in(client, world.users["head_a"])
    r = client.get("/cases/")
    assert r.context["pupil_reports_new"] is None and "from pupils" not in r.text


def test_the_school_sets_its_own_email_and_trusted_adults(client, world):
    sign_in(client, world.users["dsl_a"])
    r = client.post("/pupil-voice/settings/", {"reporting_email": "not-an-email", "trusted_adults": "Mrs Patel"})
    assert r.status_code == 400 and "Mrs Patel" in r.text
    r = client.post(
        "/pupil-voice/settings/",
        {"reporting_email": "tell@alder.example", "trusted_adults": "Mrs Patel, Room 12\n\nMr Khan"},
    )
    assert r.status_code == 302
    client.logout()
    page = client.get(f"/tell/{world.school_a.report_code}/").text
    assert "tell@alder.example" in page and "Mrs Patel, Room 12" in page and "Mr Khan" in page
    assert "tell@alder.example" not in client.get(f"/tell/{world.school_b.report_code}/").text


@pytest.mark.parametrize("key", ["staff_a", "head_a", "admin_a"])
def test_only_dsls_change_the_settings(client, world, key):
    sign_in(client, world.users[key])
    assert client.get("/pupil-voice/settings/").status_code == 404
