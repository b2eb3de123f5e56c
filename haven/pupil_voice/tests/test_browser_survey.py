"""A culture survey in a real browser (Debian's Chromium through Playwright), axe on every page.

The DSL opens a survey for their school; a pupil, on a phone with JavaScript off, finds it
from the school's reporting page, leaves a question out, is told, answers and sees the
help links; the DSL reads the results (enough answers seeded to pass the threshold of 10),
with the year groups, on a desktop and on a phone.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from haven.cases.tests.test_browser_concern_to_case import PHONE, no_sideways_scroll, sign_in, submit
from haven.pupil_voice.models import Survey, SurveyResponse
from haven.testing import factories as f
from haven.testing.browser import axe_check

from .survey_helpers import BAD, seed

pytestmark = pytest.mark.browser


def test_a_dsl_opens_a_survey_a_pupil_answers_and_the_dsl_reads_the_results(
    transactional_db, live_server, world, open_context
):
    base = live_server.url
    code = world.school_a.report_code
    dsl = world.users["dsl_a"]

    # 1. The DSL opens a survey from the pupils' reports page.
    page = open_context()
    sign_in(page, base, dsl, f.totp_device(dsl))
    page.goto(f"{base}/pupil-voice/")
    submit(page, page.get_by_role("link", name="Culture surveys"))
    axe_check(page, label="the survey list (empty)")
    submit(page, page.get_by_role("link", name="Open a survey"))
    axe_check(page, label="open a survey")
    page.get_by_label("Title").fill("")
    submit(page, page.get_by_role("button", name="Open the survey"))
    expect(page.get_by_role("alert")).to_contain_text("Give the survey a title")
    axe_check(page, label="open a survey with an error")
    page.get_by_label("Title").fill("Autumn: how safe do pupils feel?")
    submit(page, page.get_by_role("button", name="Open the survey"))
    expect(page.get_by_text("Survey opened.")).to_be_visible()
    survey = Survey.objects.get()

    # 2. A pupil answers on a phone without JavaScript.
    pupil = open_context(java_script_enabled=False, **PHONE)
    pupil.goto(f"{base}/tell/{code}/")
    submit(pupil, pupil.get_by_role("link", name="Answer the survey"))
    expect(pupil.get_by_role("heading", level=1)).to_have_text("How safe do you feel?")
    expect(pupil.get_by_role("link", name="Leave this page quickly")).to_be_visible()
    axe_check(pupil, label="the survey (phone, no JavaScript)")
    no_sideways_scroll(pupil, "the survey")
    pupil.get_by_role("group", name="How safe do you feel at school?").get_by_label("Mostly safe", exact=True).check()
    pupil.get_by_role("group", name="How safe do you feel online").get_by_label("Very safe", exact=True).check()
    pupil.get_by_role("group", name="would you tell an adult").get_by_label("Yes", exact=True).check()
    pupil.get_by_role("group", name="Do you know how to report").get_by_label("Yes, I know", exact=True).check()
    pupil.get_by_role("group", name="Which year are you in?").get_by_label("Years 10 and 11", exact=True).check()
    submit(pupil, pupil.get_by_role("button", name="Send my answers"))
    expect(pupil.get_by_role("alert")).to_contain_text("Please choose an answer.")
    axe_check(pupil, label="the survey with missing answers")
    expect(
        pupil.get_by_role("group", name="How safe do you feel at school?").get_by_label("Mostly safe")
    ).to_be_checked()
    pupil.get_by_role("group", name="sexual comments or jokes").get_by_label("Once or twice", exact=True).check()
    pupil.get_by_role("group", name="Do you know what sexual harassment is?").get_by_label(
        "I'm not sure", exact=True
    ).check()
    submit(pupil, pupil.get_by_role("button", name="Send my answers"))
    expect(pupil.get_by_role("heading", level=1)).to_have_text("Thank you for your answers")
    expect(pupil.get_by_text("0800 1111").first).to_be_visible()
    axe_check(pupil, label="thank you")
    no_sideways_scroll(pupil, "thank you")
    response = SurveyResponse.objects.get()
    assert response.year_band == "y10_11" and response.answers.get(question="safe_school").answer == "mostly_safe"
    assert {c["name"] for c in pupil.context.cookies()} <= {"csrftoken"}

    # 3. With the class's answers in, the DSL reads the results.
    seed(survey, world.school_a, 11, band="y10_11", answers=BAD)
    seed(survey, world.school_a, 12, band="y7_9")
    page.goto(f"{base}/pupil-voice/surveys/")
    submit(page, page.get_by_role("link", name="Autumn: how safe do pupils feel?"))
    # While pupils can still answer, only how many have: figures moving as one pupil answers
    # would show that pupil's answers.
    expect(page.get_by_text("Pupils who have answered so far: 24.")).to_be_visible()
    expect(page.get_by_role("heading", name="How safe do you feel at school?")).to_have_count(0)
    axe_check(page, label="survey still open")
    submit(page, page.get_by_role("button", name="Close this survey now"))
    expect(page.get_by_text("Survey closed. Its answers are kept.")).to_be_visible()
    expect(page.get_by_role("heading", name="How safe do you feel at school?")).to_be_visible()
    table = page.get_by_role("table", name="How safe do you feel at school?")
    expect(table.get_by_role("row", name="Alder Academy")).to_contain_text("50%")  # 12 of 24 very safe
    expect(table.get_by_role("row", name="Years 7 to 9")).to_contain_text("100%")
    expect(table.get_by_role("row", name="Not said")).to_have_count(0)
    axe_check(page, label="survey results")
    phone = open_context(**PHONE)
    sign_in(phone, base, dsl, f.totp_device(dsl))
    phone.goto(f"{base}/pupil-voice/surveys/{survey.pk}/")
    axe_check(phone, label="survey results on a phone")
    no_sideways_scroll(phone, "survey results")
