"""The printed plan is Annex A's tables under a header block for the child; the child's own
page prints plain, with none of the staff record's stamps."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from conftest import sign_in
from haven.cases.services import parents_informed_record
from haven.safety_plans.services import plan_create
from haven.safety_plans.views import plan_pdf_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world, plan_case):
    dsl = world.users["dsl_a"]
    parents_informed_record(
        by=dsl,
        case=plan_case,
        pupil=world.pupils["a"],
        informed=True,
        informed_on=timezone.localdate() - dt.timedelta(days=1),
    )
    return plan_create(
        by=dsl,
        case=plan_case,
        pupil=world.pupils["a"],
        content={
            "referrer_name_role": "Staff A, teacher",
            "schools_affected": world.school_a.name,
            "review_date": timezone.localdate() + dt.timedelta(days=10),
            "considerations": {
                "incident": {"text": "Comments in the corridor about her body."},
                "threat": {"answer": "yes", "notes": "He said he would share a photo."},
            },
            "risky_places": "The corridor by the science labs.",
            "worried_about": "Some children said unkind things to you.",
            "go_to": "Ms Patel.",
        },
        risk_lines=[
            {"hazard": "Comments between lessons", "hazard_rating": 2, "likelihood": 4, "measures": "Staff on duty"},
            {"hazard": "Group chat messages", "hazard_rating": 3, "likelihood": 6, "contingency": "Tell CEOP"},
        ],
    )


def _text(response) -> str:
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(response.content)).pages
    return " ".join(" ".join(p.extract_text() for p in pages).split())


def test_the_pdf_has_the_childs_header_block_and_annex_a_tables(client, world, plan):
    pupil = world.pupils["a"]
    sign_in(client, world.users["dsl_a"])
    text = _text(client.get(reverse("safety_plans:pdf", args=[plan.pk])))
    for expected in (
        pupil.display_name,
        f"Date of birth {pupil.date_of_birth:%-d %b %Y}",
        f"UPN {pupil.upn}",
        world.school_a.name,
        "Version 1",
        f"Review date {plan.review_date:%-d %b %Y}",
        "Basic information",
        "Action taken by school",
        "Actions Yes/No Date Notes",
        f"Parents informed Yes {timezone.localdate() - dt.timedelta(days=1):%-d %b %Y}",
        "When creating a safety plan, DSLs should consider",
        "What is the incident? Comments in the corridor about her body.",
        "Yes He said he would share a photo.",
        "Needs Supportive factors Actions",
        "The corridor by the science labs.",
        "Measures of control",
        "Contingency plan",
        "8 MEDIUM",
        "18 HIGH",
        "12 – 18 = HIGH",
        "Young person's views",
        "Parents' or carers' views",
        # The staff record's marks.
        "CONFIDENTIAL",
        f"by {world.users['dsl_a'].full_name}",
        "Page 1 of",
    ):
        assert expected in text, expected


def test_the_pdf_is_rendered_from_tables_with_headers(world, plan):
    from haven.safety_plans.selectors import current_version_get

    html = render_to_string(
        "safety_plans/plan_pdf.html",
        {
            "school_name": "x",
            "printed_at": timezone.now(),
            "printed_by": "x",
            **plan_pdf_context(plan, current_version_get(plan)),
        },
    )
    assert '<table class="header-block annex">' in html
    assert html.count('<table class="annex') == 10  # Annex A's tables, the key and the child's page
    for header in ("Actions", "A hazard rating", "B likelihood", "C A × B = risk", "Measures of control"):
        assert f">{header}</th>" in html, header
    assert 'class="yn">Yes/No</th>' in html
    assert '<th scope="row">Date of birth</th>' in html and '<th scope="row">UPN</th>' in html


def test_the_childs_page_prints_without_staff_stamps(client, world, plan):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    text = _text(client.get(reverse("safety_plans:child_pdf", args=[plan.pk])))
    assert f"{world.pupils['a'].forename}'s Safety Plan" in text
    assert "What are we worried about? Some children said unkind things to you." in text
    for stamp in ("CONFIDENTIAL", "Confidential", "Printed", dsl.full_name, world.school_a.name, "Page 1"):
        assert stamp not in text, stamp
    assert "Group chat messages" not in text  # the risk table is for adults
