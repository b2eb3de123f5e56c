"""Helpers for survey tests: open a survey through the service, seed answers in bulk."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from haven.pupil_voice.models import Survey, SurveyAnswer, SurveyResponse
from haven.pupil_voice.survey_services import survey_open

GOOD = {
    "safe_school": "very_safe",
    "safe_online": "mostly_safe",
    "tell_adult": "yes",
    "know_how_to_report": "yes",
    "seen_sexual_comments": "never",
    "know_harassment": "yes",
}
BAD = {
    "safe_school": "not_safe",
    "safe_online": "not_very_safe",
    "tell_adult": "no",
    "know_how_to_report": "no",
    "seen_sexual_comments": "often",
    "know_harassment": "not_sure",
}


def open_survey(by: Any, schools: list[Any], *, title: str = "Autumn survey", days: int = 14) -> Survey:
    today = timezone.localdate()
    return survey_open(by=by, title=title, opens_on=today, closes_on=today + dt.timedelta(days=days), schools=schools)


def seed(survey: Survey, school: Any, n: int, *, answers: dict[str, str] | None = None, band: str = "") -> None:
    """``n`` pupils' answers (all the same) straight into the tables, for results tests."""
    answers = answers or GOOD
    responses = SurveyResponse.objects.bulk_create(
        SurveyResponse(survey=survey, school=school, answered_on=survey.opens_on, year_band=band) for _ in range(n)
    )
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=r, question=k, answer=v) for r in responses for k, v in answers.items()
    )


def close(survey: Survey) -> Survey:
    """Move a survey into the past (opened three weeks ago, closed yesterday): results are
    shown only once a survey has closed."""
    today = timezone.localdate()
    Survey.objects.filter(pk=survey.pk).update(
        opens_on=today - dt.timedelta(days=21), closes_on=today - dt.timedelta(days=1)
    )
    survey.refresh_from_db()
    return survey
