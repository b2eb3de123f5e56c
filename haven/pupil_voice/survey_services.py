"""Every write about culture surveys: open, close early, and a pupil's answers.

A survey is opened by a school's DSL or deputy for their school, by a trust lead for the
trust's schools, or by an LA officer for any of the authority's schools; it is never
deleted. Pupils answer with no account through their school's link. Their answers keep
only the date and, if they give one, a broad year band.

Pupils' answers are not audited one by one: an audit event carries the time to the second,
which would date each anonymous answer more finely than the survey keeps it. Opening,
closing, reading and exporting results are audited.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.core import signing
from django.db import IntegrityError, transaction

from haven.access.policy import Capability, authorities_for, can, may_manage_survey, trusts_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.organisations.models import School

from . import survey_questions
from .models import Survey, SurveyAnswer, SurveyFormUse, SurveyResponse

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_DAYS_OPEN = 92  # about a term: a round is a snapshot, not a standing form
MAX_DAYS_AHEAD = 366
MAX_TITLE = 200
FORM_TOKEN_AGE = dt.timedelta(hours=3)
_FORM_SALT = "haven.pupil_voice.survey"  # a signing namespace, not a secret


def _scope_for(by: User, schools: list[School]) -> tuple[str, Any, Any]:
    """(scope, authority, trust) through which ``by`` may open a survey for all these schools,
    or refuse. The widest role that covers them all is the one that opens it."""
    for authority in authorities_for(by, Capability.SURVEY_RUN):
        if all(s.authority_id == authority.pk for s in schools):
            return Survey.Scope.AUTHORITY, authority, None
    for trust in trusts_for(by, Capability.SURVEY_RUN):
        if all(s.trust_id == trust.pk for s in schools):
            return Survey.Scope.TRUST, trust.authority, trust
    if len(schools) == 1 and can(by, Capability.SURVEY_RUN, school=schools[0]):
        return Survey.Scope.SCHOOL, schools[0].authority, None
    raise ApplicationError("You can only open a survey for schools you look after.", field="schools")


def _dates(opens_on: dt.date | None, closes_on: dt.date | None) -> tuple[dt.date, dt.date]:
    today = clock.localdate()
    if opens_on is None:
        raise ApplicationError("Enter the date the survey opens.", field="opens_on")
    if closes_on is None:
        raise ApplicationError("Enter the date the survey closes.", field="closes_on")
    if opens_on < today:
        raise ApplicationError("The survey cannot open in the past. Choose today or a later date.", field="opens_on")
    if opens_on > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ApplicationError("Choose an opening date within the next year.", field="opens_on")
    if closes_on <= opens_on:
        raise ApplicationError("The closing date must be after the opening date.", field="closes_on")
    if closes_on > opens_on + dt.timedelta(days=MAX_DAYS_OPEN):
        raise ApplicationError(
            f"A survey can be open for up to {MAX_DAYS_OPEN} days (about a term). Choose an earlier closing date.",
            field="closes_on",
        )
    return opens_on, closes_on


@transaction.atomic
def survey_open(
    *,
    by: User,
    title: str,
    opens_on: dt.date | None,
    closes_on: dt.date | None,
    schools: Iterable[School],
    ctx: AuditContext = COMMAND,
) -> Survey:
    """Open a survey with the standard questions (copied onto it) for these schools.

    Refuses: no title, dates in the wrong order, in the past or open too long, schools the
    user does not look after, and a school that already has a survey open on any of the
    same days (its pupils' link shows one survey at a time)."""
    title = (title or "").strip()
    if not title:
        raise ApplicationError("Give the survey a title, for example 'Autumn 2026'.", field="title")
    if len(title) > MAX_TITLE:
        raise ApplicationError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    opens_on, closes_on = _dates(opens_on, closes_on)
    chosen = sorted({s.pk: s for s in schools}.values(), key=lambda s: (s.name, s.pk))
    if not chosen:
        raise ApplicationError("Choose at least one school.", field="schools")
    scope, authority, trust = _scope_for(by, chosen)
    # Lock the schools (in id order) so two surveys opened at once cannot both pass the check.
    list(School.objects.select_for_update().filter(pk__in=[s.pk for s in chosen]).order_by("pk").values_list("pk"))
    busy = _overlapping(chosen, opens_on, closes_on)
    if busy:
        names = ", ".join(f"{name} ({title} until {last:%-d %B %Y})" for name, title, last in busy[:5])
        raise ApplicationError(
            f"These schools already have a survey open on some of those days: {names}. "
            "Choose other dates or leave them out.",
            field="schools",
        )
    survey = Survey(
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        scope=scope,
        authority=authority,
        trust=trust,
        questions=survey_questions.snapshot(),
        created_by=by,
    )
    survey.full_clean(exclude=["closed_by"])
    survey.save()
    survey.schools.set(chosen)
    audit_record(
        Event.SURVEY_OPENED,
        ctx=ctx,
        actor=by,
        obj=survey,
        **survey.audit_organisation(),
        changes={"opens_on": (None, str(opens_on)), "closes_on": (None, str(closes_on))},
        extra={"schools": [s.pk for s in chosen], "opens_on": str(opens_on), "closes_on": str(closes_on)},
    )
    return survey


def _overlapping(schools: list[School], opens_on: dt.date, closes_on: dt.date) -> list[tuple[str, str, dt.date]]:
    rows = (
        Survey.schools.through.objects.filter(
            school_id__in=[s.pk for s in schools], survey__opens_on__lte=closes_on, survey__closes_on__gte=opens_on
        )
        .select_related("school", "survey")
        .order_by("school__name")
    )
    busy = []
    for row in rows:
        survey = row.survey
        if survey.last_day < opens_on or survey.last_day < survey.opens_on:
            continue  # closed early before the new one opens, or before it ever opened
        busy.append((row.school.name, survey.title, survey.last_day))
    return busy


@transaction.atomic
def survey_close(*, by: User, survey: Survey, ctx: AuditContext = COMMAND) -> Survey:
    """Close a survey early (or call off one not yet open). Its answers are kept."""
    if not may_manage_survey(by, survey):
        raise ApplicationError(
            "Only whoever opened this survey, or someone in the same role, can close it.", code="forbidden"
        )
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    today = clock.localdate()
    if survey.status_on(today) == "closed":
        raise ApplicationError("This survey is already closed.", code="closed")
    last_day = survey.last_day
    survey.closed_early_on = today
    survey.closed_by = by
    survey.save(update_fields=["closed_early_on", "closed_by"])
    audit_record(
        Event.SURVEY_CLOSED_EARLY,
        ctx=ctx,
        actor=by,
        obj=survey,
        **survey.audit_organisation(),
        changes={"closed_early_on": (None, str(today)), "last_day": (str(last_day), str(survey.last_day))},
        extra={"closed_early_on": str(today)},
    )
    return survey


# -- Pupils ----------------------------------------------------------------------------------
def survey_form_token(*, survey: Survey, school: School) -> str:
    """A signed, single-use token for one visit's form: answers sent with it are counted once."""
    return signing.dumps({"s": survey.pk, "c": school.pk, "n": secrets.token_hex(16)}, salt=_FORM_SALT)


def _nonce(token: str, survey: Survey, school: School) -> str:
    try:
        data = signing.loads(token or "", salt=_FORM_SALT, max_age=FORM_TOKEN_AGE)
    except signing.BadSignature as exc:
        raise ApplicationError(
            "This page was open for a long time, so we could not take your answers. Please answer again.",
            code="expired",
        ) from exc
    if data.get("s") != survey.pk or data.get("c") != school.pk or not isinstance(data.get("n"), str):
        raise ApplicationError("Please answer again.", code="expired")
    name: str = data["n"]
    return name


def _checked_answers(survey: Survey, answers: Mapping[str, str]) -> dict[str, str]:
    known = {q["key"]: {a["value"] for a in q["answers"]} for q in survey.questions}
    for key in answers:
        if key not in known:
            raise ApplicationError("That is not one of this survey's questions.", code="unknown_question")
    for key, values in known.items():
        value = answers.get(key) or ""
        if not value:
            raise ApplicationError("Please choose an answer.", field=key)
        if value not in values:
            raise ApplicationError("Please choose one of the answers.", field=key)
    return {key: answers[key] for key in known}


@transaction.atomic
def survey_answer_submit(
    *, survey: Survey, school: School, token: str, answers: Mapping[str, str], year_band: str = ""
) -> bool:
    """A pupil's answers (no account). Returns False, counting nothing, when the form's token
    was already used (a refresh or a second press of "Send"). Refuses a survey that is not
    open for the school today, an unknown question, a missing or made-up answer, and a year
    band the school does not have."""
    today = clock.localdate()
    if survey.status_on(today) != "open" or not survey.schools.filter(pk=school.pk).exists():
        raise ApplicationError("This survey is closed. Thank you for wanting to help.", code="closed")
    nonce = _nonce(token, survey, school)
    checked = _checked_answers(survey, answers)
    year_band = year_band or ""
    if year_band and year_band not in dict(survey_questions.year_bands_for(school.phase)):
        raise ApplicationError("Choose one of the year groups, or leave it out.", field="year_band")
    try:
        with transaction.atomic():
            SurveyFormUse.objects.create(nonce=nonce, used_on=today)
    except IntegrityError:
        return False
    # Spent tokens are only needed while a token could still be valid.
    SurveyFormUse.objects.filter(used_on__lt=today - dt.timedelta(days=2)).delete()
    response = SurveyResponse.objects.create(survey=survey, school=school, answered_on=today, year_band=year_band)
    SurveyAnswer.objects.bulk_create(
        SurveyAnswer(response=response, question=key, answer=value) for key, value in checked.items()
    )
    return True
