"""/insights/: roll-ups kept exact as concerns arrive, each role's scope, suppression of
small numbers outside a school, no child named, signals, CSV, constant queries."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.insights import rollups
from haven.insights.dashboard import signals_for
from haven.insights.models import ConcernRollup, SchoolMonthRollup
from haven.testing import factories as f

pytestmark = pytest.mark.django_db


def _numbers(html: str) -> list[int]:
    cells = re.findall(r"<td>([^<]*)</td>", html)
    return [int(c.replace(",", "")) for c in cells if c.replace(",", "").isdigit()]


@pytest.fixture
def concerns(world, make_concern, django_capture_on_commit_callbacks):
    """Three concerns at school A this month, one at school B: their roll-ups refreshed on commit."""
    # A day ago, or halfway back to the start of the month on its first day: always this month.
    now = timezone.localtime()
    month_start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    ago = min(1.0, (now - month_start).total_seconds() / 86400 / 2)
    with django_capture_on_commit_callbacks(execute=True):
        made = [make_concern(days_ago=ago) for _ in range(2)]
        made.append(make_concern(days_ago=ago, codes=("sexual_harassment",), location="toilets"))
        pupil_b = f.PupilFactory(school=world.school_b)
        made.append(make_concern(children=[(pupil_b, "affected")], by=world.users["staff_b"], days_ago=ago))
    return made


def test_the_rollups_follow_the_concerns_and_match_a_rebuild(world, concerns):
    incremental = sorted(
        ConcernRollup.objects.values_list("school_id", "month", "family", "location", "sexual", "concerns")
    )
    assert sum(r[-1] for r in incremental) == 4
    rollups.rebuild()
    assert (
        sorted(ConcernRollup.objects.values_list("school_id", "month", "family", "location", "sexual", "concerns"))
        == incremental
    )


def test_a_dsl_sees_their_own_school_exactly(client, world, concerns):
    sign_in(client, world.users["dsl_a"])
    response = client.get(reverse("insights"))
    assert response.status_code == 200
    by_kind = response.context["board"].table("kind")
    assert by_kind.published.total.value == 3
    assert "<5" not in response.content.decode()
    assert world.school_b.name not in response.content.decode()


@pytest.mark.parametrize("user", ["la_officer_a", "trust_lead_a", "trustee_a"])
def test_outside_a_school_small_counts_are_hidden_and_no_child_is_named(client, world, concerns, user):
    sign_in(client, world.users[user])
    response = client.get(reverse("insights"))
    assert response.status_code == 200
    html = response.content.decode()
    assert all(n == 0 or n >= 5 for n in _numbers(html)), "a count from 1 to 4 is shown"
    assert "&lt;5" in html
    for pupil in world.pupils.values():
        for ident in (pupil.upn, pupil.legal_surname, pupil.display_name):
            assert ident not in html
    for table in response.context["board"].tables:
        for _, cells, total in table.rows:
            assert all(c.value is None or c.value == 0 or c.value >= 5 for c in (*cells, total))


def test_a_trust_lead_sees_only_the_trusts_schools(client, world, concerns):
    sign_in(client, world.users["trust_lead_a"])
    board = client.get(reverse("insights")).context["board"]
    assert [s.name for s in board.schools] == [world.school_a.name]
    client.logout()
    sign_in(client, world.users["la_officer_a"])
    board = client.get(reverse("insights")).context["board"]
    assert {s.name for s in board.schools} == {world.school_a.name, world.school_b.name}
    assert world.school_m.name not in {s.name for s in board.schools}


@pytest.mark.parametrize("user", ["staff_a", "admin_a", "governor_a", "trust_admin_a", "nobody"])
def test_others_have_no_dashboard(client, world, user):
    sign_in(client, world.users[user])
    assert client.get(reverse("insights")).status_code == 404


def test_the_filters_and_the_csv(client, world, concerns):
    sign_in(client, world.users["dsl_a"])
    month = timezone.localdate().replace(day=1)
    url = reverse("insights") + f"?from={month:%Y-%m}&to={month:%Y-%m}&family=sexual_harassment"
    board = client.get(url).context["board"]
    assert board.table("kind").published.total.value == 1
    rows = list(csv.reader(io.StringIO(client.get(url + "&csv=place").content.decode("utf-8-sig"))))
    assert rows[0] == ["", "Concerns", "Total"]
    assert ["Toilets", "1", "1"] in rows
    assert client.get(url + "&csv=nothing").status_code == 404


def test_the_page_reads_in_constant_queries(
    client, world, make_concern, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    sign_in(client, world.users["la_officer_a"])
    client.get(reverse("insights"))
    with django_assert_max_num_queries(40) as few:
        client.get(reverse("insights"))
    for i in range(3):  # more schools in the county: still the same queries
        school = f.SchoolFactory(name=f"Extra {i}", urn=f"16000{i}", authority=world.authority)
        f.PupilFactory(school=school)
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(12):
            make_concern(days_ago=1 + n * 20, location=["corridor", "toilets", "playground"][n % 3])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("insights"))


def test_a_spike_and_under_recording_are_signalled(world):
    today = dt.date(2026, 11, 20)
    schools = [world.school_a, world.school_b]
    for i in range(3):
        schools.append(f.SchoolFactory(name=f"Peer {i}", urn=f"15000{i}", authority=world.authority))
    for s in schools:
        for _ in range(20):
            f.PupilFactory(school=s)
    for m in range(1, 12):
        month = (dt.date(2025, 11, 1) + dt.timedelta(days=31 * m)).replace(day=1)
        for s in schools[1:]:
            spike = s == schools[1] and month == dt.date(2026, 10, 1)
            SchoolMonthRollup.objects.create(school=s, month=month, sexual=False, concerns=30 if spike else 3)
    found = signals_for(schools, today)
    assert any(s.startswith(f"{world.school_b.name}: 30 concerns in October 2026") for s in found)
    assert any(s.startswith(f"{world.school_a.name}: 0.0 concerns per 100 pupils") for s in found)


@pytest.mark.parametrize("user", ["dsl_a", "trust_lead_a", "la_officer_a"])
def test_the_termly_report_compares_a_year_before_and_prints(client, world, concerns, user):
    from pypdf import PdfReader

    sign_in(client, world.users[user])
    response = client.get(reverse("insights_report"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Concerns recorded" in html and "A year before" in html
    # Even a school's own report is suppressed: governors read it.
    assert all(n == 0 or n >= 5 for n in _numbers(html))
    for pupil in world.pupils.values():
        assert pupil.legal_surname not in html
    pdf = client.get(reverse("insights_report_pdf"))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Safeguarding report for governors" in text and "Page 1 of" in text
    assert client.get(reverse("insights_report") + "?term=2025-summer").context["report"].label == "Summer term 2025"


@pytest.mark.parametrize("user", ["staff_a", "admin_a", "governor_a"])
def test_no_report_for_others(client, world, user):
    sign_in(client, world.users[user])
    assert client.get(reverse("insights_report")).status_code == 404
    assert client.get(reverse("insights_report_pdf")).status_code == 404


def test_the_county_reads_area_rollups_that_agree_with_every_schools(
    world, make_concern, django_capture_on_commit_callbacks
):
    """An authority's dashboard reads the area roll-ups (no school in them); they must give
    exactly what adding up every school's roll-ups gives, filtered or not, as records change."""
    from django.db.models import Sum

    from haven.insights.dashboard import Filters, Scope, dashboard_for
    from haven.insights.models import AreaChildRollup, AreaConcernRollup, ChildRollup, SchoolMonthRollup
    from haven.organisations.models import School

    second = f.SchoolFactory(name="Brook Primary", urn="170001", authority=world.authority, phase="primary")
    staff_second = f.UserFactory()
    f.MembershipFactory(user=staff_second, school=second, role="staff")
    for days, codes, place in ((3, ("bullying",), "corridor"), (40, ("sexual_harassment",), "toilets")):
        make_concern(days_ago=days, codes=codes, location=place)
    pupil = f.PupilFactory(school=second, year_group="4")
    make_concern(
        children=[(pupil, "affected")],
        by=staff_second,
        days_ago=5,
        codes=("online_bullying",),
        location="online",
        online_platform="Snapchat",
    )
    rollups.rebuild()

    assert (
        AreaConcernRollup.objects.aggregate(n=Sum("concerns"))["n"]
        == ConcernRollup.objects.filter(school__authority=world.authority).aggregate(n=Sum("concerns"))["n"]
        == 3
    )
    assert (
        AreaChildRollup.objects.aggregate(n=Sum("children"))["n"]
        == ChildRollup.objects.filter(school__authority=world.authority).aggregate(n=Sum("children"))["n"]
    )
    assert SchoolMonthRollup.objects.aggregate(n=Sum("concerns"))["n"] == 3

    today = timezone.localdate()
    schools = School.objects.filter(authority=world.authority)
    county = Scope("authority", "County", schools, world.authority.pk)
    by_school = Scope("trust", "Same schools", schools)  # no authority: reads every school's roll-ups
    start = (today - dt.timedelta(days=120)).replace(day=1)
    for filters in (
        Filters(start, today),
        Filters(start, today, phase="primary"),
        Filters(start, today, family="sexual_harassment"),
        Filters(start, today, school=second.pk),
    ):
        a = dashboard_for(county, filters, suppressed=False)
        b = dashboard_for(by_school, filters, suppressed=False)
        for key in ("month", "school", "kind", "place", "children", "needs"):
            assert a.table(key).counts == b.table(key).counts, (filters, key)
    published = dashboard_for(county, Filters(start, today), suppressed=False).table("kind").published
    assert published is not None
    assert published.total.value == 3

    # A concern recorded later reaches the area roll-ups through the ordinary refresh.
    with django_capture_on_commit_callbacks(execute=True):
        make_concern(days_ago=2, codes=("physical",), location="playground")
    assert AreaConcernRollup.objects.aggregate(n=Sum("concerns"))["n"] == 4
    assert AreaConcernRollup.objects.filter(family="physical", location="playground").get().concerns == 1


def test_pupil_reports_are_counted_by_where_they_stand(client, world):
    from haven.pupil_voice.services import report_close, report_submit

    made = [
        report_submit(school=world.school_a, what_happened=f"Someone took my bag, time {i}.").report for i in range(7)
    ]
    report_close(by=world.users["dsl_a"], report=made[0], reason="Spoken to the pupil; sorted.")
    report_submit(school=world.school_b, what_happened="Names in the corridor.")

    sign_in(client, world.users["dsl_a"])
    table = client.get(reverse("insights")).context["board"].table("pupil_reports")
    assert [c.value for c in table.published.column_totals] == [0, 1, 6]  # own school only, exactly
    assert table.published.total.value == 7

    client.logout()
    sign_in(client, world.users["la_officer_a"])
    table = client.get(reverse("insights")).context["board"].table("pupil_reports")
    shown = [str(c) for c in table.published.column_totals]
    assert shown[1] in ("<5", "[c]") and shown[2] not in ("6", "7")  # 1 closed cannot be shown or worked out
    assert str(table.published.total) == "8"


def test_names_in_the_county_tables_are_shown_inert(client, world):
    """The county's rows, bars and school options are template loops: every name is escaped
    by the template, exactly once (never raw, never twice)."""
    school = f.SchoolFactory(name='<script>alert("x")</script> & Co', urn="170009", authority=world.authority)
    sign_in(client, world.users["la_officer_a"])
    html = client.get(reverse("insights") + f"?school={school.pk}").content.decode()
    escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"
    assert "<script>alert" not in html and "&amp;lt;" not in html and "&amp;amp;" not in html
    assert f'<option value="{school.pk}" selected>{escaped}</option>' in html  # the filter, chosen
    html = client.get(reverse("insights")).content.decode()
    assert "<script>alert" not in html and "&amp;lt;" not in html and "&amp;amp;" not in html
    assert f'<option value="{school.pk}">{escaped}</option>' in html  # the filter
    assert (
        f'<tr><th scope="row">{escaped}</th><td>0</td><td>0</td><td>0</td><td class="rate">–</td></tr>' in html
    )  # no pupils: no rate
    assert f'<text x="0" y="16" fill="#111">{escaped}</text>' in html  # the bar's label (32 characters: whole)


def test_the_rebuild_command_says_how_far_it_has_got(world, concerns):
    from django.core.management import call_command

    from haven.insights.models import AreaConcernRollup

    AreaConcernRollup.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("  1 of 2 schools") and lines[1].startswith("  2 of 2 schools")
    assert lines[-1].startswith("Roll-ups rebuilt:")
    assert sum(AreaConcernRollup.objects.values_list("concerns", flat=True)) == 4  # both schools' authorities


def test_survey_results_are_on_the_dashboards_with_small_rounds_hidden(client, world):
    from haven.pupil_voice.tests.survey_helpers import BAD, GOOD, close, open_survey, seed

    county = open_survey(world.users["la_officer_a"], [world.school_a, world.school_b], title="Autumn survey")
    seed(county, world.school_a, 15, answers=GOOD)
    seed(county, world.school_a, 5, answers=BAD)
    seed(county, world.school_b, 4, answers=BAD)
    close(county)

    sign_in(client, world.users["dsl_a"])
    response = client.get(reverse("insights"))
    panel = response.context["board"].survey
    assert [heading for _, heading in panel.rounds] == [f"Autumn survey ({county.opens_on:%b %Y})"]
    assert panel.answers == [20]  # school A's only
    assert panel.csv_rows()[1] == ["Feel safe at school (very or mostly)", "75%"]
    html = response.content.decode()
    assert "How pupils feel: culture surveys" in html and "<td>75%</td>" in html
    rows = list(csv.reader(io.StringIO(client.get(reverse("insights") + "?csv=survey").content.decode("utf-8-sig"))))
    assert rows[-1] == ["Answers", "20"]

    client.logout()
    sign_in(client, world.users["la_officer_a"])
    board = client.get(reverse("insights")).context["board"]
    assert board.survey.answers == [24]  # both schools together: 15 good of 24
    assert board.survey.csv_rows()[1][1] == "62%"
    # One school (or phase) beside the whole would give away school B's 4 answers: no panel.
    response = client.get(reverse("insights") + f"?school={world.school_a.pk}")
    assert response.context["board"].survey is None
    assert "62%" not in response.content.decode() and "75%" not in response.content.decode()
    assert client.get(reverse("insights") + "?phase=secondary").context["board"].survey is None
    assert client.get(reverse("insights") + f"?school={world.school_a.pk}&csv=survey").status_code == 404
    report = client.get(reverse("insights_report")).content.decode()
    assert "How pupils feel" in report and "<td>62%</td>" in report
    # The survey's chart and table are template loops, the round's title escaped once.
    county.title = "Autumn <b>& survey"
    county.save(update_fields=["title"])
    html = client.get(reverse("insights")).content.decode()
    heading = f"Autumn &lt;b&gt;&amp; survey ({county.opens_on:%b %Y})"
    assert f'<th scope="col">{heading}</th>' in html and "<b>&" not in html and "&amp;lt;" not in html
    assert f'<text x="8" y="43" fill="#111">{heading}: ' in html  # the bar's line, the round's title whole
    assert '<tr><th scope="row">Feel safe at school (very or mostly)</th><td>62%</td>' in html


@pytest.mark.parametrize("user", ["la_officer_a", "trust_lead_a"])
def test_rates_per_thousand_pupils_on_roll_sit_beside_the_counts_and_hide_with_them(
    client, world, make_concern, django_capture_on_commit_callbacks, user
):
    from haven.people.models import Pupil

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            make_concern(days_ago=1)
        make_concern(days_ago=1, codes=("sexual_harassment",))  # one: "<5"
    sign_in(client, world.users[user])
    response = client.get(reverse("insights"))
    html = response.content.decode()
    assert "Per 1,000 pupils</th>" in html
    board = response.context["board"]
    schools = board.scope.schools
    roll = Pupil.objects.filter(school__in=schools, left_on__isnull=True).count()
    assert roll > 0
    for key in ("month", "kind", "place", "school"):
        table = board.table(key)
        assert table.roll == roll
        for label, _, total, rate in table.rated_rows:
            if total.hidden:
                assert rate == str(total), f"{key} {label}: the rate of a hidden count gives it away"
            elif key != "school":
                assert rate == f"{1000 * total.value / roll:,.1f}"
        published = table.published
        assert table.total_rate == (
            str(published.total) if published.total.hidden else f"{1000 * published.total.value / roll:,.1f}"
        )
    # By school, each school's own roll.
    by_school = board.table("school")
    for school, (_, _, total, rate) in zip(board.schools, by_school.rated_rows, strict=True):
        own = Pupil.objects.filter(school=school, left_on__isnull=True).count()
        if not total.hidden:
            assert rate == (f"{1000 * total.value / own:,.1f}" if own else "–")
    # The kind table: 6 bullying concerns shown, and its rate; the 1 about sexual harassment hidden, its rate too.
    kind = {label: (total, rate) for label, _, total, rate in board.table("kind").rated_rows}
    hidden = [rate for total, rate in kind.values() if total.hidden]
    assert hidden and all(r in ("<5", "[c]") for r in hidden)
    csv_text = client.get(reverse("insights"), {"csv": "kind"}).content.decode()
    assert "Per 1,000 pupils on roll" in csv_text.splitlines()[0]


def test_a_schools_own_dashboard_has_no_rates(client, world, concerns):
    sign_in(client, world.users["dsl_a"])
    response = client.get(reverse("insights"))
    assert "Per 1,000 pupils" not in response.content.decode()
    assert not response.context["board"].table("month").with_rates
