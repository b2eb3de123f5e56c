"""A DSL works a case section by section in a real browser (Debian's Chromium through
Playwright), on a desktop and on a phone, with axe (WCAG 2.2 AA) on every page: from the
dashboard to the case's summary, a decision refused with its error beside the field, then
made, a referral added, and back to the summary, which says the route in words and what is
still needed before the case can close."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haven.cases.models import Decision, Referral
from haven.cases.services import case_open
from haven.cases.tests.test_browser_concern_to_case import arrive, no_sideways_scroll, sign_in, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture
def taxonomy(transactional_db):
    """The national categories (a data migration loads them; a transactional flush empties them)."""
    load_taxonomy(Category)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_a_dsl_decides_refers_and_sees_the_summary_section_by_section(
    transactional_db, taxonomy, live_server, world, make_concern, second_child, open_context, size
):
    base = live_server.url
    dsl, affected = world.users["dsl_a"], world.pupils["a"]
    case = case_open(
        by=dsl,
        concern=make_concern(children=[(affected, "affected"), (second_child, "alleged_harmer")]),
        title="Name-calling in the corridor",
    )
    page = open_context(**SIZES[size])
    sign_in(page, base, dsl, f.totp_device(dsl))

    # From the dashboard to the case's summary.
    page.goto(base + "/cases/")
    arrive(page, base + "/cases/")
    submit(page, page.get_by_role("link", name=case.reference))
    arrive(page, f"{base}/cases/{case.reference}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}: Name-calling in the corridor")
    expect(page.locator(".case-summary")).to_contain_text("None decided yet.")
    axe_check(page, label=f"case summary ({size})")
    if size == "phone":
        no_sideways_scroll(page, "the case summary")
    sections = page.get_by_role("navigation", name=f"Sections of case {case.reference}")

    # A decision without its reason: refused, the error beside the field it is about.
    submit(page, sections.get_by_role("link", name="Decisions and referrals"))
    arrive(page, f"{base}/cases/{case.reference}/decisions/")
    expect(sections.get_by_role("link", name="Decisions and referrals")).to_have_attribute("aria-current", "page")
    axe_check(page, label=f"case decisions ({size})")
    decision = page.locator("#decision-form form")
    decision.get_by_role("checkbox", name="Manage internally").check()
    submit(page, decision.get_by_role("button", name="Record decision"))
    arrive(page, f"{base}/cases/{case.reference}/decisions/new/")
    form = page.locator("main form")
    why = form.get_by_label("Why", exact=True)
    expect(why).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{why.get_attribute('aria-describedby')}")
    expect(error).to_have_text("Error: Why: give the reason for this decision.")
    expect(error).to_be_visible()
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(form.get_by_role("checkbox", name="Manage internally")).to_be_checked()  # kept
    assert not Decision.objects.exists()
    axe_check(page, label=f"decision refused ({size})")
    if size == "phone":
        no_sideways_scroll(page, "the decision form with its error")

    # The summary's link goes to the field; the reason given, it is saved.
    link = summary.get_by_role("link", name="Why: give the reason for this decision.")
    expect(link).to_have_attribute("href", f"#{why.get_attribute('id')}")
    why.fill("Name-calling between Year 9 pupils: behaviour plan and restorative meeting.")
    submit(page, form.get_by_role("button", name="Record decision"))
    arrive(page, re.compile(rf"^{re.escape(base)}/cases/{case.reference}/decisions/#decision-\d+$"))
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    expect(page.locator(".decision").first).to_contain_text("Manage internally")

    # A referral to early help.
    referral = page.locator("#referral-form form")
    referral.get_by_label("Referred to").select_option(label="Early help")
    referral.get_by_label("Date of referral").fill(timezone.localdate().isoformat())
    submit(page, referral.get_by_role("button", name="Record referral"))
    made = Referral.objects.get()
    arrive(page, f"{base}/cases/{case.reference}/decisions/#referral-{made.pk}")
    expect(page.locator(f"#referral-{made.pk}")).to_contain_text("Waiting for an outcome")

    # Back to the summary: the route in words, the referral waiting, what is still needed.
    submit(page, sections.get_by_role("link", name="Summary"))
    arrive(page, f"{base}/cases/{case.reference}/")
    facts = page.locator(".case-summary")
    expect(facts).to_contain_text("Manage internally")
    expect(facts).to_contain_text("Referral to Early help")
    needed = page.locator(".panel-warning").filter(has_text="Before the case can be closed")
    expect(needed).to_contain_text(
        f"Record whether the parents or carers of {affected.display_name}, {second_child.display_name} were informed"
    )
    expect(needed).not_to_contain_text("Record the route decision")
    axe_check(page, label=f"case summary after the decision and referral ({size})")
    if size == "phone":
        no_sideways_scroll(page, "the case summary after the work")


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_every_section_and_every_form_of_a_case_passes_axe(
    transactional_db, taxonomy, live_server, world, make_concern, second_child, open_context, size
):
    """Each page of a case, with something in every list, and each change's form alone."""
    from haven.cases import services

    base = live_server.url
    dsl, affected, today = world.users["dsl_a"], world.pupils["a"], timezone.localdate()
    case = case_open(by=dsl, concern=make_concern(children=[(affected, "affected"), (second_child, "alleged_harmer")]))
    services.decisions_record(by=dsl, case=case, version=case.version, routes=["internal"], rationale="In school.")
    services.consideration_answer(by=dsl, case=case, version=case.version, item="crime", answer="no", notes="None.")
    services.parents_informed_record(by=dsl, case=case, pupil=affected, informed=True, informed_on=today)
    referral = services.referral_make(by=dsl, case=case, agency="camhs", referred_on=today, agency_reference="C-1")
    services.support_record(by=dsl, case=case, pupil=second_child, description="Mentor weekly.")
    services.sanction_record(by=dsl, case=case, pupil=second_child, description="Detention.", decided_on=today)
    task = services.task_add(by=dsl, case=case, title="Check in", assignee=dsl, due_on=today)
    page = open_context(**SIZES[size])
    sign_in(page, base, dsl, f.totp_device(dsl))
    ref = case.reference
    pages = [
        "",
        "concerns/",
        "considerations/",
        "decisions/",
        "support/",
        "plans/",
        "tasks/",
        "access/",
        "chronology/",
        "decisions/new/",
        "parents/new/",
        "referrals/new/",
        f"referrals/{referral.pk}/outcome/",
        "support/new/",
        "sanctions/new/",
        "tasks/new/",
        f"tasks/{task.pk}/done/",
        "considerations/wishes/",
        "children/new/",
        "access/change/",
        "close/",
    ]
    for path in pages:
        page.goto(f"{base}/cases/{ref}/{path}")
        arrive(page, f"{base}/cases/{ref}/{path}")
        axe_check(page, label=f"/cases/<ref>/{path} ({size})")
        if size == "phone":
            no_sideways_scroll(page, f"/cases/<ref>/{path}")
    # And a form refused, on its own page.
    page.goto(f"{base}/cases/{ref}/tasks/new/")
    submit(page, page.locator("main form").get_by_role("button", name="Add task"))
    expect(page.get_by_role("alert")).to_contain_text("What needs doing: enter the task.")
    axe_check(page, label=f"a task refused ({size})")
