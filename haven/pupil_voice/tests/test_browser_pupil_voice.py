"""Pupil voice in a real browser (Debian's Chromium through Playwright), axe on every page.

A pupil tells their school on a phone with JavaScript off, writes down the reference and
secret words, the DSL reads the report, replies and makes it into a concern, and the pupil
(still without JavaScript) reads the reply and answers. Then the quick-exit button, with
JavaScript, leaves for the neutral page and replaces the history entry.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from haven.cases.tests.test_browser_concern_to_case import PHONE, no_sideways_scroll, sign_in, submit
from haven.concerns.models import Category, Concern
from haven.concerns.taxonomy import load as load_taxonomy
from haven.pupil_voice.models import PupilReport
from haven.testing import factories as f
from haven.testing.browser import axe_check, tick_kind

pytestmark = pytest.mark.browser


@pytest.fixture
def taxonomy(transactional_db):
    load_taxonomy(Category)


def test_a_pupil_tells_the_dsl_replies_and_converts_and_the_pupil_reads_and_answers(
    transactional_db, taxonomy, live_server, world, open_context
):
    base = live_server.url
    code = world.school_a.report_code
    pupil = open_context(java_script_enabled=False, **PHONE)

    # 1. The pupil tells, on a phone, with no account and no JavaScript.
    pupil.goto(f"{base}/tell/{code}/")
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Tell someone")
    expect(pupil.get_by_role("link", name="Leave this page quickly")).to_be_visible()
    axe_check(pupil, label="the pupil form (phone, no JavaScript)")
    no_sideways_scroll(pupil, "the pupil form")
    submit(pupil, pupil.get_by_role("button", name="Send"))
    expect(pupil.get_by_role("alert")).to_contain_text("Please tell us what happened.")
    axe_check(pupil, label="the pupil form with an error")
    pupil.get_by_label("What happened?").fill("A boy in Year 10 keeps making sexual comments about me at lunch 😞")
    pupil.get_by_role("group", name="Where did it happen?").get_by_label("In the dining hall").check()
    pupil.get_by_role("group", name="Would you like someone to talk to you about it?").get_by_label(
        "Yes, but write back to me here"
    ).check()
    submit(pupil, pupil.get_by_role("button", name="Send"))
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Thank you for telling us")
    axe_check(pupil, label="the reference and secret words")
    no_sideways_scroll(pupil, "the reference page")
    reference = pupil.locator("#reference").inner_text().strip()
    passphrase = pupil.locator("#passphrase").inner_text().strip()
    assert len(passphrase.split()) == 5
    report = PupilReport.objects.get(reference=reference)
    assert report.where == "dining_hall" and report.what_happened.endswith("😞")
    assert {c["name"] for c in pupil.context.cookies()} <= {"csrftoken"}

    # 2. The DSL reads it, replies and makes it into a concern.
    dsl = world.users["dsl_a"]
    page = open_context()
    sign_in(page, base, dsl, f.totp_device(dsl))
    page.goto(f"{base}/pupil-voice/")
    axe_check(page, label="the inbox")
    submit(page, page.get_by_role("link", name=reference))
    expect(page.get_by_text("keeps making sexual comments about me")).to_be_visible()
    axe_check(page, label="a pupil's report")
    page.get_by_label("Message to the pupil").fill("Thank you for telling us. We will stop this. Which lunch?")
    submit(page, page.get_by_role("button", name="Send to the pupil"))
    expect(page.get_by_text("Sent. The pupil will see it")).to_be_visible()
    submit(page, page.get_by_role("link", name="Make it into a concern"))
    axe_check(page, label="make a report into a concern")
    page.get_by_label("Child 1", exact=True).fill("PupilA Example")
    page.get_by_label("Role of child 1", exact=True).select_option(label="Child affected")
    tick_kind(page, "Sexual harassment: Sexual comments")
    submit(page, page.get_by_role("button", name="Make it a concern"))
    # The page says so first (were the form sent back, its errors show in this failure).
    try:
        expect(page.get_by_text(f"Report {reference} is now concern")).to_be_visible()
    except AssertionError as exc:
        raise AssertionError(f"The concern was not made; the page says: {page.locator('main').inner_text()}") from exc
    concern = Concern.objects.get(source="pupil_voice")
    expect(page.get_by_text(f"is now concern {concern.reference}")).to_be_visible()
    assert concern.child_words == report.what_happened

    # 3. The pupil reads the reply and answers, still without JavaScript.
    pupil.goto(f"{base}/tell/check/")
    axe_check(pupil, label="check for a reply")
    pupil.get_by_label("Your reference").fill(reference.lower())
    pupil.get_by_label("Your secret words").fill(passphrase)
    submit(pupil, pupil.get_by_role("button", name="Open"))
    expect(pupil.get_by_text("We will stop this. Which lunch?")).to_be_visible()
    axe_check(pupil, label="the pupil's conversation")
    no_sideways_scroll(pupil, "the conversation")
    pupil.get_by_label("Write back").fill("Tuesday and Thursday lunch.")
    submit(pupil, pupil.get_by_role("button", name="Send"))
    expect(pupil.get_by_text("We have your message")).to_be_visible()
    assert "Tuesday and Thursday lunch." in [m.body for m in report.messages.filter(kind="pupil")]

    # The DSL sees the answer.
    page.goto(f"{base}/pupil-voice/{report.pk}/")
    expect(page.get_by_text("Tuesday and Thursday lunch.")).to_be_visible()


def test_quick_exit_leaves_and_replaces_the_history_entry(transactional_db, live_server, world, open_context):
    base = live_server.url
    code = world.school_a.report_code
    page = open_context(**PHONE)
    page.route(
        "https://www.bbc.co.uk/**", lambda route: route.fulfill(body="<title>Weather</title>", content_type="text/html")
    )
    page.goto(f"{base}/tell/{code}/about/help/")
    axe_check(page, label="help now (secondary)")
    page.goto(f"{base}/tell/{code}/")
    page.get_by_label("What happened?").fill("half written")
    with page.expect_navigation():
        page.get_by_role("link", name="Leave this page quickly").click()
    expect(page).to_have_url("https://www.bbc.co.uk/weather")
    page.go_back()
    page.wait_for_load_state("load")
    # Back goes to the page before the form: the form itself is no longer in the history.
    assert page.url == f"{base}/tell/{code}/about/help/"


def test_the_primary_form_passes_axe_on_a_phone(transactional_db, live_server, world, open_context):
    page = open_context(java_script_enabled=False, **PHONE)
    page.goto(f"{live_server.url}/tell/{world.school_m.report_code}/")
    expect(page.get_by_text("A grown-up who keeps children safe will read it.")).to_be_visible()
    axe_check(page, label="the primary form")
    no_sideways_scroll(page, "the primary form")
