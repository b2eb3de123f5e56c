"""Haven on a 390 px phone, in a real browser (Debian's Chromium through Playwright) with axe:
the header folds its links behind a "Menu" that opens from the keyboard without JavaScript,
and tables scroll sideways inside a labelled, focusable region instead of the whole page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from haven.cases.services import case_open
from haven.cases.tests.test_browser_concern_to_case import no_sideways_scroll, sign_in
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.insights import rollups
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1366, "height": 900}}
# Two lines of the header: its 44 px controls, the gap between them and the padding around.
TWO_LINES_PX = 120

# Every table on the page, and whether the region around it can be scrolled from the keyboard
# and is named: [caption, focusable, role, name of the region].
TABLE_REGIONS = """() => Array.from(document.querySelectorAll("main table")).map((t) => {
    const region = t.closest(".table-scroll");
    const labelledBy = region && document.getElementById(region.getAttribute("aria-labelledby") || "");
    const named = labelledBy ? labelledBy.textContent.trim() : (region && region.getAttribute("aria-label")) || "";
    return [
        (t.caption && t.caption.textContent.trim()) || "",
        !!region && region.tabIndex === 0,
        region ? region.getAttribute("role") : null,
        named,
    ];
})"""


@pytest.fixture
def taxonomy(transactional_db):
    load_taxonomy(Category)


def header_height(page: Page) -> float:
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return box["height"]


def tables_are_in_labelled_regions(page: Page, what: str) -> None:
    tables = page.evaluate(TABLE_REGIONS)
    assert tables, f"{what} has no table to check"
    for caption, focusable, role, name in tables:
        assert focusable and role == "region" and name, f"{what}: the table {caption!r} is not in a named region"
    region = page.locator("main .table-scroll").first
    region.focus()
    expect(region).to_be_focused()
    # The cue that a table goes on sideways: shadows at the edge it continues past (CSS only).
    assert "gradient" in region.evaluate("(e) => getComputedStyle(e).backgroundImage")


def test_on_a_phone_the_menu_opens_from_the_keyboard_without_javascript(
    transactional_db, taxonomy, live_server, world, open_context
):
    base = live_server.url
    dsl = world.users["dsl_a"]
    page = open_context(java_script_enabled=False, **PHONE)
    sign_in(page, base, dsl, f.totp_device(dsl))
    page.goto(base + "/cases/")
    height = header_height(page)
    print(f"header height at 390 px: {height:.0f} px")
    assert height <= TWO_LINES_PX, f"the header is {height:.0f} px tall at 390 px, more than two lines"
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Pupils", exact=True)).to_be_hidden()
    expect(page.get_by_role("link", name="Hide screen")).to_be_visible()

    menu = page.locator("summary", has_text="Menu")
    for _ in range(6):  # skip link, the name, then the menu
        page.keyboard.press("Tab")
        if menu.evaluate("(e) => e === document.activeElement"):
            break
    expect(menu).to_be_focused()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Pupils", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Your account")).to_be_visible()
    expect(nav.get_by_role("link", name="Safeguarding")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    no_sideways_scroll(page, "the dashboard with the menu open")
    axe_check(page, label="menu open (phone, no JavaScript)")


def test_on_a_desktop_the_links_show_without_a_menu(transactional_db, taxonomy, live_server, world, open_context):
    base = live_server.url
    dsl = world.users["dsl_a"]
    page = open_context(**DESKTOP)
    sign_in(page, base, dsl, f.totp_device(dsl))
    page.goto(base + "/cases/")
    expect(page.locator("summary", has_text="Menu")).to_be_hidden()
    nav = page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Pupils", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="Safeguarding")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    print(f"header height at 1366 px: {header_height(page):.0f} px")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_tables_scroll_in_a_named_region_and_the_page_does_not(
    transactional_db, taxonomy, live_server, world, make_concern, open_context, size
):
    base = live_server.url
    dsl = world.users["dsl_a"]
    case_open(by=dsl, concern=make_concern(), title="Name-calling in the corridor")
    make_concern(days_ago=3)  # waiting for triage
    for _ in range(5):
        make_concern(days_ago=20)
    rollups.rebuild()
    page = open_context(**(PHONE if size == "phone" else DESKTOP))
    sign_in(page, base, dsl, f.totp_device(dsl))
    for what, path in [("the dashboard", "/cases/"), ("insights", "/insights/")]:
        page.goto(base + path)
        page.wait_for_load_state("load")
        if size == "phone":
            no_sideways_scroll(page, what)
        tables_are_in_labelled_regions(page, what)
        axe_check(page, label=f"{what} ({size})")
