"""The enquiry log's and the dashboards' pages record named events, from a page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.concerns.models import Category
from haven.insights.models import Enquiry

pytestmark = pytest.mark.django_db


def _last(event: Event) -> AuditEvent:
    return AuditEvent.objects.filter(event=event).latest("at", "seq")


def test_an_enquiry_logged_read_and_followed_up_through_its_pages(client, world):
    officer = world.users["la_officer_a"]
    sign_in(client, officer)
    then = timezone.localtime() - dt.timedelta(minutes=30)
    post = {
        "school": world.school_a.pk,
        "day": then.date().isoformat(),
        "time": then.strftime("%H:%M"),
        "caller_role": "dsl",
        "channel": "phone",
        "categories": [Category.objects.get(code="bullying").pk],
        "summary": "The DSL rang about a Year 7 boy who is being left out at lunch.",
        "advice": "Keep a chronology.",
        "follow_up_on": timezone.localdate().isoformat(),
    }
    assert client.post(reverse("insights:enquiry_new"), post, HTTP_USER_AGENT="Edge").status_code == 302
    enquiry = Enquiry.objects.get()
    recorded = _last(Event.ENQUIRY_RECORDED)
    assert (recorded.channel, recorded.actor, recorded.user_agent) == ("page", officer, "Edge")
    assert recorded.object_id == str(enquiry.pk) and "left out" not in str(recorded.extra)

    assert client.get(reverse("insights:enquiry", args=[enquiry.pk])).status_code == 200
    viewed = _last(Event.ENQUIRY_VIEWED)
    assert (viewed.channel, viewed.actor) == ("page", officer)

    assert client.post(reverse("insights:follow_up", args=[enquiry.pk])).status_code == 302
    followed = _last(Event.ENQUIRY_FOLLOWED_UP)
    assert (followed.channel, followed.actor) == ("page", officer)
    assert followed.extra["changes"] == {"follow_up_done": [False, True]}
    assert followed.extra["follow_up_done"] is True

    client.get(reverse("insights:enquiries") + "?format=csv")
    exported = _last(Event.ENQUIRIES_EXPORTED)
    assert exported.channel == "page" and exported.extra == {"enquiries_csv": 1}


def test_imports_name_their_events(client, world):
    sign_in(client, world.users["la_officer_a"])
    url = reverse("insights:import")
    monthly = b"Month,Total,SV&H\nMay 2021,398,12\nJune 2021,366,10\n"
    response = client.post(url, {"kind": "monthly", "file": SimpleUploadedFile("m.csv", monthly, "text/csv")})
    assert response.status_code == 302
    counts = _last(Event.MONTHLY_COUNTS_IMPORTED)
    assert (counts.channel, counts.actor, counts.extra) == ("page", world.users["la_officer_a"], {"monthly_counts": 2})
    header = "date,time,school_urn,caller_role,channel,categories,summary,advice,risk_assessment,follow_up_on\n"
    row = f"2021-05-04,10:00,{world.school_a.urn},dsl,phone,sexual_harassment,Comments online.,Report it.,yes,\n"
    file = SimpleUploadedFile("e.csv", (header + row).encode(), "text/csv")
    assert client.post(url, {"kind": "enquiries", "file": file}).status_code == 302
    enquiries = _last(Event.ENQUIRIES_IMPORTED)
    assert (enquiries.channel, enquiries.extra) == ("page", {"enquiries": 1})
    assert not AuditEvent.objects.filter(event=Event.ENQUIRY_RECORDED).exists()  # one event for the import


def test_the_dashboard_and_report_name_their_events(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    assert client.get(reverse("insights")).status_code == 200
    viewed = _last(Event.INSIGHTS_VIEWED)
    assert (viewed.channel, viewed.actor, viewed.school_id) == ("page", dsl, world.school_a.pk)
    assert client.get(reverse("insights") + "?csv=place").status_code == 200
    assert _last(Event.INSIGHTS_EXPORTED).channel == "page"
    assert client.get(reverse("insights_report")).status_code == 200
    report = _last(Event.INSIGHTS_REPORT_VIEWED)
    assert (report.channel, report.actor, report.object_type) == ("page", dsl, "insights.report")


def test_another_authoritys_enquiry_is_refused_in_the_officers_name(client, world):
    sign_in(client, world.users["la_officer_a"])
    then = timezone.localtime() - dt.timedelta(minutes=30)
    client.post(
        reverse("insights:enquiry_new"),
        {
            "school": world.school_a.pk,
            "day": then.date().isoformat(),
            "time": then.strftime("%H:%M"),
            "caller_role": "dsl",
            "channel": "phone",
            "categories": [Category.objects.get(code="bullying").pk],
            "summary": "A question about a rota.",
            "advice": "Keep a chronology.",
        },
    )
    enquiry = Enquiry.objects.get()
    other = world.users["la_officer_m"]
    sign_in(client, other)
    assert client.post(reverse("insights:follow_up", args=[enquiry.pk])).status_code == 404
    refused = _last(Event.ACCESS_REFUSED)
    assert (refused.channel, refused.actor, refused.object_id) == ("page", other, str(enquiry.pk))
    assert not AuditEvent.objects.filter(event=Event.ENQUIRY_FOLLOWED_UP).exists()
