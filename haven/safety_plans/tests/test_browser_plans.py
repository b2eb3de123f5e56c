"""A safety plan's life in a real browser (Debian's Chromium through Playwright), with axe
(WCAG 2.2 AA) on every page: a DSL writes a plan for both children of a case, records the
child's and the parents' views, signs both off, reviews one after a new incident, compares
the versions and prints both PDFs, whose text holds the risk lines and their bands."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from haven.cases.services import case_open, parents_informed_record, referral_make
from haven.cases.tests.test_browser_concern_to_case import PHONE, no_sideways_scroll, sign_in, submit
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


def _open(page, section: str) -> None:
    """Open one of the form's parts (a <details>) by its heading, as a person would."""
    details = page.locator("details.plan-section").filter(has=page.get_by_role("heading", name=section, exact=True))
    if details.get_attribute("open") is None:
        details.locator("> summary").click()
    expect(details).to_have_attribute("open", "")


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

    _open(page, "Risk assessment")
    _risk(page, 0, "Further comments in the corridor between lessons", "2", "4")
    submit(page, page.get_by_role("button", name="Add another risk"))
    _risk(page, 1, "Messages about her shared online", None, "6")  # A forgotten
    for part in ("Views", f"{affected.forename}'s own safety plan", "Practical controls"):
        _open(page, part)
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
    _open(page, "Risk assessment")
    _risk(page, 0, "Retribution from other pupils", "2", "2")
    _open(page, f"{second_child.forename}'s own safety plan")
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
    _open(page, "Basic information")
    page.get_by_label("Date for the risk assessment and safety plan review").fill(plan.review_date.isoformat())
    _open(page, "Risk assessment")
    page.locator("#id_risk-0-likelihood").select_option("6")
    _open(page, f"{affected.forename}'s own safety plan")
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
    full = " ".join(_pdf_text(page, f"{base}/safety-plans/{plan.pk}.pdf").split())
    for text in ("Further comments in the corridor", "12 HIGH", "Messages about her shared online", "18 HIGH"):
        assert text in full, text
    child = _pdf_text(page, f"{base}/safety-plans/{plan.pk}/child.pdf")
    assert f"{affected.forename}'s Safety Plan" in child and "Sitting near the front" in child


def test_on_a_phone_a_dsl_writes_a_plan_with_three_risk_lines_and_no_script(
    transactional_db, taxonomy, live_server, world, make_concern, second_child, open_context
):
    """At 390 x 844, JavaScript off: Annex A's parts open one at a time, "Add another risk"
    twice makes three lines, and the case's parents-informed record shows with its date."""
    base = live_server.url
    dsl = world.users["dsl_a"]
    affected = world.pupils["a"]
    concern = make_concern(
        children=[(affected, "affected"), (second_child, "alleged_harmer")], codes=("sexual_harassment",)
    )
    case = case_open(by=dsl, concern=concern, title="Comments in the corridor")
    informed_on = timezone.localdate() - dt.timedelta(days=1)
    parents_informed_record(by=dsl, case=case, pupil=affected, informed=True, informed_on=informed_on)
    referral_make(by=dsl, case=case, agency="social_care", pupil=affected, referred_on=informed_on)

    page = open_context(**PHONE, java_script_enabled=False)
    sign_in(page, base, dsl, f.totp_device(dsl))
    page.goto(f"{base}/safety-plans/new/{case.reference}/{affected.pk}/")
    served = page.evaluate("document.documentElement.scrollHeight")
    no_sideways_scroll(page, "the safety plan form")
    axe_check(page, label="safety plan form on a phone")
    # Every part open at once is still far shorter than the 14,717 px the form was before.
    page.evaluate("document.querySelectorAll('details.plan-section').forEach(d => d.open = true)")
    all_open = page.evaluate("document.documentElement.scrollHeight")
    no_sideways_scroll(page, "the safety plan form, every part open")
    axe_check(page, label="safety plan form on a phone, every part open")
    print(f"safety plan form at 390x844: {served} px as served, {all_open} px with every part open")
    assert served < 2500 and all_open < 13000, (served, all_open)
    page.reload()

    _open(page, "Action taken by school")
    actions = page.locator("#section-actions")
    expect(actions.locator("#action-parents")).to_contain_text(f"Yes, {informed_on:%-d %b %Y}")
    expect(actions.locator("#action-parents")).to_contain_text("From the case")
    expect(actions.get_by_role("group", name="Parents informed")).to_have_count(0)  # not asked again
    _open(page, "What to consider")
    page.get_by_label("What is the incident?").fill("Comments about her body in the corridor, three times.")
    threat = page.get_by_role("group", name=re.compile(r"^Is there an actual or perceived threat"))
    threat.get_by_label("Yes", exact=True).check()
    threat.get_by_text("Add a note").click()
    threat.get_by_label("Note").fill("He said he would share a photo.")

    _open(page, "Risk assessment")
    _risk(page, 0, "Further comments between lessons", "2", "4")
    submit(page, page.get_by_role("button", name="Add another risk"))
    expect(page.get_by_role("status")).to_contain_text("Risk line 2 added")
    expect(page.locator("#id_risk-1-hazard")).to_be_focused()
    expect(page.get_by_label("What is the incident?")).to_have_value(
        "Comments about her body in the corridor, three times."
    )
    _risk(page, 1, "Messages shared online", "3", "4")
    submit(page, page.get_by_role("button", name="Add another risk"))
    expect(page.locator("#id_risk-0-hazard")).to_have_value("Further comments between lessons")
    _risk(page, 2, "Being isolated by friends", "1", "2")
    no_sideways_scroll(page, "the risk lines")
    axe_check(page, label="three risk lines on a phone")
    # Enter in a field saves the plan, as the Save button does: it never adds a line.
    _open(page, "Basic information")
    with page.expect_navigation():
        page.get_by_label("Referrer contact details").press("Enter")
    page.wait_for_load_state("load")

    expect(page.get_by_role("heading", level=1)).to_have_text(f"Safety plan for {affected.display_name}")
    expect(page.get_by_role("table", name=re.compile("Risk lines")).locator("tbody tr")).to_have_count(3)
    no_sideways_scroll(page, "the plan")
    axe_check(page, label="the plan on a phone")
    version = SafetyPlan.objects.get(pupil=affected).versions.get()
    assert [ln.risk for ln in version.risk_lines.order_by("position")] == [8, 12, 2]
    assert version.considerations["threat"] == {"answer": "yes", "notes": "He said he would share a photo."}
    assert version.actions["parents"]["from_case"][0]["on"] == informed_on.isoformat()
