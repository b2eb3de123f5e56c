"""The Section 175 audit in a real browser (Debian's Chromium through Playwright), with axe-core
(WCAG 2.2 AA) on every page: the LA officer opens the year's audit, the DSL completes and
submits it from the home page, and the officer sees it counted."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.cases.tests.test_browser_concern_to_case import arrive, nav, sign_in, submit
from haven.compliance.models import SchoolAudit, SchoolAuditSubmission
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


def test_a_dsl_completes_the_audit_and_the_officer_sees_it(transactional_db, live_server, world, page: Page, browser):
    base = live_server.url
    officer, dsl = world.users["la_officer_a"], world.users["dsl_a"]
    today = timezone.localdate()

    # -- The officer opens the year's audit.
    sign_in(page, base, officer, f.totp_device(officer))
    nav(page, "S175 audit")
    axe_check(page, label="S175 list (officer)")
    submit(page, page.get_by_role("link", name="Open a new audit"))
    axe_check(page, label="open an audit")
    page.get_by_label("Title", exact=True).fill("Section 175 audit 2026-27")
    page.get_by_label("Opens on", exact=True).fill(today.isoformat())
    page.get_by_label("Schools submit by", exact=True).fill((today + dt.timedelta(days=60)).isoformat())
    submit(page, page.get_by_role("button", name="Open the audit"))
    expect(page.get_by_text("2 schools can complete it")).to_be_visible()
    audit = SchoolAudit.objects.get(school=world.school_a)

    # -- The DSL finds it on their home page, completes it and submits it.
    context = browser.new_context(base_url=base)
    dsl_page = context.new_page()
    try:
        sign_in(dsl_page, base, dsl, f.totp_device(dsl))
        submit(
            dsl_page, dsl_page.get_by_role("link", name="Alder Academy: Section 175 audit 2026-27, due", exact=False)
        )
        arrive(dsl_page, f"{base}/compliance/audits/{audit.pk}/")
        axe_check(dsl_page, label="the audit form")
        for select in dsl_page.locator("select[name$='-answer']").all():
            select.select_option(label="Met")
        dsl_page.locator("select[name='rshe-answer']").select_option(label="Not met")
        dsl_page.get_by_label("Evidence for 5.1", exact=True).fill("Consent is taught in Year 9 only.")
        dsl_page.get_by_label("Action for 5.1", exact=True).fill("Teach consent from Year 7")
        dsl_page.get_by_label("Who will do it (5.1)", exact=True).fill("PSHE lead")
        dsl_page.get_by_label("By when (5.1)", exact=True).fill((today + dt.timedelta(days=90)).isoformat())
        dsl_page.get_by_label("Number of staff (optional)", exact=True).fill("48")
        dsl_page.get_by_label("Staff trained in the last 12 months (optional)", exact=True).fill("36")
        dsl_page.get_by_label("Training needs (optional)", exact=True).fill("Lunchtime supervisors need training.")
        submit(dsl_page, dsl_page.get_by_role("button", name="Submit to the local authority"))
        expect(dsl_page.get_by_text("the audit is submitted to the local authority")).to_be_visible()
        expect(dsl_page.get_by_text("Teach consent from Year 7")).to_be_visible()
        axe_check(dsl_page, label="the submitted audit")
    finally:
        context.close()
    assert SchoolAuditSubmission.objects.get(audit=audit).staff_trained == 36

    # -- The officer sees it counted, with the training figure and needs.
    nav(page, "S175 audit")
    expect(page.get_by_text("1 of 2 schools")).to_be_visible()
    submit(page, page.get_by_role("link", name="Section 175 audit 2026-27"))
    expect(page.get_by_text("75.0% (36 of 48)")).to_be_visible()
    expect(page.get_by_text("Lunchtime supervisors need training.")).to_be_visible()
    axe_check(page, label="the round (officer)")
