"""The DSL's whole journey in a real browser (Debian's Chromium through Playwright), at
1366x900 and at 390x844, axe-core on every page (issue 17's journey):

a member of staff records an urgent sexual assault on their phone or desktop with an injury
marked on the body map; the DSL finds it at the top of the dashboard, reads the child's own
words on the triage page, opens a case and works it section by section (the decision to
report to the police, parents informed, a referral to social care, the police investigation
with a bail condition), prints the chronology, and writes a safety plan for each child.

Every tap is counted (a click, a tick, a box typed into; a list chosen from counts two: open,
choose) and printed with each page's height, for the figures in the issue's note."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from haven.cases.models import Case
from haven.cases.tests.test_browser_concern_to_case import NO_SIDEWAYS_SCROLL, arrive, sign_in, submit
from haven.concerns.models import Category, Concern
from haven.concerns.taxonomy import load as load_taxonomy
from haven.safety_plans.models import SafetyPlan
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

SIZES: dict[str, dict[str, Any]] = {
    "desktop": {"viewport": {"width": 1366, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
WORDS = "He grabbed me and wouldn't stop. I said no."


@pytest.fixture
def taxonomy(transactional_db):
    load_taxonomy(Category)


class Taps:
    """The journey's taps, counted by part, as a person on the page would make them."""

    def __init__(self, page: Page) -> None:
        self.page, self.part, self.counts = page, "", Counter[str]()
        self.heights: dict[str, int] = {}

    def click(self, target: Locator, *, navigates: bool = False) -> None:
        self.counts[self.part] += 1
        if navigates:
            submit(self.page, target)
        else:
            target.click()

    def fill(self, target: Locator, text: str) -> None:
        self.counts[self.part] += 1  # a tap into the box, then typing
        target.fill(text)

    def choose(self, target: Locator, **option: Any) -> None:
        self.counts[self.part] += 2  # open the list, choose
        target.select_option(**option)

    def tick(self, target: Locator) -> None:
        self.counts[self.part] += 1
        target.check()

    def measure(self, what: str) -> None:
        """The page's height, its sideways fit, and axe."""
        self.heights[what] = self.page.evaluate("() => document.documentElement.scrollHeight")
        assert self.page.evaluate(NO_SIDEWAYS_SCROLL), f"{what} scrolls sideways"
        axe_check(self.page, label=what)

    def nav(self, name: str) -> None:
        menu = self.page.locator("summary").filter(has_text="Menu")
        if menu.count() and menu.is_visible():  # a phone: the links fold behind "Menu"
            self.click(menu)
        self.click(self.page.get_by_role("navigation", name="Main").get_by_role("link", name=name), navigates=True)


@pytest.mark.parametrize("size", SIZES, ids=list(SIZES))
def test_the_dsls_journey_from_an_urgent_concern_to_two_safety_plans(
    transactional_db, taxonomy, live_server, world, second_child, make_concern, open_context, size
):
    base = live_server.url
    staff, dsl, affected = world.users["staff_a"], world.users["dsl_a"], world.pupils["a"]
    make_concern(days_ago=5)  # older and not urgent: the new one must still come first
    make_concern(days_ago=2, codes=("online_bullying",))
    page = open_context(**SIZES[size])
    taps = Taps(page)

    # 1. The member of staff records it, with the injury on the body map.
    sign_in(page, base, staff)
    taps.part = "record the concern"
    taps.nav("Record a concern")
    arrive(page, base + "/concerns/new/")
    taps.measure(f"the concern form ({size})")
    taps.fill(page.get_by_label("Child 1", exact=True), affected.display_name)
    taps.choose(page.get_by_label("Role of child 1", exact=True), label="Child affected")
    taps.click(page.get_by_text("Another child involved", exact=True))
    taps.fill(page.get_by_label("Child 2", exact=True), second_child.display_name)
    taps.choose(page.get_by_label("Role of child 2", exact=True), label="Child alleged to have harmed")
    taps.choose(page.get_by_label("Where it happened", exact=True), label="Toilets")
    box = page.get_by_label("Sexual violence: Sexual assault", exact=True)
    taps.click(page.locator("details.category-group").filter(has=box).locator("summary"))
    taps.tick(box)
    taps.fill(page.get_by_label("What happened", exact=True), "At break J pushed her against the wall in the toilets.")
    taps.fill(page.get_by_label("The child's exact words"), WORDS)
    told = page.get_by_role("group", name="Did you tell the child what happens next?")
    taps.tick(told.get_by_label("Yes", exact=True))
    taps.tick(page.get_by_label("This is urgent"))
    taps.click(page.locator("#body-map > summary"))
    taps.click(page.locator('[data-region="front_left_forearm"]'))  # a tap on the outline
    taps.fill(page.get_by_label("What you saw (mark 1)"), "Red finger marks round the wrist, 4 cm")
    taps.click(page.get_by_role("button", name="Send to the safeguarding lead"), navigates=True)
    concern = Concern.objects.get(urgent=True)
    arrive(page, f"{base}/concerns/{concern.reference}/")
    assert concern.body_marks.get().region == "front_left_forearm"
    page.context.clear_cookies()

    # 2. The DSL: the urgent concern first, at the top of the page; the child's own words.
    sign_in(page, base, dsl, f.totp_device(dsl))
    taps.part = "triage"
    page.goto(base + "/cases/")
    rows = page.get_by_role("table", name="Concerns to triage").locator("tbody tr")
    expect(rows.first).to_contain_text(concern.reference)  # first in the table too
    act_now = page.get_by_text("Act now: 1 urgent concern not yet received").locator("..")
    link = act_now.get_by_role("link", name=concern.reference)
    top = link.bounding_box()
    assert top is not None and top["y"] + top["height"] < SIZES[size]["viewport"]["height"], f"it is at {top}"
    taps.measure(f"the dashboard ({size})")
    taps.click(link, navigates=True)
    arrive(page, f"{base}/cases/triage/{concern.reference}/")
    expect(page.locator("blockquote.child-words")).to_contain_text(WORDS)
    expect(page.get_by_role("link", name="1 injury or mark seen")).to_be_visible()
    taps.measure(f"triage ({size})")
    taps.click(page.get_by_role("button", name="Mark as received"), navigates=True)
    taps.fill(page.get_by_label("Case title"), "Sexual assault in the toilets")
    taps.click(page.get_by_role("button", name="Open a case"), navigates=True)
    case = Case.objects.get()
    ref = case.reference
    arrive(page, f"{base}/cases/{ref}/")
    taps.measure(f"the case summary ({size})")
    sections = page.get_by_role("navigation", name=f"Sections of case {ref}")

    # 3. Decisions and referrals: the police, the parents, social care.
    taps.part = "decisions and referrals"
    taps.click(sections.get_by_role("link", name="Decisions and referrals"), navigates=True)
    decision = page.locator("#decision-form form")
    taps.tick(decision.get_by_role("checkbox", name="Report to the police"))
    taps.fill(decision.get_by_label("Why", exact=True), "A sexual assault: reported on 101, as the policy says.")
    taps.click(decision.get_by_role("button", name="Record decision"), navigates=True)
    today = timezone.localdate()
    parents = page.locator("#parents-form form")
    taps.choose(parents.get_by_label("Child", exact=True), label=affected.display_name)
    taps.tick(parents.get_by_role("radio", name="Yes"))
    taps.fill(parents.get_by_label("Date informed"), today.isoformat())
    taps.click(parents.get_by_role("button", name="Record"), navigates=True)
    referral = page.locator("#referral-form form")
    taps.choose(referral.get_by_label("Referred to"), label="Children's social care / MASH")
    taps.fill(referral.get_by_label("Date of referral"), today.isoformat())
    taps.click(referral.get_by_role("button", name="Record referral"), navigates=True)
    taps.measure(f"decisions and referrals ({size})")

    # 4. The police investigation and a bail condition.
    taps.part = "police"
    taps.click(sections.get_by_role("link", name="Police"), navigates=True)
    taps.click(page.get_by_role("link", name="Record the police investigation"), navigates=True)
    form = page.locator("main form")
    taps.fill(form.get_by_label("Police force"), "Midshire Police")
    taps.fill(form.get_by_label("Officer in the case"), "Priya Shah")
    taps.fill(form.get_by_label("Phone"), "01632 960 123")
    taps.fill(form.get_by_label("Crime reference"), "MP/2026/004512")
    taps.click(form.get_by_role("button", name="Save"), navigates=True)
    taps.click(page.get_by_role("link", name="Record a bail condition"), navigates=True)
    form = page.locator("main form")
    until = today + dt.timedelta(days=28)
    taps.choose(form.get_by_label("The child it applies to"), label=second_child.display_name)
    taps.fill(form.get_by_label("The condition"), "Not to contact the child affected, directly or online.")
    taps.fill(form.get_by_label("In force until"), until.isoformat())
    taps.click(form.get_by_role("button", name="Record bail condition"), navigates=True)
    taps.measure(f"the police section ({size})")
    taps.click(sections.get_by_role("link", name="Summary"), navigates=True)
    facts = page.locator(".case-summary")
    expect(facts).to_contain_text("Crime reference MP/2026/004512")
    expect(facts).to_contain_text(f"Bail on {second_child.display_name} until {until:%-d %b %Y}")
    taps.measure(f"the case summary, worked ({size})")

    # 5. The chronology, printed: the concern with its body map, the decision, the police.
    taps.part = "chronology"
    taps.click(sections.get_by_role("link", name="Chronology", exact=True), navigates=True)
    arrive(page, f"{base}/cases/{ref}/chronology/")
    taps.measure(f"the chronology ({size})")
    pdf = page.request.get(base + page.get_by_role("link", name="Print as PDF").get_attribute("href"))
    taps.counts[taps.part] += 1
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages).split())
    for expected in (
        concern.reference,
        f"Body map: 1. {affected.display_name}, Left forearm and wrist (front): Red finger marks",
        "Report to the police",
        "MP/2026/004512",
        "Page 1 of",
    ):
        assert expected in text, f"{expected!r} is not in the printed chronology"

    # 6. A safety plan for each child, signed off.
    for child, hazard in ((affected, "Meeting J in the toilets or corridors"), (second_child, "Retaliation online")):
        taps.part = f"safety plan for {'the child affected' if child == affected else 'the child alleged'}"
        if not sections.count():  # on the first child's plan: back to its case
            taps.click(page.locator("main").get_by_role("link", name=ref, exact=True), navigates=True)
        taps.click(sections.get_by_role("link", name="Safety plans"), navigates=True)
        taps.click(page.get_by_role("link", name=f"Write a safety plan for {child.display_name}"), navigates=True)
        risk = page.locator("details.plan-section").filter(
            has=page.get_by_role("heading", name="Risk assessment", exact=True)
        )
        taps.click(risk.locator("> summary"))
        taps.fill(page.locator("#id_risk-0-hazard"), hazard)
        taps.choose(page.locator("#id_risk-0-hazard_rating"), value="2")
        taps.choose(page.locator("#id_risk-0-likelihood"), value="4")
        if child == affected:
            taps.measure(f"the safety plan form ({size})")
        taps.click(page.get_by_role("button", name="Save draft"), navigates=True)
        taps.click(page.get_by_role("button", name="Sign off version 1"), navigates=True)
        expect(page.get_by_role("status").filter(has_text="Signed off")).to_be_visible()
    assert SafetyPlan.objects.filter(case=case, status="active").count() == 2

    print(f"\n{size}: taps by part {dict(taps.counts)}, {sum(taps.counts.values())} in all")
    print(f"{size}: page heights {taps.heights}")
