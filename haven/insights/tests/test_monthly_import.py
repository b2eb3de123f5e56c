"""The monthly counts import reads what was counted each month from a ``measure`` or a
``category`` column, refuses columns it does not read, skips # comments, and the table cuts
a period at each change of measure with a subtotal for each part (the county review's two
periods: SHB 2.3 %, then SV&H 4.1 %; 3.1 % across both is not like for like)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import sign_in
from haven.insights import selectors
from haven.insights.models import Enquiry, MonthlyCount

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"


def _upload(client, content: bytes):
    return client.post(
        reverse("insights:import"), {"kind": "monthly", "file": SimpleUploadedFile("months.csv", content, "text/csv")}
    )


def _both_periods_with_a_category_column() -> bytes:
    """The review's two tables as one file, the measure in a column named ``category``."""
    lines = ["# The county review's tables 1 and 2, as one file", "Month,Total,Sexual,Category"]
    for name, measure in (("esas_shb_2020_21.csv", "SHB"), ("esas_svh_2021.csv", "SV&H")):
        for row in list(csv.reader(io.StringIO((DATA / name).read_text())))[1:]:
            if not row[0].startswith("TOTAL"):
                lines.append(f"{row[0]},{row[1]},{row[2]},{measure}")
        lines.append(f"# end of the {measure} table")
    return ("\n".join(lines) + "\n").encode()


def test_the_category_column_names_the_measure_of_each_month(client, world):
    sign_in(client, world.users["la_officer_a"])
    assert _upload(client, _both_periods_with_a_category_column()).status_code == 302
    measures = dict(MonthlyCount.objects.values_list("month", "measure"))
    assert len(measures) == 16
    assert measures[dt.date(2021, 4, 1)] == "SHB"
    assert measures[dt.date(2021, 5, 1)] == "SV&H"


def test_a_period_across_the_change_has_a_subtotal_for_each_measure(client, world):
    sign_in(client, world.users["la_officer_a"])
    assert _upload(client, _both_periods_with_a_category_column()).status_code == 302
    table = selectors.monthly_table(world.authority, dt.date(2020, 9, 1), dt.date(2021, 12, 1))
    assert [(p.measure, p.first, p.last, p.total, p.sexual, p.percent) for p in table.parts] == [
        ("SHB", dt.date(2020, 9, 1), dt.date(2021, 4, 1), 2942, 67, Decimal("2.3")),
        ("SV&H", dt.date(2021, 5, 1), dt.date(2021, 12, 1), 2623, 107, Decimal("4.1")),
    ]
    assert (table.total, table.sexual, table.percent) == (5565, 174, Decimal("3.1"))

    html = client.get(reverse("insights:monthly") + "?from=2020-09&to=2021-12").content.decode()
    assert "Subtotal, SHB: September 2020 to April 2021</th><td>2942</td><td>67 (SHB)</td><td>2.3%</td>" in html
    assert "Subtotal, SV&amp;H: May 2021 to December 2021</th><td>2623</td><td>107 (SV&amp;H)</td><td>4.1%" in html
    assert html.index("April 2021</th><td>227") < html.index("Subtotal, SHB") < html.index("May 2021</th><td>398")
    assert "across a change of measure" in html and "3.1%" in html

    body = client.get(reverse("insights:monthly") + "?from=2020-09&to=2021-12&format=csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[8] == ["April 2021", "227", "8", "SHB", "3.5"]
    assert rows[9] == ["Subtotal: SHB, September 2020 to April 2021", "2942", "67", "SHB", "2.3"]
    assert rows[10] == ["May 2021", "398", "12", "SV&H", "3.0"]
    assert rows[18] == ["Subtotal: SV&H, May 2021 to December 2021", "2623", "107", "SV&H", "4.1"]
    assert rows[19] == ["Total", "5565", "174", "", "3.1"]


def test_one_measure_has_no_subtotal(client, world):
    sign_in(client, world.users["la_officer_a"])
    assert _upload(client, (DATA / "esas_svh_2021.csv").read_bytes()).status_code == 302
    html = client.get(reverse("insights:monthly") + "?from=2021-05&to=2021-12").content.decode()
    assert "Subtotal" not in html
    body = client.get(reverse("insights:monthly") + "?from=2021-05&to=2021-12&format=csv").content.decode("utf-8-sig")
    assert "Subtotal" not in body


def test_an_unknown_column_is_refused_by_name_and_nothing_is_imported(client, world):
    sign_in(client, world.users["la_officer_a"])
    data = (
        b"# from the old spreadsheet\nMonth,Total,SV&H,Catgory,Notes\nMay 2021,398,12,SV&H,\nJune 2021,366,16,SV&H,ok\n"
    )
    response = _upload(client, data)
    assert response.status_code == 400
    problems = response.context["problems"]
    assert "Line 2: Haven does not read a column called “Catgory”." in problems
    assert "Line 2: Haven does not read a column called “Notes”." in problems
    assert "Catgory" in response.content.decode()
    assert not MonthlyCount.objects.exists()


def test_a_percentage_column_from_the_review_is_read_past(client, world):
    sign_in(client, world.users["la_officer_a"])
    assert _upload(client, b"Month,Total,SV&H,Per cent\nMay 2021,398,12,9\n").status_code == 302
    assert MonthlyCount.objects.get().sexual == 12


def test_comment_lines_are_skipped_and_problems_name_the_line_in_the_file(client, world):
    sign_in(client, world.users["la_officer_a"])
    data = b"# Source: the review\n\nMonth,Total,SV&H\n# May was a short month\nMay 2021,398,12\nJune 2021,lots,16\n"
    response = _upload(client, data)
    assert response.status_code == 400
    assert response.context["problems"] == ["Line 6: the total must be a whole number (at most 9 digits), not “lots”."]
    assert not MonthlyCount.objects.exists()

    data = data.replace(b"lots", b"366")
    assert _upload(client, data).status_code == 302
    assert sorted(MonthlyCount.objects.values_list("month", "total")) == [
        (dt.date(2021, 5, 1), 398),
        (dt.date(2021, 6, 1), 366),
    ]


def test_a_file_of_only_comments_is_empty(client, world):
    sign_in(client, world.users["la_officer_a"])
    response = _upload(client, b"# nothing yet\n# still nothing\n")
    assert response.status_code == 400
    assert response.context["problems"] == ["The file is empty."]


def test_the_enquiry_rows_import_refuses_an_unknown_column_too(client, world):
    sign_in(client, world.users["la_officer_a"])
    header = "date,school_urn,caller_role,channel,categories,summary,advice,child_name\n"
    line = f"2021-05-04,{world.school_a.urn},dsl,phone,sexual_harassment,Comments in class.,Talk to both families.,x\n"
    response = client.post(
        reverse("insights:import"),
        {"kind": "enquiries", "file": SimpleUploadedFile("e.csv", (header + line).encode(), "text/csv")},
    )
    assert response.status_code == 400
    assert response.context["problems"][0] == "Line 1: Haven does not read a column called “child_name”."
    assert "follow_up_on" in response.context["problems"][1]
    assert not Enquiry.objects.exists()
