"""The enquiry log: the county review's two monthly tables through the import, enquiries
without children's names, line-numbered atomic imports, CSV out, and who may open it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.concerns.models import Category
from haven.insights import selectors, services
from haven.insights.models import Enquiry, MonthlyCount

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def _upload(client, kind: str, content: bytes, name: str = "data.csv"):
    return client.post(
        reverse("insights:import"), {"kind": kind, "file": SimpleUploadedFile(name, content, "text/csv")}
    )


def test_the_reviews_tables_give_correct_percentages_and_totals(client, world):
    officer = world.users["la_officer_a"]
    sign_in(client, officer)
    for name in ("esas_shb_2020_21.csv", "esas_svh_2021.csv"):
        assert _upload(client, "monthly", (DATA / name).read_bytes()).status_code == 302
    assert MonthlyCount.objects.count() == 16

    first = selectors.monthly_table(world.authority, dt.date(2020, 9, 1), dt.date(2021, 4, 1))
    assert (first.total, first.sexual, first.percent) == (2942, 67, Decimal("2.3"))
    assert [r.percent for r in first.rows] == [
        Decimal(x) for x in ["3.7", "2.0", "2.2", "1.3", "0.0", "0.7", "3.6", "3.5"]
    ]
    second = selectors.monthly_table(world.authority, dt.date(2021, 5, 1), dt.date(2021, 12, 1))
    assert (second.total, second.sexual, second.percent) == (2623, 107, Decimal("4.1"))
    # The review printed 9 % for November 2021 and 7 % for December: 18 of 400 is 4.5 %, 15 of 222 is 6.8 %.
    by_month = {r.month: r.percent for r in second.rows}
    assert by_month[dt.date(2021, 11, 1)] == Decimal("4.5")
    assert by_month[dt.date(2021, 12, 1)] == Decimal("6.8")
    assert second.notes == []

    both = client.get(reverse("insights:monthly") + "?from=2020-09&to=2021-12")
    html = both.content.decode()
    assert "5565" in html and "174" in html and "3.1%" in html
    notes = " ".join(both.context["table"].notes)
    assert "SHB (September 2020 to April 2021); then SV&H (May 2021 to December 2021)" in notes
    assert "Sexual violence” was not a recording option until May 2021" in notes

    csv_rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("insights:monthly") + "?from=2021-05&to=2021-12&format=csv").content.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert csv_rows[1] == ["May 2021", "398", "12", "SV&H", "3.0"]
    assert csv_rows[-1] == ["Total", "2623", "107", "", "4.1"]


def test_a_bad_monthly_file_imports_nothing_and_names_each_line(client, world):
    sign_in(client, world.users["la_officer_a"])
    bad = b"Month,Total,SV&H\nMay 2021,398,12\nAugust,55,1\nJune 2021,366,400\nJuly 2021,lots,2\nMay 2021,1,1\n"
    response = _upload(client, "monthly", bad)
    assert response.status_code == 400
    problems = response.context["problems"]
    assert any(p.startswith("Line 3:") and "August" in p for p in problems)
    assert any(p.startswith("Line 4:") and "more than the total" in p for p in problems)
    assert any(p.startswith("Line 5:") and "whole number" in p for p in problems)
    assert any(p.startswith("Line 6:") and "line 2" in p for p in problems)
    assert not MonthlyCount.objects.exists()


def _enquiry(world, **kw):
    data = {
        "by": world.users["la_officer_a"],
        "authority": world.authority,
        "school": world.school_a,
        "at": timezone.now() - dt.timedelta(minutes=1),  # in this month, bar its first minute
        "caller_role": "dsl",
        "channel": "phone",
        "category_ids": [Category.objects.get(code="sexual_harassment").pk],
        "summary": "A Year 9 girl was sent sexual comments in a group chat; the DSL asked about a risk assessment.",
        "advice": "Talk to both families, follow the safety plan template, consider a referral to MASH.",
    }
    data.update(kw)
    return services.enquiry_record(**data)


def test_logged_enquiries_count_in_their_month(world):
    _enquiry(world)
    _enquiry(world, category_ids=[Category.objects.get(code="bullying").pk])
    month = timezone.localdate().replace(day=1)
    table = selectors.monthly_table(world.authority, month, month)
    assert [(r.total, r.sexual, r.percent) for r in table.rows] == [(2, 1, Decimal("50.0"))]


def test_the_form_refuses_a_childs_name_until_it_is_taken_out(client, world):
    pupil = world.pupils["a"]
    sign_in(client, world.users["la_officer_a"])
    then = timezone.localtime() - dt.timedelta(minutes=30)  # whatever the time of day the test runs
    post = {
        "school": world.school_a.pk,
        "day": then.date().isoformat(),
        "time": then.strftime("%H:%M"),
        "caller_role": "dsl",
        "channel": "phone",
        "categories": [Category.objects.get(code="bullying").pk],
        "summary": f"The DSL rang about {pupil.legal_forename.upper()} {pupil.legal_surname}, UPN {pupil.upn}.",
        "advice": "Keep a chronology.",
    }
    response = client.post(reverse("insights:enquiry_new"), post)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Take out anything that could identify a child" in html
    assert pupil.upn in html and "Keep a chronology." in html  # kept as typed
    assert not Enquiry.objects.exists()
    # Confirming the name is not enough while the UPN is there.
    names = [f.term for f in response.context["flags"] if f.confirmable]
    assert client.post(reverse("insights:enquiry_new"), {**post, "confirmed": names}).status_code == 400
    post["summary"] = "The DSL rang about a Year 7 boy who is being left out at lunch."
    response = client.post(reverse("insights:enquiry_new"), post)
    assert response.status_code == 302
    enquiry = Enquiry.objects.get()
    assert enquiry.recorded_by == world.users["la_officer_a"]
    page = client.get(reverse("insights:enquiry", args=[enquiry.pk])).content.decode()
    assert "left out at lunch" in page


def test_an_enquiry_import_is_atomic_with_line_numbers(client, world):
    sign_in(client, world.users["la_officer_a"])
    pupil = world.pupils["a"]
    header = "date,time,school_urn,caller_role,channel,categories,summary,advice,risk_assessment,follow_up_on\n"
    good = f"2021-05-04,10:00,{world.school_a.urn},dsl,phone,sexual_harassment,A Year 10 boy was upskirted.,Report it.,yes,\n"
    lines = (
        header
        + good
        + (
            f"2021-05-05,11:00,999999,dsl,phone,bullying,Name-calling.,Talk to parents.,no,\n"
            f"2021-04-05,11:00,{world.school_a.urn},dsl,phone,sexual_harassment,Comments.,Advice.,no,\n"
            f"2021-05-06,11:00,{world.school_a.urn},dsl,fax,bullying,About {pupil.legal_forename} {pupil.legal_surname}.,Advice.,maybe,\n"
        )
    )
    response = _upload(client, "enquiries", lines.encode())
    assert response.status_code == 400
    problems = response.context["problems"]
    assert [p.split(":")[0] for p in problems] == ["Line 3", "Line 4", "Line 5"]
    assert "999999" in problems[0]
    assert "not in use on that date" in problems[1]  # sexual harassment became a category in May 2021
    assert "fax" in problems[2] and "identify a child" in problems[2] and "yes or no" in problems[2]
    assert not Enquiry.objects.exists()
    assert _upload(client, "enquiries", (header + good).encode()).status_code == 302
    assert Enquiry.objects.get().risk_assessment_supported is True
    exported = client.get(reverse("insights:enquiries") + "?format=csv").content.decode("utf-8-sig")
    assert "A Year 10 boy was upskirted." in exported and world.school_a.urn in exported


@pytest.mark.parametrize("user", ["staff_a", "dsl_a", "head_a", "governor_a", "admin_a", "trust_lead_a", "trustee_a"])
def test_only_advice_officers_open_the_log(client, world, user):
    enquiry = _enquiry(world)
    sign_in(client, world.users[user])
    for url in (
        reverse("insights:enquiries"),
        reverse("insights:enquiry_new"),
        reverse("insights:monthly"),
        reverse("insights:import"),
        reverse("insights:enquiry", args=[enquiry.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_another_authoritys_officer_sees_none_of_it(client, world):
    enquiry = _enquiry(world)
    sign_in(client, world.users["la_officer_m"])
    assert client.get(reverse("insights:enquiry", args=[enquiry.pk])).status_code == 404
    assert enquiry.summary not in client.get(reverse("insights:enquiries")).content.decode()


def test_the_list_reads_in_constant_queries(client, world, django_assert_max_num_queries):
    for _ in range(3):
        _enquiry(world)
    sign_in(client, world.users["la_officer_a"])
    client.get(reverse("insights:enquiries"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("insights:enquiries"))
    for _ in range(10):
        _enquiry(world, category_ids=[Category.objects.get(code="bullying").pk])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("insights:enquiries"))
