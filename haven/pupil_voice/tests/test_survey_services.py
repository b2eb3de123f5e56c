"""Opening, closing and answering culture surveys through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from haven.access.policy import may_manage_survey
from haven.audit.models import Action, AuditEvent
from haven.core.errors import ApplicationError
from haven.pupil_voice import survey_questions
from haven.pupil_voice.models import Survey, SurveyAnswer, SurveyFormUse, SurveyResponse
from haven.pupil_voice.selectors import open_survey_for
from haven.pupil_voice.survey_services import (
    survey_answer_submit,
    survey_close,
    survey_form_token,
    survey_open,
)

from .survey_helpers import GOOD, open_survey

TODAY = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: TODAY)


def _open(world, user="dsl_a", schools=None, **kw):
    data: dict[str, Any] = {"title": "Autumn", "opens_on": TODAY, "closes_on": TODAY + dt.timedelta(days=14)} | kw
    return survey_open(by=world.users[user], schools=schools or [world.school_a], **data)


def test_a_dsl_opens_a_survey_for_their_school_with_the_questions_copied(world):
    survey = _open(world)
    assert survey.scope == Survey.Scope.SCHOOL
    assert list(survey.schools.all()) == [world.school_a]
    assert [q["key"] for q in survey.questions] == [q[0] for q in survey_questions.QUESTIONS]
    assert survey.question("seen_sexual_comments")["positive"] == ["never"]
    event = AuditEvent.objects.get(action=Action.CREATE, object_type="pupil_voice.survey")
    assert event.school_id == world.school_a.pk and event.actor == world.users["dsl_a"]


def test_changing_the_wording_later_does_not_change_an_old_round(world, monkeypatch):
    survey = _open(world)
    monkeypatch.setattr(
        survey_questions, "QUESTIONS", (("safe_school", "safe", "New primary words", "New secondary words"),)
    )
    survey.refresh_from_db()
    assert survey.question("safe_school")["secondary"] == "How safe do you feel at school?"
    assert len(survey.questions) == 6


def test_a_dsl_cannot_open_one_for_another_school(world):
    with pytest.raises(ApplicationError) as exc:
        _open(world, schools=[world.school_b])
    assert exc.value.field == "schools"
    with pytest.raises(ApplicationError):
        _open(world, schools=[world.school_a, world.school_b])


@pytest.mark.parametrize("user", ["head_a", "staff_a", "governor_a", "admin_a", "trustee_a"])
def test_people_who_only_read_or_have_no_part_cannot_open_one(world, user):
    with pytest.raises(ApplicationError):
        _open(world, user=user)


def test_an_la_officer_opens_one_for_several_of_the_authoritys_schools(world):
    survey = _open(world, user="la_officer_a", schools=[world.school_a, world.school_b])
    assert survey.scope == Survey.Scope.AUTHORITY and survey.authority == world.authority
    assert AuditEvent.objects.get(action=Action.CREATE, object_type="pupil_voice.survey").authority_id == (
        world.authority.pk
    )
    with pytest.raises(ApplicationError):  # another authority's school
        _open(world, user="la_officer_a", schools=[world.school_m], title="Other")


def test_a_trust_lead_opens_one_for_the_trusts_schools_only(world):
    survey = _open(world, user="trust_lead_a")
    assert survey.scope == Survey.Scope.TRUST and survey.trust == world.trust_a
    with pytest.raises(ApplicationError):
        _open(world, user="trust_lead_a", schools=[world.school_b], opens_on=TODAY + dt.timedelta(days=30))


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"title": "  "}, "title", "title"),
        ({"title": "x" * 201}, "title", "under 200"),
        ({"opens_on": None}, "opens_on", "opens"),
        ({"closes_on": None}, "closes_on", "closes"),
        ({"opens_on": TODAY - dt.timedelta(days=1)}, "opens_on", "past"),
        ({"closes_on": TODAY}, "closes_on", "after the opening"),
        ({"closes_on": TODAY + dt.timedelta(days=93)}, "closes_on", "up to 92 days"),
        ({"opens_on": TODAY + dt.timedelta(days=400), "closes_on": TODAY + dt.timedelta(days=410)}, "opens_on", "year"),
    ],
)
def test_bad_titles_and_dates_are_refused_with_the_field(world, kw, field, words):
    with pytest.raises(ApplicationError) as exc:
        _open(world, **kw)
    assert exc.value.field == field and words in exc.value.message
    assert not Survey.objects.exists()


def test_ninety_two_days_is_allowed(world):
    assert _open(world, closes_on=TODAY + dt.timedelta(days=92)).closes_on == TODAY + dt.timedelta(days=92)


def test_a_school_has_one_survey_open_at_a_time(world):
    _open(world, closes_on=TODAY + dt.timedelta(days=10))
    with pytest.raises(ApplicationError) as exc:
        _open(
            world, user="la_officer_a", schools=[world.school_a, world.school_b], opens_on=TODAY + dt.timedelta(days=10)
        )
    assert "Alder Academy" in exc.value.message
    # The day after it closes is free.
    later = _open(world, opens_on=TODAY + dt.timedelta(days=11), closes_on=TODAY + dt.timedelta(days=20))
    assert later.pk


def test_closing_early_keeps_everything_and_frees_the_school(world):
    survey = _open(world)
    assert may_manage_survey(world.users["deputy_a"], survey)
    assert not may_manage_survey(world.users["head_a"], survey)
    closed = survey_close(by=world.users["deputy_a"], survey=survey)
    assert closed.closed_early_on == TODAY and closed.status_on(TODAY) == "closed"
    assert open_survey_for(world.school_a) is None
    assert Survey.objects.filter(pk=survey.pk).exists()
    with pytest.raises(ApplicationError):
        survey_close(by=world.users["dsl_a"], survey=closed)
    assert _open(world, title="Again").pk  # same days are free once it was closed before pupils could answer


def test_a_school_dsl_cannot_close_the_authoritys_survey(world):
    survey = _open(world, user="la_officer_a", schools=[world.school_a, world.school_b])
    with pytest.raises(ApplicationError) as exc:
        survey_close(by=world.users["dsl_a"], survey=survey)
    assert exc.value.code == "forbidden"
    assert survey_close(by=world.users["la_officer_a"], survey=survey).closed_early_on == TODAY


# -- Pupils' answers ---------------------------------------------------------------------------
def _answer(survey, school, answers=None, token=None, band=""):
    token = token or survey_form_token(survey=survey, school=school)
    return survey_answer_submit(survey=survey, school=school, token=token, answers=answers or GOOD, year_band=band)


def test_answers_keep_only_the_date_and_a_band(world):
    survey = _open(world)
    assert _answer(survey, world.school_a, band="y10_11") is True
    response = SurveyResponse.objects.get()
    assert response.answered_on == TODAY and response.year_band == "y10_11"
    assert {f.name for f in SurveyResponse._meta.concrete_fields} == {
        "id",
        "survey",
        "school",
        "answered_on",
        "year_band",
    }
    assert dict(SurveyAnswer.objects.values_list("question", "answer")) == GOOD
    # Answers are not audited one by one (an event's time would date them to the second).
    assert (
        not AuditEvent.objects.filter(object_type__startswith="pupil_voice.survey")
        .exclude(action=Action.CREATE)
        .exists()
    )


def test_a_token_counts_once(world):
    survey = _open(world)
    token = survey_form_token(survey=survey, school=world.school_a)
    assert _answer(survey, world.school_a, token=token) is True
    assert _answer(survey, world.school_a, token=token) is False
    assert SurveyResponse.objects.count() == 1 and SurveyFormUse.objects.count() == 1


def test_a_forged_or_other_surveys_token_is_refused(world):
    survey = _open(world)
    other = _open(world, user="dsl_b", schools=[world.school_b])
    with pytest.raises(ApplicationError) as exc:
        _answer(survey, world.school_a, token="made-up")
    assert exc.value.code == "expired"
    with pytest.raises(ApplicationError):
        _answer(survey, world.school_a, token=survey_form_token(survey=other, school=world.school_b))
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({**GOOD, "safe_school": ""}, "safe_school"),
        ({k: v for k, v in GOOD.items() if k != "tell_adult"}, "tell_adult"),
        ({**GOOD, "safe_online": "extremely"}, "safe_online"),
        ({**GOOD, "favourite_teacher": "Mr Smith"}, None),
    ],
    ids=["empty", "missing", "made-up answer", "forged question"],
)
def test_missing_and_made_up_answers_are_refused(world, answers, field):
    survey = _open(world)
    with pytest.raises(ApplicationError) as exc:
        _answer(survey, world.school_a, answers=answers)
    assert exc.value.field == field
    assert not SurveyResponse.objects.exists() and not SurveyFormUse.objects.exists()


def test_a_band_the_school_does_not_have_is_refused(world):
    survey = _open(world, user="dsl_m", schools=[world.school_m])  # a primary school
    with pytest.raises(ApplicationError) as exc:
        _answer(survey, world.school_m, band="y10_11")
    assert exc.value.field == "year_band"
    assert _answer(survey, world.school_m, band="y5_6")


def test_a_closed_or_upcoming_survey_or_another_school_is_refused(world):
    upcoming = _open(world, opens_on=TODAY + dt.timedelta(days=1))
    with pytest.raises(ApplicationError) as exc:
        _answer(upcoming, world.school_a)
    assert exc.value.code == "closed"
    current = open_survey(world.users["dsl_b"], [world.school_b])
    with pytest.raises(ApplicationError):
        _answer(current, world.school_a, token=survey_form_token(survey=current, school=world.school_a))
    closed = survey_close(by=world.users["dsl_b"], survey=current)
    with pytest.raises(ApplicationError):
        _answer(closed, world.school_b)
    assert not SurveyResponse.objects.exists()


def test_the_open_survey_for_a_school(world):
    assert open_survey_for(world.school_a) is None
    survey = _open(world)
    assert open_survey_for(world.school_a) == survey
    assert open_survey_for(world.school_a, day=TODAY + dt.timedelta(days=14)) == survey
    assert open_survey_for(world.school_a, day=TODAY + dt.timedelta(days=15)) is None
    assert open_survey_for(world.school_b) is None
