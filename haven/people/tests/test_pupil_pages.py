"""The DSL's pupil list and a pupil's file: filters, paging, escaping and query counts."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import sign_in
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing.factories import PupilFactory


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_pupil_list_costs_the_same_queries_for_5_or_60_pupils(client, world):
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:pupil_list")
    PupilFactory.create_batch(4, school=world.school_a)
    few = _queries(client, url)
    PupilFactory.create_batch(55, school=world.school_a)
    many = _queries(client, url)
    assert few == many


def test_the_home_page_costs_the_same_queries_for_more_pupils(client, world):
    sign_in(client, world.users["dsl_a"])
    few = _queries(client, "/")
    PupilFactory.create_batch(40, school=world.school_a, child_protection_plan=True)
    assert _queries(client, "/") == few


def test_the_list_filters_by_name_year_and_flag(client, world):
    PupilFactory(
        school=world.school_a, legal_forename="Zara", legal_surname="Quinton", year_group="7", looked_after=True
    )
    PupilFactory(school=world.school_a, legal_forename="Amir", legal_surname="Quinton", year_group="8")
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:pupil_list")
    assert client.get(url, {"q": "quinton"}).context["page"].paginator.count == 2
    assert client.get(url, {"q": "quinton", "year": "7"}).context["page"].paginator.count == 1
    assert [p.legal_forename for p in client.get(url, {"flag": "looked_after"}).context["page"]] == ["Zara"]


def test_the_list_pages_fifty_at_a_time(client, world):
    PupilFactory.create_batch(60, school=world.school_a)
    sign_in(client, world.users["dsl_a"])
    first = client.get(reverse("people:pupil_list"))
    assert len(first.context["page"].object_list) == 50
    assert "Next page" in first.text
    second = client.get(reverse("people:pupil_list"), {"page": 2})
    assert len(second.context["page"].object_list) == 11  # 60 + the world's own pupil


def test_a_dsl_never_sees_another_schools_pupils_in_the_list(client, world):
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("people:pupil_list"), {"school": world.school_b.pk})
    assert r.context["page"].paginator.count == 0
    assert world.pupils["b"].legal_forename not in r.text


def test_leavers_are_hidden_unless_asked_for(client, world):
    import datetime as dt

    PupilFactory(school=world.school_a, legal_surname="Gone", left_on=dt.date(2026, 7, 20))
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:pupil_list")
    assert "Gone" not in client.get(url).text
    assert "Gone" in client.get(url, {"left": "1"}).text


def test_names_with_markup_are_shown_as_text(client, world):
    pupil = PupilFactory(school=world.school_a, legal_forename="<script>alert(1)</script>")
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("records:pupil_detail", args=[pupil.pk]))
    assert "<script>alert(1)</script>" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text


def test_opening_a_pupils_file_and_its_access_log_is_audited_by_name_from_the_page(client, world):
    pupil = world.pupils["a"]
    sign_in(client, world.users["dsl_a"])
    assert client.get(reverse("records:pupil_detail", args=[pupil.pk]), REMOTE_ADDR="10.9.8.7").status_code == 200
    assert client.get(reverse("people:pupil_access_log", args=[pupil.pk])).status_code == 200
    viewed = AuditEvent.objects.get(event=Event.PUPIL_VIEWED, object_id=str(pupil.pk))
    assert (viewed.channel, viewed.actor, viewed.ip_address) == (Channel.PAGE, world.users["dsl_a"], "10.9.8.7")
    log = AuditEvent.objects.get(event=Event.ACCESS_LOG_VIEWED, object_id=str(pupil.pk))
    assert (log.channel, log.actor, log.school_id) == (Channel.PAGE, world.users["dsl_a"], pupil.school_id)


def test_a_refused_pupil_file_is_audited_with_who_tried(client, world):
    pupil = world.pupils["a"]
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("records:pupil_detail", args=[pupil.pk])).status_code == 404
    assert client.get(reverse("people:pupil_access_log", args=[pupil.pk])).status_code == 404
    refused = AuditEvent.objects.filter(event=Event.ACCESS_REFUSED, school=pupil.school_id)
    assert sorted(refused.values_list("object_type", "channel", "actor")) == [
        ("people.pupil", Channel.PAGE, world.users["dsl_b"].pk),
        ("people.pupil.access_log", Channel.PAGE, world.users["dsl_b"].pk),
    ]
