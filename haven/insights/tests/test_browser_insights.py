"""An LA officer's morning in a real browser with axe: log an enquiry (stopped once for a
child's name), read the monthly table, filter the county dashboard, download a CSV."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from haven.cases.tests.test_browser_concern_to_case import sign_in, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.insights import rollups
from haven.pupil_voice.tests.survey_helpers import BAD, GOOD, close, open_survey, seed
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


@pytest.fixture
def taxonomy(transactional_db):
    load_taxonomy(Category)


def test_an_officer_logs_an_enquiry_reads_the_table_and_filters_the_dashboard(
    transactional_db, taxonomy, live_server, world, make_concern, page
):
    base = live_server.url
    officer = world.users["la_officer_a"]
    for _ in range(6):
        make_concern(days_ago=2)
    rollups.rebuild()
    survey = open_survey(officer, [world.school_a, world.school_b], title="Autumn survey")
    seed(survey, world.school_a, 12, answers=GOOD)
    seed(survey, world.school_b, 3, answers=BAD)
    close(survey)
    sign_in(page, base, officer, f.totp_device(officer))

    submit(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Enquiry log"))
    submit(page, page.get_by_role("link", name="Log an enquiry"))
    axe_check(page, label="log an enquiry")
    pupil = world.pupils["a"]
    page.get_by_label("School", exact=True).select_option(label=world.school_a.name)
    then = timezone.localtime() - dt.timedelta(minutes=30)  # whatever the time of day the test runs
    page.get_by_label("Date", exact=True).fill(then.date().isoformat())
    page.get_by_label("Time").fill(then.strftime("%H:%M"))
    page.get_by_label("Caller's role").select_option(label="Designated safeguarding lead")
    page.get_by_label("How they got in touch").select_option(label="Phone")
    page.get_by_label("Sexual harassment", exact=True).check()
    page.get_by_label("What the school asked").fill(f"{pupil.display_name} in Year 9 had comments made about her.")
    page.get_by_label("Advice given").fill("Use the safety plan template and talk to both families.")
    submit(page, page.get_by_role("button", name="Log the enquiry"))
    expect(page.get_by_role("alert")).to_contain_text("Take out anything that could identify a child")
    expect(page.get_by_label("Advice given")).to_have_value("Use the safety plan template and talk to both families.")
    axe_check(page, label="enquiry with a child's name")
    page.get_by_label("What the school asked").fill("A Year 9 girl had sexual comments made about her in class.")
    submit(page, page.get_by_role("button", name="Log the enquiry"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Enquiry from {world.school_a.name}")

    page.goto(base + "/enquiries/by-month/")
    table = page.get_by_role("table")
    expect(table.locator("tfoot")).to_contain_text("100.0%")  # one enquiry, about sexual harassment
    axe_check(page, label="enquiries by month")

    submit(page, page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Insights: Midshire County Council"))
    pupils = page.get_by_role("region", name="How pupils feel: culture surveys").first  # the section
    expect(pupils.get_by_role("table")).to_contain_text("80%")  # 12 good answers of 15
    axe_check(page, label="county dashboard")
    page.get_by_label("School", exact=True).select_option(label=world.school_a.name)
    submit(page, page.get_by_role("button", name="Show"))
    place = page.get_by_role("region", name="Where it happened").first  # the section, then its table
    expect(place.locator("tfoot")).to_contain_text("6")
    with page.expect_download() as download:
        place.get_by_role("link", name=re.compile("Download")).click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Corridor,6,6" in text


# The smallest rendered size of any chart's text, in CSS pixels: the SVG's own font size times
# the scale the page draws the SVG at (a chart wider than the phone shrinks with its text).
SMALLEST_CHART_TEXT = """() => Math.min(...Array.from(document.querySelectorAll("svg.chart")).map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return Math.min(...Array.from(svg.querySelectorAll("text")).map(
        t => parseFloat(getComputedStyle(t).fontSize) * scale));
}))"""


@pytest.mark.parametrize(
    "size",
    [
        {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
        {"viewport": {"width": 1366, "height": 900}},
    ],
    ids=["phone", "desktop"],
)
def test_the_county_dashboard_reads_at_body_size_with_rates_on_a_phone_and_a_desktop(
    transactional_db, taxonomy, live_server, world, make_concern, open_context, size
):
    base = live_server.url
    officer = world.users["la_officer_a"]
    for days in (2, 3, 40, 41, 42, 70):
        make_concern(days_ago=days)
    rollups.rebuild()
    page = open_context(**size)
    sign_in(page, base, officer, f.totp_device(officer))
    page.goto(base + "/insights/")
    page.wait_for_load_state("load")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile("Insights: Midshire County Council"))
    assert page.locator("svg.chart").count() >= 1
    smallest = page.evaluate(SMALLEST_CHART_TEXT)
    print(f"smallest chart text at {size['viewport']['width']} px: {smallest:.1f} px")
    assert smallest >= 15.5, f"chart text is drawn at {smallest:.1f} px, below the body size"
    expect(page.get_by_role("columnheader", name="Per 1,000 pupils").first).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    axe_check(page, label=f"county dashboard ({size['viewport']['width']} px)")
