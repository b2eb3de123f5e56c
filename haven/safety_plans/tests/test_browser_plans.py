"""A safety plan's life in a real browser (Debian's Chromium through Playwright), with axe
(WCAG 2.2 AA) on every page: a DSL writes a plan for both children of a case, records the
child's and the parents' views, signs both off, reviews one after a new incident, compares
the versions and prints both PDFs, whose text holds the risk lines and their bands."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from haven.cases.services import case_open
from haven.cases.tests.test_browser_concern_to_case import sign_in, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.safety_plans.models import SafetyPlan
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


@pytest.fixture
def taxonomy(transactional_db):
    """The national categories (a data migration loads them; a transactional flush empties them)."""
    load_taxonomy(Category)


def _risk(page, n: int, hazard: str, a: str | None, b: str) -> None:
    page.locator(f"#id_risk-{n}-hazard").fill(hazard)
    if a is not None:
        page.locator(f"#id_risk-{n}-hazard_rating").select_option(a)
    page.locator(f"#id_risk-{n}-likelihood").select_option(b)


def _pdf_text(page, url: str) -> str:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    return " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


def test_a_dsl_writes_signs_off_reviews_compares_and_prints_plans(
    transactional_db, taxonomy, live_server, world, make_concern, second_child, page
):
    base = live_server.url
    dsl = world.users["dsl_a"]
    affected = world.pupils["a"]
    concern = make_concern(
        children=[(affected, "affected"), (second_child, "alleged_harmer")], codes=("sexual_harassment",)
    )
    case = case_open(by=dsl, concern=concern, title="Comments in the corridor")
    sign_in(page, base, dsl, f.totp_device(dsl))

    # 1. From the case's safety plans, a plan for the child affected.
    page.goto(f"{base}/cases/{case.reference}/plans/")
    submit(page, page.get_by_role("link", name=f"Write a safety plan for {affected.display_name}"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Write a safety plan for {affected.display_name}")
    # Pre-filled from the case: the referrer is the member of staff who recorded the concern.
    expect(page.get_by_label("Referrer name and role")).to_have_value(re.compile(world.users["staff_a"].full_name))
    axe_check(page, label="new safety plan")

    _risk(page, 0, "Further comments in the corridor between lessons", "2", "4")
    _risk(page, 1, "Messages about her shared online", None, "6")  # A forgotten
    page.get_by_label("Is there anything in this plan that you disagree with?").first.fill("No.")
    page.get_by_label("Do you think this plan is fair and reasonable?").first.fill("Yes, it is fair.")
    page.get_by_label("What can you do to support the situation?").fill("Check her phone with her each evening.")
    page.get_by_label("What will help me feel safe?").fill("Walking to lessons with my friend.")
    page.get_by_label("Who can I go to?").fill("Ms Patel. Mr Khan in the office.")
    page.get_by_label("A named trusted adult").check()
    page.get_by_label(re.compile(r"^Named trusted adult")).fill("Ms Patel, head of year")
    submit(page, page.get_by_role("button", name="Save draft"))

    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_contain_text("Risk line 2: Choose the hazard rating (A): 1, 2 or 3.")
    expect(page.locator("#id_risk-1-hazard")).to_have_value("Messages about her shared online")
    expect(page.get_by_label("What will help me feel safe?")).to_have_value("Walking to lessons with my friend.")
    expect(page.get_by_label(re.compile(r"^Named trusted adult"))).to_have_value("Ms Patel, head of year")
    axe_check(page, label="safety plan with an error")
    page.locator("#id_risk-1-hazard_rating").select_option("3")
    submit(page, page.get_by_role("button", name="Save draft"))

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Safety plan for {affected.display_name}")
    expect(page.get_by_text("Draft", exact=True)).to_be_visible()
    # 3 x 6 = 18: the plan is HIGH, in words as well as colour.
    expect(page.locator(".summary-list .band")).to_have_text("HIGH")
    axe_check(page, label="draft safety plan")
    submit(page, page.get_by_role("button", name="Sign off version 1"))
    expect(page.get_by_role("status").filter(has_text="Signed off")).to_be_visible()
    plan = SafetyPlan.objects.get(pupil=affected)
    assert plan.status == "active" and plan.highest_risk == 18

    # 2. The child alleged to have harmed gets their own plan.
    page.goto(f"{base}/cases/{case.reference}/plans/")
    submit(page, page.get_by_role("link", name=f"Write a safety plan for {second_child.display_name}"))
    _risk(page, 0, "Retribution from other pupils", "2", "2")
    page.get_by_label("What can I do?").fill("Keep away from her and go to my mentor.")
    submit(page, page.get_by_role("button", name="Save draft"))
    expect(page.locator(".summary-list .band")).to_have_text("LOW")
    submit(page, page.get_by_role("button", name="Sign off version 1"))

    # 3. A new incident: the review shows on the dashboard, and the review says why.
    incident = make_concern(children=[(affected, "affected")], days_ago=0, what_happened="More comments today.")
    page.goto(f"{base}/cases/")
    reviews = page.get_by_role("region", name="Safety plan reviews due")
    expect(reviews).to_contain_text(incident.reference)
    axe_check(page, label="dashboard with a review due")
    submit(page, reviews.get_by_role("link", name=f"{affected.display_name}'s safety plan"))
    submit(page, page.get_by_role("link", name="Review the plan"))
    expect(page.get_by_label("Why is the plan being reviewed?")).to_have_value("new_incident")
    page.get_by_label("Date for the risk assessment and safety plan review").fill(plan.review_date.isoformat())
    page.locator("#id_risk-0-likelihood").select_option("6")
    page.get_by_label("What will help me feel safe?").fill("Walking with my friend. Sitting near the front.")
    axe_check(page, label="safety plan review")
    submit(page, page.get_by_role("button", name="Save the review and sign it off"))
    expect(page.get_by_role("status").filter(has_text="Version 2 saved and signed off")).to_be_visible()

    # 4. Compare the versions side by side.
    submit(page, page.get_by_role("link", name="Changes from version 1"))
    changed = page.locator("tr.changed")
    expect(changed.filter(has_text="What will help me feel safe?")).to_contain_text("Sitting near the front")
    expect(changed.filter(has_text="Risk 1:")).to_contain_text("= C 12, HIGH")
    expect(page.get_by_role("status")).to_contain_text("change")
    axe_check(page, label="safety plan versions compared")

    # 5. The child's own page and both PDFs.
    page.goto(f"{base}/safety-plans/{plan.pk}/child/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{affected.forename}'s Safety Plan")
    axe_check(page, label="child's safety plan")
    full = _pdf_text(page, f"{base}/safety-plans/{plan.pk}.pdf")
    for text in ("Further comments in the corridor", "12 HIGH", "Messages about her shared online", "18 HIGH"):
        assert text in full, text
    child = _pdf_text(page, f"{base}/safety-plans/{plan.pk}/child.pdf")
    assert f"{affected.forename}'s Safety Plan" in child and "Sitting near the front" in child
