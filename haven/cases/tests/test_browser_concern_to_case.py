"""From a concern to a case in a real browser (Debian's Chromium through Playwright), with
axe-core (WCAG 2.2 AA and best practice) on every page visited.

A member of staff records an urgent concern about two children; the safeguarding lead sees
it first, opens a case, answers the checklist, is stopped by the police starting point for
a sexual assault until a route or a reason is given, records parents informed, refers and
prints the chronology. Then the staff form on its own: without JavaScript, on a phone, and
with the keyboard alone. See haven/testing/browser.py for the fixtures and the axe check.

Transactional (``live_server``): ``transactional_db`` comes before ``world`` so the server
thread sees the test data, and every table is emptied after each test, including the
national categories the data migration loaded, so ``taxonomy`` loads them again.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re

import pytest
from django.utils import timezone
from django_otp.oath import TOTP
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from haven.accounts.models import AuthenticatorApp, User
from haven.cases.models import Case, ConsiderationAnswer, Decision, ParentsInformed, Referral
from haven.concerns.models import Category, Concern
from haven.concerns.rules import POLICE_STARTING_POINT
from haven.concerns.taxonomy import load as load_taxonomy
from haven.testing import factories as f
from haven.testing.browser import axe_check, kind_summary, tick_kind

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"
CONCERN_REF = re.compile(r"Your concern (C-\d+-\d+) has been sent")


@pytest.fixture
def taxonomy(transactional_db):
    """The national categories (a data migration loads them; a transactional flush empties them)."""
    load_taxonomy(Category)


# -- Helpers -------------------------------------------------------------------------------


def device_code(device: AuthenticatorApp) -> str:
    device.refresh_from_db()
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():0{device.digits}d}"


def code_from_shown_key(shown: str) -> str:
    """What an authenticator app shows after the person types the key from the set-up page."""
    secret = re.sub(r"\s+", "", shown).upper()
    return f"{TOTP(base64.b32decode(secret + '=' * (-len(secret) % 8))).token():06d}"


def arrive(page: Page, url: str | re.Pattern[str]) -> None:
    """Wait until the browser is at ``url`` and has finished loading it."""
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def submit(page: Page, button: Locator) -> None:
    with page.expect_navigation():
        button.click()
    page.wait_for_load_state("load")


# Where a concern sent goes: the record itself (every role has passed two factors).
SENT_RECORD = re.compile(r"/concerns/C-[0-9]+-[0-9]+/$")


def sign_in(page: Page, base: str, user: User, device: AuthenticatorApp | None = None) -> None:
    """The password, then the authenticator's code: every role, staff included, gives both.
    With no ``device`` given, an authenticator app of its own is made for this sign-in (a code
    works once, so two sign-ins within 30 seconds must not share one)."""
    if device is None:
        device = f.totp_device(user)
    page.goto(base + "/")
    page.get_by_label("Email address", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(f.PASSWORD)
    submit(page, page.get_by_role("button", name="Sign in"))
    arrive(page, base + "/account/two-factor/")
    page.get_by_label("Code", exact=True).fill(device_code(device))
    submit(page, page.get_by_role("button", name="Continue"))
    arrive(page, base + "/")


def sign_out(page: Page, base: str) -> None:
    submit(page, page.get_by_role("button", name="Sign out"))
    arrive(page, base + "/account/sign-in/")


def nav(page: Page, name: str) -> None:
    submit(page, page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True))


def fill_concern(page: Page, *, children: list[tuple[str, str]], what_happened: str | None) -> None:
    """Fill the staff form as a member of staff would (a sexual assault in the toilets)."""
    for n, (name, role) in enumerate(children, start=1):
        if n == 2:  # children 2 to 6 sit behind "Another child involved"
            page.get_by_text("Another child involved", exact=True).click()
        page.get_by_label(f"Child {n}", exact=True).fill(name)
        page.get_by_label(f"Role of child {n}", exact=True).select_option(label=role)
    # Typed, not left at the default: see test_the_form_starts_with_todays_date.
    page.get_by_label("Date it happened", exact=True).fill(timezone.localdate().isoformat())
    page.get_by_label("Where it happened", exact=True).select_option(label="Toilets")
    tick_kind(page, "Sexual violence: Sexual assault")  # in its group, opened first
    if what_happened is not None:
        page.get_by_label("What happened", exact=True).fill(what_happened)
    page.get_by_label("The child's exact words").fill("He grabbed me and wouldn't stop. I said no.")
    page.get_by_label("What you have done so far").fill("Stayed with her and came straight to the office.")
    told = page.get_by_role("group", name="Did you tell the child what happens next?")
    told.get_by_label("Yes", exact=True).check()


def send_concern(page: Page) -> None:
    submit(page, page.get_by_role("button", name="Send to the safeguarding lead"))


def tab_to(page: Page, target: Locator, *, limit: int = 80) -> None:
    """Press Tab until ``target`` has focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Tab")
    expect(target).to_be_focused()


def no_sideways_scroll(page: Page, what: str) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{what} scrolls sideways on a phone (scroll, client width): {widths}"


# -- 1. The journey --------------------------------------------------------------------------


def test_an_urgent_concern_becomes_a_case_with_a_police_report_and_a_printed_chronology(
    transactional_db, taxonomy, live_server, world, make_concern, second_child, page
):
    base = live_server.url
    staff, dsl = world.users["staff_a"], world.users["dsl_a"]
    affected = world.pupils["a"]
    dsl_device = f.totp_device(dsl)
    older = make_concern(days_ago=3)  # waiting longer, but not urgent: the new one goes above it

    # A member of staff, no second factor, records the concern.
    sign_in(page, base, staff)
    nav(page, "Record a concern")
    arrive(page, base + "/concerns/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a concern")
    axe_check(page, label="concern form")

    fill_concern(
        page,
        children=[(affected.display_name, "Child affected"), ("Jordan Lee", "Child alleged to have harmed")],
        what_happened=None,  # forgotten: the form must come back with everything else kept
    )
    page.get_by_label("This is urgent", exact=False).check()
    send_concern(page)
    arrive(page, base + "/concerns/new/")
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("There is a problem")
    expect(summary.get_by_role("link", name=re.compile("What happened: Enter what happened"))).to_be_visible()
    what = page.get_by_label("What happened", exact=True)
    expect(what).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Child 1", exact=True)).to_have_value(
        re.compile(rf"^{affected.display_name} .*#{affected.pk}$")
    )
    expect(page.get_by_label("Role of child 1", exact=True)).to_have_value("affected")
    expect(page.get_by_label("Child 2", exact=True)).to_have_value(re.compile(rf"^Jordan Lee .*#{second_child.pk}$"))
    expect(page.get_by_label("Role of child 2", exact=True)).to_have_value("alleged_harmer")
    expect(page.get_by_label("Where it happened", exact=True)).to_have_value("toilets")
    expect(page.get_by_label("Sexual violence: Sexual assault", exact=True)).to_be_checked()
    expect(page.get_by_label("The child's exact words")).to_have_value("He grabbed me and wouldn't stop. I said no.")
    expect(page.get_by_label("This is urgent", exact=False)).to_be_checked()
    expect(
        page.get_by_role("group", name="Did you tell the child what happens next?").get_by_label("Yes", exact=True)
    ).to_be_checked()
    axe_check(page, label="concern form with an error")

    what.fill("In the toilets at break J pushed her against the wall and touched her over her clothes.")
    send_concern(page)
    # Staff sign in with two factors too, so they go on to the record they sent.
    expect(page).to_have_url(SENT_RECORD)
    page.wait_for_load_state("load")
    message = page.get_by_role("status").filter(has_text="Thank you")
    expect(message).to_contain_text("alerted that it is urgent")
    match = CONCERN_REF.search(message.inner_text())
    assert match, message.inner_text()
    reference = match.group(1)
    nav(page, "Your concerns")
    arrive(page, base + "/concerns/")
    mine = page.get_by_role("table", name="Concerns you recorded, newest first")
    expect(mine.locator("tbody tr").first).to_contain_text(reference)
    expect(mine.locator("tbody tr").first).to_contain_text("Not yet")
    axe_check(page, label="concern sent")
    sign_out(page, base)

    # The safeguarding lead, with two factors, sees it first.
    sign_in(page, base, dsl, dsl_device)
    nav(page, "Safeguarding")
    arrive(page, base + "/cases/")
    rows = page.get_by_role("table", name="Concerns to triage").locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text(reference)
    expect(rows.first.locator(".tag-urgent")).to_have_text("Urgent")
    expect(rows.first).to_contain_text("Sexual assault")
    expect(rows.nth(1)).to_contain_text(older.reference)
    axe_check(page, label="dashboard")

    submit(page, rows.first.get_by_role("link", name=reference))
    arrive(page, f"{base}/cases/triage/{reference}/")
    axe_check(page, label="triage")
    submit(page, page.get_by_role("button", name="Mark as received"))
    arrive(page, f"{base}/cases/triage/{reference}/")
    expect(page.get_by_text(re.compile(r"^Received by Dsl A on"))).to_be_visible()
    page.get_by_label("Case title").fill("Sexual assault in the toilets")
    submit(page, page.get_by_role("button", name="Open a case"))
    arrive(page, re.compile(rf"^{re.escape(base)}/cases/K-\d+-\d+/$"))
    case = Case.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Case {case.reference}: Sexual assault in the toilets")
    # The summary says what is still needed, the police starting point included.
    expect(page.locator(".panel-warning").filter(has_text="Before the case can be closed")).to_contain_text(
        POLICE_STARTING_POINT
    )
    axe_check(page, label="case summary with the police starting point")
    sections = page.get_by_role("navigation", name=f"Sections of case {case.reference}")
    submit(page, sections.get_by_role("link", name="Decisions and referrals"))
    arrive(page, f"{base}/cases/{case.reference}/decisions/")
    prompt = page.get_by_role("note").filter(has_text="Statutory starting point")
    expect(prompt).to_contain_text(POLICE_STARTING_POINT)
    axe_check(page, label="case decisions with the police starting point")

    # Managing it internally, with no reason for leaving the police out: refused.
    decision = page.locator("#decision-form form")
    decision.get_by_role("checkbox", name="Manage internally").check()
    reason = "Both children spoken to; behaviour plan and separate timetables."
    decision.get_by_label("Why", exact=True).fill(reason)
    submit(page, decision.get_by_role("button", name="Record decision"))
    arrive(page, f"{base}/cases/{case.reference}/decisions/new/")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("There is a problem")
    expect(alert).to_contain_text(POLICE_STARTING_POINT)
    expect(alert).to_contain_text("Your entry was not saved")
    decision = page.locator("main form")
    expect(decision.get_by_label("Why", exact=True)).to_have_value(reason)
    expect(decision.get_by_role("checkbox", name="Manage internally")).to_be_checked()
    override = decision.get_by_label("If you are not following the statutory starting point", exact=False)
    expect(override).to_have_attribute("aria-invalid", "true")
    assert not Decision.objects.exists()
    axe_check(page, label="decision refused")

    # The police route: accepted, and the prompt is met.
    decision.get_by_role("checkbox", name="Manage internally").uncheck()
    decision.get_by_role("checkbox", name="Report to the police").check()
    decision.get_by_label("Why", exact=True).fill(
        "A sexual assault: reported to the police on 101, as the policy says."
    )
    submit(page, decision.get_by_role("button", name="Record decision"))
    arrive(page, re.compile(rf"^{re.escape(base)}/cases/{case.reference}/decisions/#decision-\d+$"))
    expect(page.get_by_role("note").filter(has_text="Statutory starting point followed")).to_be_visible()
    expect(page.locator(".decision").first).to_contain_text("Report to the police")
    assert list(Decision.objects.values_list("route", "statutory_override")) == [("police", "")]

    # The checklist: two answers.
    submit(page, sections.get_by_role("link", name="Considerations"))
    arrive(page, f"{base}/cases/{case.reference}/considerations/")
    for item_code, label, answer, notes in (
        ("crime", "Might a crime have been committed?", "Yes", "Sexual assault: reported to the police."),
        ("ages", "The ages of the children involved", "Considered (see notes)", "Both in Year 9; J is older."),
    ):
        item = page.locator(".consideration").filter(has=page.get_by_role("heading", name=label))
        item.get_by_text("Record an answer", exact=True).click()
        item.get_by_label(answer, exact=True).check()
        item.get_by_role("textbox", name="Notes").fill(notes)
        submit(page, item.get_by_role("button", name="Save answer"))
        arrive(page, f"{base}/cases/{case.reference}/considerations/#consideration-{item_code}")
        item = page.locator(".consideration").filter(has=page.get_by_role("heading", name=label))
        expect(item).to_contain_text(f"{answer}: {notes}")
    assert ConsiderationAnswer.objects.filter(case=case).count() == 2

    # Parents: informed for the child affected; not informed, with the reason, for the other.
    today = timezone.localdate()
    submit(page, sections.get_by_role("link", name="Decisions and referrals"))
    parents = page.locator("#parents-form form")
    parents.get_by_label("Child", exact=True).select_option(label=affected.display_name)
    parents.get_by_role("radio", name="Yes").check()
    parents.get_by_label("Date informed").fill(today.isoformat())
    submit(page, parents.get_by_role("button", name="Record"))
    arrive(page, f"{base}/cases/{case.reference}/decisions/#child-{affected.pk}")
    parents = page.locator("#parents-form form")
    parents.get_by_label("Child", exact=True).select_option(label=second_child.display_name)
    parents.get_by_role("radio", name="No").check()
    not_told = "The police asked us not to tell them until they have spoken to J."
    parents.get_by_label("Notes, or why they were not informed").fill(not_told)
    submit(page, parents.get_by_role("button", name="Record"))
    arrive(page, f"{base}/cases/{case.reference}/decisions/#child-{second_child.pk}")
    children = page.get_by_role("table", name="Parents and carers informed, by child")
    expect(children.get_by_role("row").filter(has_text=affected.display_name)).to_contain_text(
        f"Informed {today:%-d %b %Y}"
    )
    expect(children.get_by_role("row").filter(has_text="Jordan Lee")).to_contain_text(f"Not informed: {not_told}")
    assert sorted(ParentsInformed.objects.values_list("informed", flat=True)) == [False, True]

    # The referral to children's social care.
    referral = page.locator("#referral-form form")
    referral.get_by_label("Referred to").select_option(label="Children's social care / MASH")
    referral.get_by_label("Date of referral").fill(today.isoformat())
    referral.get_by_label("Their reference").fill("MASH-2026-0412")
    submit(page, referral.get_by_role("button", name="Record referral"))
    made = Referral.objects.get()
    assert made.agency == "social_care"
    arrive(page, f"{base}/cases/{case.reference}/decisions/#referral-{made.pk}")
    expect(page.locator(f"#referral-{made.pk}")).to_contain_text("their reference MASH-2026-0412")
    axe_check(page, label="case decisions after decisions, parents and referral")

    # The chronology, and its PDF.
    submit(page, sections.get_by_role("link", name="Chronology", exact=True))
    arrive(page, f"{base}/cases/{case.reference}/chronology/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Chronology of case {case.reference}")
    expect(page.locator(".chronology")).to_contain_text("Report to the police")
    axe_check(page, label="chronology")
    pdf_link = page.get_by_role("link", name="Print as PDF")
    expect(pdf_link).to_have_attribute("href", f"/cases/{case.reference}/chronology.pdf")
    response = page.request.get(base + pdf_link.get_attribute("href"))
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    for expected in (reference, "Report to the police", "CONFIDENTIAL", "Page 1 of"):
        assert expected in text, f"{expected!r} is not in the printed chronology:\n{text[:2000]}"
    sign_out(page, base)

    # The member of staff again: the lead has received it; the case is not theirs to open.
    sign_in(page, base, staff)
    nav(page, "Your concerns")
    row = page.get_by_role("table", name="Concerns you recorded, newest first").locator("tbody tr").first
    expect(row).to_contain_text(reference)
    expect(row).to_contain_text(re.compile(r"Yes, \d+ \w+ \d{4}"))
    submit(page, row.get_by_role("link", name=reference))
    # Signed in with two factors, as every role is: straight to the concern.
    arrive(page, f"{base}/concerns/{reference}/")
    expect(page.get_by_role("definition").filter(has_text="Received by")).to_contain_text("Received by Dsl A on")
    expect(page.get_by_role("link", name=re.compile("case K-"))).to_have_count(0)
    axe_check(page, label="concern as its author sees it")
    response = page.goto(f"{base}/cases/{case.reference}/")
    assert response is not None and response.status == 404
    response = page.request.get(f"{base}/cases/{case.reference}/chronology.pdf")
    assert response.status == 404


# -- 2. Without JavaScript ------------------------------------------------------------------


def test_without_javascript_a_name_matching_two_pupils_asks_which(
    transactional_db, taxonomy, live_server, world, open_context
):
    page = open_context(java_script_enabled=False)
    base = live_server.url
    taylor = f.PupilFactory(school=world.school_a, legal_forename="Sam", legal_surname="Taylor")
    f.PupilFactory(school=world.school_a, legal_forename="Sam", legal_surname="Turner")
    sign_in(page, base, world.users["staff_a"])
    nav(page, "Record a concern")
    arrive(page, base + "/concerns/new/")

    fill_concern(page, children=[("Sam T", "Child affected")], what_happened="Sam said an older boy touched her.")
    send_concern(page)
    arrive(page, base + "/concerns/new/")
    expect(page.get_by_role("alert")).to_contain_text("2 pupils match “Sam T”: choose one.")
    which = page.get_by_role("group", name="Which pupil?")
    expect(which.get_by_role("radio")).to_have_count(2)
    expect(page.get_by_label("What happened", exact=True)).to_have_value("Sam said an older boy touched her.")
    axe_check(page, label="concern form asking which pupil, without JavaScript")

    which.get_by_role("radio", name=re.compile(r"^Sam Taylor, Year 9")).check()
    send_concern(page)
    expect(page).to_have_url(SENT_RECORD)
    page.wait_for_load_state("load")
    found = CONCERN_REF.search(page.get_by_role("status").inner_text())
    assert found
    concern = Concern.objects.get(reference=found.group(1))
    assert [(c.pupil_id, c.role) for c in concern.children.all()] == [(taylor.pk, "affected")]
    assert concern.what_happened == "Sam said an older boy touched her."
    axe_check(page, label="concern sent, without JavaScript")


# -- 3. On a phone ---------------------------------------------------------------------------


def test_the_form_and_the_dashboard_fit_a_phone(
    transactional_db, taxonomy, live_server, world, make_concern, open_context
):
    base = live_server.url
    make_concern(urgent=True, codes=("sexual_assault",), location="toilets")
    make_concern(days_ago=4, what_happened="A long account " * 40)

    page = open_context(**PHONE)
    sign_in(page, base, world.users["staff_a"])
    page.goto(base + "/concerns/new/")
    arrive(page, base + "/concerns/new/")
    no_sideways_scroll(page, "the concern form")
    axe_check(page, label="concern form on a phone")
    send_concern(page)  # nothing filled in: every error at once
    arrive(page, base + "/concerns/new/")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    no_sideways_scroll(page, "the concern form with errors")
    axe_check(page, label="concern form with errors on a phone")

    page = open_context(**PHONE)
    dsl = world.users["dsl_a"]
    sign_in(page, base, dsl, f.totp_device(dsl))
    page.goto(base + "/cases/")
    arrive(page, base + "/cases/")
    expect(page.get_by_role("table", name="Concerns to triage").locator("tbody tr")).to_have_count(2)
    no_sideways_scroll(page, "the dashboard")
    axe_check(page, label="dashboard on a phone")


# -- 4. The keyboard alone -------------------------------------------------------------------


def test_the_concern_form_works_with_the_keyboard_alone(transactional_db, taxonomy, live_server, world, page):
    base = live_server.url
    pupil = world.pupils["a"]
    sign_in(page, base, world.users["staff_a"])
    page.goto(base + "/concerns/new/")
    arrive(page, base + "/concerns/new/")
    keyboard = page.keyboard

    tab_to(page, page.get_by_label("Child 1", exact=True))
    keyboard.type(pupil.display_name)
    tab_to(page, page.get_by_label("Role of child 1", exact=True))
    keyboard.type("Child affected")  # a closed select picks the option as you type its name
    expect(page.get_by_label("Role of child 1", exact=True)).to_have_value("affected")
    # Typed, since the form does not show its default (test_the_form_starts_with_todays_date).
    # A day whose day and month are the same number types the same whatever order the
    # browser's locale puts them in (dd/mm/yyyy or mm/dd/yyyy).
    day = timezone.localdate()
    while day.day != day.month:
        day -= dt.timedelta(days=1)
    tab_to(page, page.get_by_label("Date it happened", exact=True))
    keyboard.type(f"{day.day:02d}{day.month:02d}{day.year}")
    expect(page.get_by_label("Date it happened", exact=True)).to_have_value(day.isoformat())
    tab_to(page, page.get_by_label("Where it happened", exact=True))
    keyboard.type("Toilets")
    tab_to(page, kind_summary(page, "Sexual violence: Sexual assault"))
    keyboard.press("Enter")  # opens the group of kinds
    tab_to(page, page.get_by_label("Sexual violence: Sexual assault", exact=True))
    keyboard.press("Space")
    expect(page.get_by_label("Sexual violence: Sexual assault", exact=True)).to_be_checked()
    tab_to(page, page.get_by_label("What happened", exact=True))
    keyboard.type("She told me a boy touched her in the toilets at break.")
    told = page.get_by_role("group", name="Did you tell the child what happens next?")
    tab_to(page, told.get_by_label("Yes", exact=True))
    keyboard.press("Space")
    expect(told.get_by_label("Yes", exact=True)).to_be_checked()
    tab_to(page, page.get_by_role("button", name="Send to the safeguarding lead"))
    with page.expect_navigation():
        keyboard.press("Enter")
    expect(page).to_have_url(SENT_RECORD)
    page.wait_for_load_state("load")
    found = CONCERN_REF.search(page.get_by_role("status").inner_text())
    assert found
    concern = Concern.objects.get(reference=found.group(1))
    assert [c.pupil_id for c in concern.children.all()] == [pupil.pk]
    assert [c.code for c in concern.categories.all()] == ["sexual_assault"]
    assert (concern.location, concern.child_told_next_steps, concern.urgent) == ("toilets", "yes", False)


# -- Known product bugs (strict: when one is fixed, its test fails until the mark goes) -----


def test_the_form_starts_with_todays_date(transactional_db, taxonomy, live_server, world, page):
    base = live_server.url
    sign_in(page, base, world.users["staff_a"])
    page.goto(base + "/concerns/new/")
    arrive(page, base + "/concerns/new/")
    shown = page.get_by_label("Date it happened", exact=True).input_value()
    page.close()  # the value says it all: no screenshot of the page when this fails
    assert shown == timezone.localdate().isoformat()


LABEL_PROBLEMS = """() => {
    const problems = [];
    const seen = {};
    document.querySelectorAll("[id]").forEach((el) => { seen[el.id] = (seen[el.id] || 0) + 1; });
    Object.entries(seen).filter(([, n]) => n > 1).forEach(([id, n]) => problems.push(`id ${id} is used ${n} times`));
    document.querySelectorAll("label[for]").forEach((label) => {
        const field = label.control;
        if (field && field.form !== label.closest("form")) {
            problems.push(`label "${label.textContent.trim()}" names a field in another form (#${field.id})`);
        }
    });
    return problems;
}"""


def test_every_label_on_the_case_pages_names_a_field_in_its_own_form(
    transactional_db, taxonomy, live_server, world, make_concern, page
):
    from haven.cases.services import case_open

    base = live_server.url
    dsl = world.users["dsl_a"]
    case = case_open(by=dsl, concern=make_concern(codes=("sexual_assault",)))
    case.referrals.create(agency="camhs", referred_on=timezone.localdate(), by=dsl)  # its outcome form too
    sign_in(page, base, dsl, f.totp_device(dsl))
    problems = []
    for section in ("", "considerations/", "decisions/", "support/", "tasks/", "access/", "decisions/new/"):
        page.goto(f"{base}/cases/{case.reference}/{section}")
        arrive(page, f"{base}/cases/{case.reference}/{section}")
        problems += [f"{section or 'summary'}: {p}" for p in page.evaluate(LABEL_PROBLEMS)]
    page.close()  # the list says it all: no screenshot of the page when this fails
    assert problems == []
