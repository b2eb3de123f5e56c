"""The banks in a real browser (Debian's Chromium through Playwright) with axe-core (WCAG 2.2
AA) on every page: a DSL proposes a resource and writes a case study, is stopped by the
anonymisation check until a child's name is taken out, and an LA officer approves the
resource and publishes the case study. See haven/testing/browser.py."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from haven.cases.tests.test_browser_concern_to_case import arrive, nav, sign_in, sign_out, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.resources.models import CaseStudy, Resource
from haven.resources.seed import resource_bank_seed
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


@pytest.fixture
def seeded(transactional_db):
    """The categories and the national list (data migrations load them; a transactional flush empties them)."""
    load_taxonomy(Category)
    resource_bank_seed()


def _button(page: Page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def test_a_dsl_proposes_and_writes_and_an_officer_approves_and_publishes(
    transactional_db, seeded, live_server, world, page
):
    base = live_server.url
    dsl, officer = world.users["dsl_a"], world.users["la_officer_a"]
    dsl_device, officer_device = f.totp_device(dsl), f.totp_device(officer)
    child = world.pupils["a"]

    sign_in(page, base, dsl, dsl_device)
    nav(page, "Resources")
    arrive(page, base + "/resources/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Resource bank")
    expect(page.get_by_role("link", name="NSPCC Helpline", exact=True)).to_be_visible()
    axe_check(page, label="resource bank")
    page.get_by_label("Phase", exact=True).select_option("primary")
    submit(page, _button(page, "Search"))
    arrive(page, base + "/resources/?q=&kind=&audience=&phase=primary&topic=&area=")
    expect(page.get_by_role("link", name="Childline: Get Support", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Rape Crisis (specialist sexual violence support)", exact=True)).to_have_count(
        0
    )

    submit(page, page.get_by_role("link", name="Propose a resource"))
    arrive(page, base + "/resources/propose/")
    axe_check(page, label="propose a resource")
    page.get_by_label("Title", exact=True).fill("Consent workshop for Year 8")
    page.get_by_label("Kind", exact=True).select_option(label="Teaching resource")
    submit(page, _button(page, "Send to the local authority"))  # no link, no audience: comes back
    expect(page.get_by_role("alert")).to_contain_text("Give a link, a phone number or an email address")
    expect(page.get_by_label("Title", exact=True)).to_have_value("Consent workshop for Year 8")
    axe_check(page, label="propose a resource with errors")
    page.get_by_label("Link (optional)", exact=True).fill("https://example.org/consent-workshop")
    page.get_by_label("Pupils", exact=True).check()
    page.get_by_label("Key stage 3", exact=True).check()
    page.get_by_label("Sexual harassment: Sexual comments", exact=True).check()
    submit(page, _button(page, "Send to the local authority"))
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_contain_text("has been sent to")
    axe_check(page, label="a proposed resource")
    resource = Resource.objects.get(title="Consent workshop for Year 8")
    assert resource.status == Resource.Status.PROPOSED

    nav(page, "Case studies")
    arrive(page, base + "/case-studies/")
    axe_check(page, label="case studies")
    submit(page, page.get_by_role("link", name="Write a case study"))
    arrive(page, base + "/case-studies/new/")
    axe_check(page, label="write a case study")
    page.get_by_label("Title", exact=True).fill("Sexual comments in a Year 8 form group")
    page.get_by_label("Sexual harassment: Sexual comments", exact=True).check()
    page.get_by_label("Context", exact=True).fill("A secondary academy; a Year 8 form group.")
    page.get_by_label("What happened", exact=True).fill(f"{child.legal_forename.lower()}, upset, told her tutor.")
    page.get_by_label("What the school did", exact=True).fill("Spoke to everyone involved and told parents.")
    page.get_by_label("What worked", exact=True).fill("A workshop on consent for the whole year group.")
    page.get_by_label("Outcome", exact=True).fill("The comments stopped.")
    submit(page, _button(page, "Check and send to the local authority"))
    flags = page.get_by_role("region", name="Check these before sending (1)")
    expect(flags).to_contain_text(f"“{child.legal_forename.lower()}”: A pupil's name, in What happened")
    expect(page.get_by_label("What worked", exact=True)).to_have_value(
        "A workshop on consent for the whole year group."
    )
    axe_check(page, label="case study with anonymisation flags")
    page.get_by_label("What happened", exact=True).fill("A girl, upset, told her tutor.")
    submit(page, _button(page, "Check and send to the local authority"))
    expect(page.get_by_role("status").filter(has_text="Thank you")).to_contain_text("sent to the local authority")
    axe_check(page, label="a sent case study")
    study = CaseStudy.objects.get()
    assert study.status == CaseStudy.Status.SUBMITTED and "girl" in study.what_happened
    sign_out(page, base)

    sign_in(page, base, officer, officer_device)
    nav(page, "Resources")
    submit(page, page.get_by_role("link", name="Resources to curate"))
    arrive(page, base + "/resources/curate/")
    axe_check(page, label="resources to curate")
    submit(page, page.get_by_role("link", name="Consent workshop for Year 8", exact=True))
    axe_check(page, label="curating a resource")
    page.get_by_label("Approve", exact=True).check()
    submit(page, _button(page, "Save decision"))
    expect(page.get_by_role("status")).to_contain_text("in the resource bank")
    resource.refresh_from_db()
    assert resource.status == Resource.Status.APPROVED and resource.reviewed_by == officer

    nav(page, "Case studies")
    submit(page, page.get_by_role("link", name="Sexual comments in a Year 8 form group", exact=True))
    axe_check(page, label="reviewing a case study")
    page.get_by_label("Publish", exact=True).check()
    submit(page, _button(page, "Save review"))
    expect(page.get_by_role("status")).to_contain_text("The case study is published.")
    study.refresh_from_db()
    assert study.status == CaseStudy.Status.PUBLISHED


def test_the_resource_bank_on_a_phone_without_javascript(transactional_db, seeded, live_server, world, open_context):
    from haven.cases.tests.test_browser_concern_to_case import PHONE, no_sideways_scroll

    page = open_context(java_script_enabled=False, **PHONE)
    sign_in(page, live_server.url, world.users["staff_a"])
    page.goto(live_server.url + "/resources/?topic=nudes")
    expect(
        page.get_by_role("link", name=re.compile(r"^Sharing nudes and semi-nudes: advice for education"))
    ).to_be_visible()
    no_sideways_scroll(page, "the resource bank")
    axe_check(page, label="resource bank on a phone")
