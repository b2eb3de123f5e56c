"""A network meeting in a real browser (Debian's Chromium through Playwright), with axe-core
(WCAG 2.2 AA) on every page: an LA officer schedules a meeting for a pyramid and records
attendance, minutes and an action; a DSL opens the meeting, reads the trend pack and copies
their calendar link, which a calendar app (no session) can read."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import Page, expect

from haven.cases.tests.test_browser_concern_to_case import arrive, nav, sign_in, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.network.models import ActionItem, Invitation, Meeting
from haven.organisations.models import Pyramid
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


@pytest.fixture
def taxonomy(transactional_db):
    """The national categories (a data migration loads them; a transactional flush empties them)."""
    load_taxonomy(Category)


def test_an_officer_runs_a_meeting_and_a_dsl_follows_it(
    transactional_db, taxonomy, live_server, world, make_concern, page: Page, browser
):
    base = live_server.url
    officer, dsl = world.users["la_officer_a"], world.users["dsl_a"]
    pyramid = Pyramid.objects.create(authority=world.authority, name="Alder and Birch")
    world.school_a.pyramid = pyramid
    world.school_a.save()
    for n in range(6):
        make_concern(location="corridor", days_ago=2 + n)

    # -- The officer schedules a meeting (held yesterday, so its record can be written).
    sign_in(page, base, officer, f.totp_device(officer))
    nav(page, "Network meetings")
    axe_check(page, label="network list (officer)")
    submit(page, page.get_by_role("link", name="Schedule a meeting"))
    axe_check(page, label="schedule a meeting")
    day = timezone.localdate() - dt.timedelta(days=1)
    page.get_by_label("For", exact=True).select_option(label="Alder and Birch")
    page.get_by_label("Title", exact=True).fill("Alder and Birch DSL network")
    page.get_by_label("Date", exact=True).fill(day.isoformat())
    page.get_by_label("Starts at", exact=True).fill("15:30")
    page.get_by_label("Ends at", exact=True).fill("17:00")
    page.get_by_label("Venue (optional)", exact=True).fill("Alder Academy library")
    page.get_by_label("Agenda (optional)", exact=True).fill("1. Trend pack\n2. Corridor supervision")
    submit(page, page.get_by_role("button", name="Schedule meeting"))
    meeting = Meeting.objects.get(title="Alder and Birch DSL network")
    arrive(page, f"{base}/network/meetings/{meeting.pk}/")
    expect(page.get_by_text("2 people invited")).to_be_visible()
    axe_check(page, label="a meeting (officer)")

    page.get_by_label(f"Attendance of {dsl.full_name}").select_option(label="Present")
    page.get_by_label(f"Attendance of {world.users['deputy_a'].full_name}").select_option(label="Apologies")
    submit(page, page.get_by_role("button", name="Save attendance"))
    expect(page.get_by_text("Attendance saved.")).to_be_visible()

    page.get_by_role("textbox", name="Minutes", exact=True).fill(
        "Corridors remain the main hot spot. Schools shared duty rotas."
    )
    submit(page, page.get_by_role("button", name="Save minutes"))
    expect(page.get_by_text("Minutes saved.")).to_be_visible()

    page.get_by_label("Action", exact=True).fill("Share the corridor duty rota")
    page.get_by_label("Owner", exact=True).select_option(label=f"{dsl.full_name} ({world.school_a.name})")
    page.get_by_label("Due by", exact=True).fill((day + dt.timedelta(days=14)).isoformat())
    submit(page, page.get_by_role("button", name="Add action"))
    expect(page.get_by_text("Action added.")).to_be_visible()
    axe_check(page, label="a meeting with its record")
    assert Invitation.objects.get(meeting=meeting, user=dsl).attendance == "present"
    assert ActionItem.objects.get(meeting=meeting).owner == dsl

    # -- The DSL opens it, reads the trend pack and copies their calendar link.
    context = browser.new_context(base_url=base)
    dsl_page = context.new_page()
    try:
        sign_in(dsl_page, base, dsl, f.totp_device(dsl))
        nav(dsl_page, "Network meetings")
        expect(dsl_page.get_by_text("Share the corridor duty rota")).to_be_visible()  # their open action
        dsl_page.get_by_label("Show", exact=True).select_option("past")
        submit(dsl_page, dsl_page.get_by_role("button", name="Show", exact=True))
        axe_check(dsl_page, label="network list (DSL)")
        submit(dsl_page, dsl_page.get_by_role("table").get_by_role("link", name="Alder and Birch DSL network"))
        expect(dsl_page.get_by_text("Corridors remain the main hot spot.")).to_be_visible()
        expect(dsl_page.get_by_role("button", name="Save minutes")).to_have_count(0)
        axe_check(dsl_page, label="a meeting (DSL)")
        submit(dsl_page, dsl_page.get_by_role("link", name="Trend pack for these schools"))
        expect(
            dsl_page.get_by_role("heading", name="Hot spots: concerns by where they happened and month")
        ).to_be_visible()
        expect(dsl_page.get_by_role("row", name=re.compile("^Corridor"))).to_be_visible()
        axe_check(dsl_page, label="trend pack")

        nav(dsl_page, "Network meetings")
        submit(dsl_page, dsl_page.get_by_role("button", name="Make my calendar link"))
        link = dsl_page.get_by_label("Your calendar link")
        axe_check(dsl_page, label="calendar link")
        link.focus()
        link.select_text()
        copied = dsl_page.evaluate("() => window.getSelection().toString() || document.activeElement.value")
        assert re.fullmatch(rf"{re.escape(base)}/network/feeds/[0-9a-f]{{64}}\.ics", copied)
    finally:
        context.close()

    # A calendar app has no session: it fetches the link as it is.
    response = page.context.request.get(copied)
    assert response.status == 200
    events = Calendar.from_ical(response.body()).walk("VEVENT")
    assert [str(e["summary"]) for e in events] == ["Alder and Birch DSL network"]
