"""The police section and its changes through Django's client: each change its own page that
works without JavaScript, a save back to the section at the record, a refusal shown beside its
field as typed, and who may and may not (the access matrix asks every role too)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.police.models import BailCondition, BailEnd, ChargingDecision, CourtDate, Investigation
from haven.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _url(name, case, *args):
    return reverse(f"cases:{name}", args=[case.reference, *args])


def _error_beside(page: str, field_id: str) -> str:
    error = re.search(rf'<p class="error-message" id="{re.escape(field_id)}_error">(.*?)</p>', page, re.S)
    assert error, f"no error beside {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(field_id)}_error\b', page), field_id
    return html.unescape(re.sub(r"<[^>]+>", "", error[1]).replace("Error: ", "").strip())


OFFICER = {
    "force": "Midshire Police",
    "officer_name": "Priya Shah",
    "officer_rank": "DC",
    "phone": "01632 960 123",
    "email": "priya.shah@midshire.police.uk",
    "crime_reference": "MP/2026/004512",
    "based_on": 0,  # the page started with no details recorded
}


def test_the_dsl_records_the_officer_and_sees_them_in_the_summary(client, world, police_case):
    sign_in(client, world.users["dsl_a"])
    section = client.get(_url("police", police_case))
    assert section.status_code == 200 and "No police investigation recorded." in section.text
    form = client.get(_url("police_new", police_case))
    assert form.status_code == 200 and 'name="crime_reference"' in form.text
    r = client.post(_url("police_new", police_case), {**OFFICER, "version": police_case.version})
    assert r.status_code == 302 and r["Location"] == _url("police", police_case) + "#officer"
    summary = client.get(_url("detail", police_case)).text
    assert 'href="tel:01632960123"' in summary
    assert 'href="mailto:priya.shah@midshire.police.uk"' in summary
    assert "DC Priya Shah, Midshire Police" in summary and "MP/2026/004512" in summary
    assert "No bail conditions in force." in summary and "No charging decision recorded." in summary
    assert _url("police", police_case) in summary
    nav = client.get(_url("police", police_case)).text
    assert 'aria-current="page">Police</a>' in nav


def test_a_missing_crime_reference_comes_back_beside_its_field_as_typed(client, world, police_case):
    sign_in(client, world.users["dsl_a"])
    r = client.post(_url("police_new", police_case), {**OFFICER, "crime_reference": ""})
    assert r.status_code == 400
    assert (
        _error_beside(r.text, "police-crime_reference") == "Crime reference: enter the crime reference the police gave."
    )
    assert 'value="Priya Shah"' in r.text
    assert not Investigation.objects.exists()
    r = client.post(_url("police_new", police_case), {**OFFICER, "phone": "", "email": ""})
    assert r.status_code == 400
    assert "phone number or an email address" in _error_beside(r.text, "police-phone")


def test_a_change_of_officer_starts_from_the_current_details(client, world, police_case, investigation):
    sign_in(client, world.users["dsl_a"])
    form = client.get(_url("police_new", police_case)).text
    assert 'value="MP/2026/004512"' in form and 'name="based_on" value="1"' in form
    change = {**OFFICER, "officer_name": "Tom Reid", "notes": "Handed over.", "based_on": 1}
    r = client.post(_url("police_new", police_case), change)
    assert r.status_code == 302
    page = client.get(_url("police", police_case)).text
    assert "DC Tom Reid" in page and "Earlier details (1)" in page and "Priya Shah" in page


def test_a_save_from_a_stale_page_is_refused_and_keeps_what_was_typed(client, world, police_case, investigation):
    sign_in(client, world.users["dsl_a"])
    client.post(_url("police_new", police_case), {**OFFICER, "officer_name": "Tom Reid", "based_on": 1})  # now 2
    r = client.post(_url("police_new", police_case), {**OFFICER, "officer_name": "Sam Cole", "based_on": 1})
    assert r.status_code == 400
    assert "Someone else changed the police details while you were typing" in r.text
    assert 'value="Sam Cole"' in r.text
    assert list(police_case.police_versions.values_list("officer_name", flat=True).order_by("version")) == [
        "Priya Shah",
        "Tom Reid",
    ]
    r = client.post(_url("police_new", police_case), {k: v for k, v in OFFICER.items() if k != "based_on"})
    assert r.status_code == 400 and "This form is out of date" in r.text


def test_bail_is_recorded_on_a_child_and_shown_with_its_end_date(client, world, police_case, second_child):
    sign_in(client, world.users["dsl_a"])
    until = timezone.localdate() + dt.timedelta(days=21)
    r = client.post(
        _url("bail_new", police_case),
        {"pupil": second_child.pk, "condition": "Not to contact the child affected.", "until": until.isoformat()},
    )
    bail = BailCondition.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"#bail-{bail.pk}")
    summary = client.get(_url("detail", police_case)).text
    assert f"Bail on Jordan Lee until {until:%-d %b %Y}: Not to contact the child affected." in summary


def test_bail_refuses_a_past_end_date_and_a_child_not_in_the_case(client, world, police_case, second_child):
    sign_in(client, world.users["dsl_a"])
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    r = client.post(_url("bail_new", police_case), {"pupil": second_child.pk, "condition": "Curfew.", "until": past})
    assert r.status_code == 400
    assert _error_beside(r.text, "bail-until").startswith("In force until: the date has passed.")
    assert "Curfew." in r.text  # kept as typed
    stranger = PupilFactory(school=world.school_a)
    future = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    r = client.post(_url("bail_new", police_case), {"pupil": stranger.pk, "condition": "Curfew.", "until": future})
    assert r.status_code == 400
    assert _error_beside(r.text, "bail-pupil") == "Child: choose a child in this case."
    assert not BailCondition.objects.exists()


def test_ending_and_varying_bail_each_have_their_own_page(client, world, police_case, bail):
    sign_in(client, world.users["dsl_a"])
    vary = client.get(_url("bail_vary", police_case, bail.pk))
    assert vary.status_code == 200 and "Not to contact the child affected" in vary.text
    later = (timezone.localdate() + dt.timedelta(days=60)).isoformat()
    r = client.post(
        _url("bail_vary", police_case, bail.pk),
        {"condition": "Not to contact her; not to enter the east block.", "until": later, "reason": ""},
    )
    assert r.status_code == 400 and _error_beside(r.text, "vary-reason").startswith("Why it changed")
    r = client.post(
        _url("bail_vary", police_case, bail.pk),
        {"condition": "Not to contact her; not to enter the east block.", "until": later, "reason": "Court varied it."},
    )
    varied = BailCondition.objects.get(varies=bail)
    assert r["Location"].endswith(f"#bail-{varied.pk}")
    assert client.get(_url("bail_end", police_case, bail.pk)).status_code == 404  # no longer in force
    r = client.post(_url("bail_end", police_case, varied.pk), {"reason": "Bail cancelled."})
    assert r.status_code == 302 and BailEnd.objects.get().bail == varied
    page = client.get(_url("police", police_case)).text
    assert "No bail conditions in force." in page and "Ended" in page and "Bail cancelled." in page


def test_charging_decision_and_court_date_show_in_the_summary(client, world, police_case, second_child):
    sign_in(client, world.users["dsl_a"])
    today = timezone.localdate()
    r = client.post(
        _url("charge_new", police_case),
        {"outcome": "released_under_investigation", "pupil": second_child.pk, "decided_on": today.isoformat()},
    )
    assert r.status_code == 302 and ChargingDecision.objects.count() == 1
    r = client.post(_url("charge_new", police_case), {"outcome": "", "decided_on": today.isoformat()})
    assert (
        r.status_code == 400 and _error_beside(r.text, "charge-outcome") == "Decision: choose what the police decided."
    )
    hearing = today + dt.timedelta(days=40)
    r = client.post(
        _url("court_new", police_case),
        {"on": hearing.isoformat(), "court": "Midshire Youth Court", "hearing": "First appearance"},
    )
    assert r.status_code == 302 and CourtDate.objects.count() == 1
    summary = client.get(_url("detail", police_case)).text
    assert f"Charging decision: Released under investigation, {today:%-d %b %Y}." in summary
    assert f"Next court date: {hearing:%-d %b %Y}, First appearance at Midshire Youth Court." in summary
    assert "released_under_investigation" not in summary.replace('value="released_under_investigation"', "")


@pytest.mark.parametrize("who", ["dsl_b", "staff_a", "admin_a", "trust_lead_a", "governor_a"])
def test_who_may_not_read_it_gets_404(client, world, police_case, investigation, bail, who):
    sign_in(client, world.users[who])
    for url in (
        _url("police", police_case),
        _url("police_new", police_case),
        _url("bail_new", police_case),
        _url("bail_end", police_case, bail.pk),
        _url("charge_new", police_case),
        _url("court_new", police_case),
    ):
        r = client.get(url)
        assert r.status_code == 404, url
        assert "MP/2026/004512" not in r.text
    r = client.post(_url("bail_end", police_case, bail.pk), {"reason": "Let me."})
    assert r.status_code == 404 and not BailEnd.objects.exists()


def test_the_head_reads_the_section_but_cannot_change_it(client, world, police_case, investigation, bail):
    sign_in(client, world.users["head_a"])
    page = client.get(_url("police", police_case))
    assert page.status_code == 200 and "MP/2026/004512" in page.text
    assert _url("bail_end", police_case, bail.pk) not in page.text
    assert client.get(_url("police_new", police_case)).status_code == 404
    assert client.post(_url("bail_end", police_case, bail.pk), {"reason": "x"}).status_code == 404


def test_a_restricted_case_is_404_to_a_dsl_not_named(client, world, police_case, investigation):
    from haven.cases.services import case_access_set

    case_access_set(
        by=world.users["dsl_a"],
        case=police_case,
        restricted=True,
        named_users=[world.users["dsl_a"]],
        shared_with_trust=False,
        version=police_case.version,
    )
    sign_in(client, world.users["deputy_a"])
    assert client.get(_url("police", police_case)).status_code == 404
    assert client.get(_url("police_new", police_case)).status_code == 404
    sign_in(client, world.users["dsl_a"])
    assert client.get(_url("police", police_case)).status_code == 200


def test_a_closed_case_takes_no_new_police_records(client, world, police_case):
    from haven.cases.models import Case

    Case.objects.filter(pk=police_case.pk).update(status=Case.Status.CLOSED)  # closing has its own tests
    sign_in(client, world.users["dsl_a"])
    r = client.post(_url("police_new", police_case), OFFICER)
    assert r.status_code == 400 and "This case is closed" in r.text
    assert not Investigation.objects.exists()
    assert "Record the police investigation" not in client.get(_url("police", police_case)).text


def test_the_police_section_and_summary_cost_the_same_queries_with_more_records(
    client, world, police_case, investigation, bail, second_child, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from haven.police import services

    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    urls = [_url("police", police_case), _url("detail", police_case)]
    counts = []
    for url in urls:
        with CaptureQueriesContext(connection) as few:
            assert client.get(url).status_code == 200
        counts.append(len(few))
    today = timezone.localdate()
    for n in range(3):
        services.investigation_record(
            by=dsl,
            case=police_case,
            force="Midshire Police",
            officer_name=f"Officer {n}",
            phone="01632 960 123",
            crime_reference="MP/2026/004512",
        )
        extra = services.bail_condition_record(
            by=dsl, case=police_case, pupil=second_child, condition=f"Condition {n}", until=today + dt.timedelta(days=9)
        )
        services.bail_condition_end(by=dsl, bail=extra, reason="Cancelled.")
        services.charging_decision_record(by=dsl, case=police_case, outcome="awaiting", decided_on=today)
        services.court_date_record(by=dsl, case=police_case, on=today, court="Youth Court", hearing=f"Hearing {n}")
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
