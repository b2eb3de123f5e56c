"""The survey pages through Django's client: pupils answering, and the results pages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.pupil_voice.models import Survey, SurveyResponse

from .survey_helpers import BAD, GOOD, close, open_survey, seed


def _url(school):
    return reverse("tell_survey", args=[school.report_code])


def _token(response):
    found = re.search(r'name="token" value="([^"]+)"', response.text)
    assert found
    return found.group(1)


def _post(client, school, answers=None, token=None, **extra):
    if token is None:
        token = _token(client.get(_url(school)))
    data = {**(GOOD if answers is None else answers), "token": token, **extra}
    return client.post(_url(school), data, REMOTE_ADDR="203.0.113.9")


# -- Pupils ------------------------------------------------------------------------------------
def test_with_no_survey_open_the_pupil_gets_a_kind_page(client, world):
    response = client.get(_url(world.school_a))
    assert response.status_code == 200
    assert "There is no survey open just now" in response.text
    assert "Leave this page quickly" in response.text
    assert "Answer the survey" not in client.get(reverse("tell", args=[world.school_a.report_code])).text


def test_an_unknown_school_code_is_404(client, world):
    assert client.get("/tell/not-a-school/survey/").status_code == 404
    assert client.post("/tell/not-a-school/survey/", GOOD).status_code == 404


def test_a_pupil_answers_once_and_sees_help(client, world):
    open_survey(world.users["dsl_a"], [world.school_a])
    tell = client.get(reverse("tell", args=[world.school_a.report_code]))
    assert "Answer the survey" in tell.text
    page = client.get(_url(world.school_a))
    assert "How safe do you feel online: on your phone, in games and on apps?" in page.text  # secondary words
    assert page["Cache-Control"].startswith("max-age=0") or "no-cache" in page["Cache-Control"]
    token = _token(page)
    done = _post(client, world.school_a, token=token, year_band="y7_9")
    assert done.status_code == 200
    assert "Thank you for your answers" in done.text and "0800 1111" in done.text
    again = _post(client, world.school_a, token=token)  # a refresh sends the same form again
    assert "not counted them twice" in again.text
    assert SurveyResponse.objects.count() == 1
    assert set(client.cookies) <= {"csrftoken"}


def test_a_primary_school_gets_primary_words_and_bands(client, world):
    open_survey(world.users["dsl_m"], [world.school_m])
    page = client.get(_url(world.school_m))
    assert "would you tell a grown-up at school?" in page.text
    assert "Years 5 and 6" in page.text and "Years 10 and 11" not in page.text


def test_missing_answers_keep_what_was_chosen(client, world):
    open_survey(world.users["dsl_a"], [world.school_a])
    answers = {**GOOD, "tell_adult": "", "know_harassment": ""}
    response = _post(client, world.school_a, answers=answers, year_band="y10_11")
    assert response.status_code == 400
    assert response.text.count("Please choose an answer.") == 4  # in the summary and at each question
    assert re.search(r'value="very_safe"[^>]*checked', response.text)
    assert re.search(r'value="y10_11"[^>]*checked', response.text)
    assert 'aria-describedby=" id_tell_adult_error"' in response.text or "id_tell_adult_error" in response.text
    assert not SurveyResponse.objects.exists()


def test_made_up_answers_and_forged_questions_count_nothing(client, world):
    open_survey(world.users["dsl_a"], [world.school_a])
    bad = _post(client, world.school_a, answers={**GOOD, "safe_school": "<script>alert(1)</script>"})
    assert bad.status_code == 400 and "Please choose one of the answers." in bad.text
    assert "<script>alert(1)" not in bad.text
    # A question the survey does not ask is ignored by the form, never stored.
    ok = _post(client, world.school_a, answers={**GOOD, "favourite_teacher": "Mr Smith"})
    assert ok.status_code == 200
    assert not SurveyResponse.objects.get().answers.filter(question="favourite_teacher").exists()
    wrong_band = _post(client, world.school_a, year_band="y99")
    assert wrong_band.status_code == 400 and SurveyResponse.objects.count() == 1


def test_an_expired_token_asks_again_keeping_the_answers(client, world):
    open_survey(world.users["dsl_a"], [world.school_a])
    response = _post(client, world.school_a, token="forged")
    assert response.status_code == 400
    assert "Please answer again" in response.text
    assert re.search(r'value="very_safe"[^>]*checked', response.text)
    assert _token(response) != "forged"
    assert not SurveyResponse.objects.exists()


def test_a_survey_closed_while_the_pupil_answered(client, world):
    survey = open_survey(world.users["dsl_a"], [world.school_a])
    token = _token(client.get(_url(world.school_a)))
    Survey.objects.filter(pk=survey.pk).update(closed_early_on=survey.opens_on)
    response = _post(client, world.school_a, token=token)
    assert response.status_code == 400 and "There is no survey open just now" in response.text
    assert not SurveyResponse.objects.exists()


def test_too_many_answers_from_one_address_slow_down(client, world, monkeypatch):
    from haven.pupil_voice import limits

    monkeypatch.setattr(limits, "SURVEYS_PER_ADDRESS", limits.Limit("survey-address", 2, 3600))
    open_survey(world.users["dsl_a"], [world.school_a])
    assert _post(client, world.school_a).status_code == 200
    assert _post(client, world.school_a).status_code == 200
    assert _post(client, world.school_a).status_code == 429
    assert SurveyResponse.objects.count() == 2


# -- Opening a survey --------------------------------------------------------------------------
def test_a_dsl_opens_a_survey_for_their_school(client, world):
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("pupil_voice:survey_new"))
    assert "For <strong>Alder Academy</strong>" in page.text
    response = client.post(
        reverse("pupil_voice:survey_new"),
        {"title": "Autumn check", "opens_on": "2099-01-01", "closes_on": "2098-01-01"},
    )
    assert response.status_code == 400
    assert "past" not in response.text  # 2099 is not in the past, but too far ahead
    assert 'value="Autumn check"' in response.text and 'value="2098-01-01"' in response.text
    today = page.context["form"].initial["opens_on"]
    response = client.post(
        reverse("pupil_voice:survey_new"),
        {"title": "Autumn check", "opens_on": today.isoformat(), "closes_on": (today.replace(day=1)).isoformat()},
    )
    assert response.status_code == 400 and "after the opening date" in response.text
    response = client.post(
        reverse("pupil_voice:survey_new"),
        {
            "title": "Autumn check",
            "opens_on": today.isoformat(),
            "closes_on": page.context["form"].initial["closes_on"].isoformat(),
        },
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pupil_voice:survey", args=[survey.pk])
    assert list(survey.schools.all()) == [world.school_a]


def test_an_la_officer_chooses_schools_by_phase_or_by_ticking(client, world):
    from haven.testing import factories as f

    primary = f.SchoolFactory(name="Aspen Primary", urn="140009", authority=world.authority, phase="primary")
    sign_in(client, world.users["la_officer_a"])
    page = client.get(reverse("pupil_voice:survey_new"))
    assert "Primary schools only" in page.text and "Northshire Primary" not in page.text
    today = page.context["form"].initial["opens_on"]
    closes = page.context["form"].initial["closes_on"]
    data = {"title": "County", "opens_on": today.isoformat(), "closes_on": closes.isoformat()}
    response = client.post(reverse("pupil_voice:survey_new"), {**data, "which": "chosen"})
    assert response.status_code == 400 and "Choose at least one school." in response.text
    client.post(reverse("pupil_voice:survey_new"), {**data, "which": "phase:primary"})
    assert list(Survey.objects.get().schools.all()) == [primary]
    # Another school's id slipped into the form is not a choice.
    response = client.post(
        reverse("pupil_voice:survey_new"), {**data, "title": "Other", "which": "chosen", "schools": [world.school_m.pk]}
    )
    assert response.status_code == 400 and Survey.objects.count() == 1
    client.post(
        reverse("pupil_voice:survey_new"), {**data, "title": "Two", "which": "chosen", "schools": [world.school_a.pk]}
    )
    assert list(Survey.objects.get(title="Two").schools.all()) == [world.school_a]


# -- Results -----------------------------------------------------------------------------------
@pytest.fixture
def county_survey(world):
    survey = open_survey(world.users["la_officer_a"], [world.school_a, world.school_b], title="County autumn")
    seed(survey, world.school_a, 20, band="y7_9")
    seed(survey, world.school_a, 10, band="y10_11", answers=BAD)
    seed(survey, world.school_b, 6, answers=BAD)
    return close(survey)


def test_the_officer_sees_every_school_with_small_ones_hidden(client, world, county_survey):
    sign_in(client, world.users["la_officer_a"])
    response = client.get(reverse("pupil_voice:survey", args=[county_survey.pk]))
    assert response.status_code == 200
    text = response.text
    assert "All these schools" in text and "Birch Academy" in text
    assert "Fewer than 10 answers, so hidden" in text  # Birch (6)
    assert "Hidden so that a smaller group" in text  # Alder, or Birch could be worked out
    assert "67%" not in text  # Alder's figures are not shown
    event = AuditEvent.objects.filter(action=Action.VIEW, object_type="pupil_voice.survey").get()
    assert event.actor == world.users["la_officer_a"] and event.authority_id == world.authority.pk


def test_a_dsl_sees_only_their_school_with_its_bands(client, world, county_survey):
    sign_in(client, world.users["dsl_a"])
    response = client.get(reverse("pupil_voice:survey", args=[county_survey.pk]))
    text = response.text
    assert "Birch Academy" not in text and "All these schools" not in text
    assert "Years 7 to 9" in text and "Years 10 and 11" in text
    assert "67%" in text  # 20 of 30 felt very safe
    assert "Close this survey now" not in text  # the authority's survey


def test_the_school_view_compares_rounds(client, world, county_survey):
    import datetime as dt

    def past(title, school, month):
        survey = Survey.objects.create(
            title=title,
            opens_on=dt.date(2026, month, 2),
            closes_on=dt.date(2026, month, 20),
            scope="school",
            authority=world.authority,
            questions=county_survey.questions,
            created_by=world.users["la_officer_a"],
        )
        survey.schools.set([school])
        seed(survey, school, 10, answers=BAD)
        return survey

    earlier = past("Birch only", world.school_b, 2)  # not school A's
    past("Spring round", world.school_a, 3)
    sign_in(client, world.users["la_officer_a"])
    response = client.get(reverse("pupil_voice:survey", args=[county_survey.pk]), {"school": world.school_a.pk})
    text = response.text
    assert "Over time at Alder Academy" in text and "Spring round" in text and "Birch only" not in text
    assert "0%" in text  # the spring round
    # This round Alder is hidden so that Birch's 6 answers cannot be worked out from the total:
    # its column over time stays hidden too (it once showed "67% of 30", undoing that).
    assert "67%" not in text and "of 30" not in text
    assert "Hidden, so a smaller group's answers cannot be worked out" in text
    assert earlier.pk

    # A DSL of Alder reads only Alder's results, where nothing needs protecting: shown.
    client.logout()
    sign_in(client, world.users["dsl_a"])
    text = client.get(reverse("pupil_voice:survey", args=[county_survey.pk])).text
    assert "Over time at Alder Academy" in text and "67%" in text


def test_the_csv_has_the_same_hiding_and_is_safe_in_a_spreadsheet(client, world, county_survey):
    Survey.objects.filter(pk=county_survey.pk).update(title='=HYPERLINK("http://x")')
    sign_in(client, world.users["la_officer_a"])
    response = client.get(reverse("pupil_voice:survey_csv", args=[county_survey.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Survey", "School", "Year group"]
    assert all(r[0] == '\'=HYPERLINK("http://x")' for r in body)
    birch = [r for r in body if r[1] == "Birch Academy" and r[2] == "All"]
    assert birch and all(r[6] == "" and r[7] == "" and r[8].startswith("Fewer than 10") for r in birch)
    alder = [r for r in body if r[1] == "Alder Academy" and r[2] == "All"]
    assert all(r[7] == "" and r[8].startswith("Hidden so that") for r in alder)
    overall = [r for r in body if r[1] == "All these schools" and r[3] == "safe_school" and r[5] == "Very safe"]
    assert overall == [
        [
            body[0][0],
            "All these schools",
            "All",
            "safe_school",
            "How safe do you feel at school?",
            "Very safe",
            "36",
            "55.6",
            "",
        ]
    ]
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="pupil_voice.survey").count() == 1


def test_a_dsls_csv_has_only_their_school(client, world, county_survey):
    sign_in(client, world.users["head_a"])
    response = client.get(reverse("pupil_voice:survey_csv", args=[county_survey.pk]))
    text = response.content.decode("utf-8-sig")
    assert "Birch" not in text and "All these schools" not in text and "Years 7 to 9" in text


def test_no_results_while_open_then_closing_through_the_page(client, world):
    survey = open_survey(world.users["la_officer_a"], [world.school_a, world.school_b], title="County autumn")
    seed(survey, world.school_a, 30)
    seed(survey, world.school_b, 6, answers=BAD)
    sign_in(client, world.users["dsl_a"])
    text = client.get(reverse("pupil_voice:survey", args=[survey.pk])).text
    assert "Results are shown once the survey closes" in text and "answered so far: 30." in text
    assert "100%" not in text and "Download the results" not in text
    csv_page = client.get(reverse("pupil_voice:survey_csv", args=[survey.pk]), follow=True)
    assert "can be downloaded once the survey closes" in csv_page.text
    assert client.post(reverse("pupil_voice:survey_close", args=[survey.pk])).status_code == 404
    client.logout()
    sign_in(client, world.users["la_officer_a"])
    response = client.post(reverse("pupil_voice:survey_close", args=[survey.pk]), follow=True)
    assert "Survey closed. Its answers are kept." in response.text
    survey.refresh_from_db()
    assert survey.closed_early_on is not None and survey.responses.count() == 36
    assert client.get(reverse("pupil_voice:survey_close", args=[survey.pk])).status_code == 405


def test_the_list_is_paged_and_counts_only_what_the_reader_sees(client, world, county_survey):
    sign_in(client, world.users["dsl_b"])
    text = client.get(reverse("pupil_voice:surveys")).text
    assert "County autumn" in text and "Fewer than 10" in text and "Open a survey" in text
    sign_in(client, world.users["head_a"])
    text = client.get(reverse("pupil_voice:surveys")).text
    assert "County autumn" in text and ">30<" in text and "Open a survey" not in text


def test_query_counts_do_not_grow_with_surveys_or_schools(client, world, county_survey, django_assert_max_num_queries):
    import datetime as dt

    sign_in(client, world.users["la_officer_a"])
    client.get(reverse("pupil_voice:surveys"))  # warm the session
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("pupil_voice:surveys"))
    for i in range(5):
        s = Survey.objects.create(
            title=f"Old {i}",
            opens_on=dt.date(2025, 1 + i, 1),
            closes_on=dt.date(2025, 1 + i, 20),
            scope="authority",
            authority=world.authority,
            questions=county_survey.questions,
            created_by=world.users["la_officer_a"],
        )
        s.schools.set([world.school_a, world.school_b])
        seed(s, world.school_a, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "Old 4" in client.get(reverse("pupil_voice:surveys")).text
    with django_assert_max_num_queries(20) as detail:
        client.get(reverse("pupil_voice:survey", args=[county_survey.pk]), {"school": world.school_a.pk})
    with django_assert_max_num_queries(len(detail.captured_queries)):
        client.get(reverse("pupil_voice:survey", args=[county_survey.pk]), {"school": world.school_a.pk})
    with django_assert_max_num_queries(20):
        client.get(reverse("pupil_voice:survey_csv", args=[county_survey.pk]))


def test_where_each_reader_finds_surveys(client, world):
    sign_in(client, world.users["dsl_a"])
    assert reverse("pupil_voice:surveys") in client.get(reverse("pupil_voice:inbox")).text
    for key in ("head_a", "trust_lead_a", "la_officer_a"):
        client.logout()
        sign_in(client, world.users[key])
        home = client.get("/")
        assert f'<a href="{reverse("pupil_voice:surveys")}"' in home.text, key
    client.logout()
    sign_in(client, world.users["staff_a"])
    assert reverse("pupil_voice:surveys") not in client.get("/").text


def test_nothing_identifying_is_stored_or_logged_and_nothing_is_loaded_from_outside(client, world, caplog):
    from haven.pupil_voice.models import SurveyAnswer, SurveyFormUse

    caplog.set_level("DEBUG")
    ua = "NotARealBrowser/1.0 (survey)"
    open_survey(world.users["dsl_a"], [world.school_a])
    page = client.get(_url(world.school_a))
    for attribute in ("src=", "href="):
        for part in page.text.split(attribute)[1:]:
            url = part[1:].split(part[0])[0]
            if url.startswith("http"):  # only the quick-exit link, navigated to, never loaded
                assert url == "https://www.bbc.co.uk/weather" and attribute == "href="
    data = {**GOOD, "token": _token(page)}
    client.post(_url(world.school_a), data, REMOTE_ADDR="198.51.100.77", HTTP_USER_AGENT=ua)
    client.post(_url(world.school_a), {"token": "x"}, REMOTE_ADDR="198.51.100.77", HTTP_USER_AGENT=ua)  # refused
    rows = [
        *SurveyResponse.objects.values(),
        *SurveyAnswer.objects.values(),
        *SurveyFormUse.objects.values(),
        *AuditEvent.objects.values("ip_address", "user_agent", "extra"),
    ]
    assert len(rows) > 3
    for row in rows:
        for value in row.values():
            assert "198.51.100.77" not in str(value) and "NotARealBrowser" not in str(value)
    assert caplog.records and "198.51.100.77" not in caplog.text and "NotARealBrowser" not in caplog.text
