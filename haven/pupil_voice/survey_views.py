"""Culture surveys: the pupils' page (no account) and the results pages.

The pupils' page is a pupil page like the tell form (quick exit, nothing from outside, no
cookie but CSRF, never cached, rate-limited in memory). Results hide every group of fewer
than 10 answers (haven.pupil_voice.selectors.survey_results).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from haven.access.policy import Capability, has_any, may_manage_survey, schools_for
from haven.accounts.decorators import two_factor_required
from haven.accounts.stepup import step_up_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError

# The project's CSV response (a BOM for spreadsheets; cells that would run as formulas made text).
from haven.core.exports import csv_response
from haven.organisations.models import School

from . import explainers, limits, selectors, survey_services
from .forms import phase_of
from .models import Survey
from .survey_forms import PupilSurveyForm, SurveyOpenForm
from .views import _pupil_page, _school, _slow_down

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.core.http import AuthenticatedHttpRequest

TREND_YEARS = 3


# -- Pupils ---------------------------------------------------------------------------------
def pupil_survey(request: HttpRequest, code: str) -> HttpResponse:
    """The school's open survey, or a kind page saying there is none just now."""
    school = _school(code)
    survey = selectors.open_survey_for(school)
    if survey is None:
        status = 400 if request.method == "POST" else 200
        return _pupil_page(request, "pupil_voice/survey_none.html", {"school": school}, status=status)
    phase = phase_of(school)
    if request.method != "POST":
        token = survey_services.survey_form_token(survey=survey, school=school)
        form = PupilSurveyForm(initial={"token": token}, survey=survey, school=school, phase=phase)
        return _survey_page(request, school, survey, form)
    address = limits.network_address(request)
    if limits.over(limits.SURVEYS_PER_SCHOOL, school.report_code) or limits.over(limits.SURVEYS_PER_ADDRESS, address):
        return _slow_down(request, school)
    form = PupilSurveyForm(request.POST, survey=survey, school=school, phase=phase)
    if form.is_valid():
        try:
            counted = survey_services.survey_answer_submit(
                survey=survey,
                school=school,
                token=form.cleaned_data["token"],
                answers=form.answers(),
                year_band=form.cleaned_data["year_band"],
            )
        except ApplicationError as exc:
            if exc.code == "expired":  # a fresh token; what the pupil chose stays chosen
                data = request.POST.copy()
                data["token"] = survey_services.survey_form_token(survey=survey, school=school)
                form = PupilSurveyForm(data, survey=survey, school=school, phase=phase)
                form.is_valid()
                form.add_error(None, exc.message)
            else:
                exc.add_to(form)
        else:
            if counted:
                limits.hit(limits.SURVEYS_PER_SCHOOL, school.report_code)
                limits.hit(limits.SURVEYS_PER_ADDRESS, address)
            return _pupil_page(
                request,
                "pupil_voice/survey_thanks.html",
                {"school": school, "already": not counted, "help_links": explainers.HELP_LINKS},
            )
    return _survey_page(request, school, survey, form, status=400)


def _survey_page(
    request: HttpRequest, school: School, survey: Survey, form: PupilSurveyForm, status: int = 200
) -> HttpResponse:
    return _pupil_page(
        request, "pupil_voice/survey.html", {"school": school, "survey": survey, "form": form}, status=status
    )


# -- Results --------------------------------------------------------------------------------
def _require_reader(request: AuthenticatedHttpRequest) -> None:
    if not has_any(request.user, Capability.SURVEY_RESULTS):
        raise Http404


@login_required
@two_factor_required
def survey_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    _require_reader(request)
    page = Paginator(selectors.survey_list_for(request.user), 25).get_page(request.GET.get("page"))
    today = clock.localdate()
    return render(
        request,
        "pupil_voice/survey_list.html",
        {
            "page": page,
            "rows": [(s, s.status_on(today)) for s in page],
            "can_open": has_any(request.user, Capability.SURVEY_RUN),
            "min_group": selectors.MIN_GROUP,
            "query": "",
        },
    )


@login_required
@two_factor_required
def survey_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    schools = list(schools_for(request.user, Capability.SURVEY_RUN).order_by("name"))
    if not schools:
        raise Http404
    form = SurveyOpenForm(request.POST if request.method == "POST" else None, schools=schools)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                survey = survey_services.survey_open(
                    by=request.user,
                    title=form.cleaned_data["title"],
                    opens_on=form.cleaned_data["opens_on"],
                    closes_on=form.cleaned_data["closes_on"],
                    schools=form.chosen_schools(),
                    ctx=AuditContext.of(request),
                )
            except ApplicationError as exc:
                exc.add_to(form)
            else:
                messages.success(request, "Survey opened. Pupils answer it through their school's reporting link.")
                return redirect("pupil_voice:survey", survey_id=survey.pk)
        status = 400
    return render(request, "pupil_voice/survey_new.html", {"form": form}, status=status)


def _percent(share: float | None) -> str:
    return "" if share is None else f"{round(share * 100)}%"


def _question_tables(results: selectors.SurveyResults, groups: list[selectors.Group]) -> list[dict[str, Any]]:
    tables = []
    for question in results.survey.questions:
        rows = []
        for group in groups:
            rows.append(
                {
                    "group": group,
                    "cells": [_percent(group.share(question["key"], a["value"])) for a in question["answers"]],
                    "positive": _percent(group.positive_share(question)),
                }
            )
        tables.append({"question": question, "positive_words": _positive_words(question), "rows": rows})
    return tables


def _positive_words(question: dict[str, Any]) -> str:
    labels = [a["secondary"] for a in question["answers"] if a["value"] in question["positive"]]
    return " or ".join(labels[:1] + [label[0].lower() + label[1:] for label in labels[1:]])


def _trend_table(user: User, survey: Survey, school: School) -> dict[str, Any]:
    today = clock.localdate()
    trend = selectors.survey_trend_for([school], today - dt.timedelta(days=365 * TREND_YEARS), today)
    rounds = {p.survey_id: p for points in trend.values() for p in points}
    ordered = sorted(rounds.values(), key=lambda p: (p.opens_on, p.survey_id))
    # A round where this school's results were hidden to protect another school's small group
    # (so that group cannot be worked out from the round's totals) stays hidden here too.
    readable = schools_for(user, Capability.SURVEY_RESULTS).values_list("pk", flat=True)
    hidden = selectors.schools_hidden_in(rounds, readable)
    protected = {survey_id for survey_id, schools in hidden.items() if school.pk in schools}
    rows = []
    for key, points in trend.items():
        question = survey.question(key) or _question_from_any(key, ordered, trend)
        by_round = {p.survey_id: p for p in points}
        rows.append(
            {
                "question": question,
                "positive_words": _positive_words(question) if question else "",
                "cells": ["protected" if r.survey_id in protected else by_round.get(r.survey_id) for r in ordered],
            }
        )
    return {"school": school, "rounds": ordered, "rows": rows}


def _question_from_any(key: str, rounds: list[Any], trend: dict[str, Any]) -> dict[str, Any]:
    survey = Survey.objects.filter(pk__in=[r.survey_id for r in rounds]).order_by("-opens_on").first()
    found = survey.question(key) if survey else None
    return found or {"key": key, "secondary": key, "answers": [], "positive": []}


@login_required
@two_factor_required
def survey_detail(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    """Results per school and question (and per year band for one school), groups under 10
    hidden; for one school, how this round compares with its earlier ones."""
    survey, schools = selectors.survey_get_for(request.user, survey_id, ctx=AuditContext.of(request))
    context: dict[str, Any] = {
        "survey": survey,
        "status": survey.status,
        "schools": schools,
        "ready": survey.status == "closed",
        "min_group": selectors.MIN_GROUP,
    }
    if not context["ready"]:
        # No results while pupils are still answering: watching them change as one pupil
        # answers would show that pupil's answers, whatever the size of the group.
        context["answered"] = selectors.answers_so_far(survey, schools)
        context["can_close"] = may_manage_survey(request.user, survey)
        return render(request, "pupil_voice/survey_detail.html", context)
    results = selectors.survey_results(survey, schools)
    chosen_id = request.GET.get("school", "")
    chosen = next((s for s in schools if str(s.pk) == chosen_id), None) if len(schools) > 1 else schools[0]
    if chosen is None:
        groups = [g for g in [results.overall, *results.schools] if g is not None]
    else:
        school_group = next(g for g in results.schools if g.school_id == chosen.pk)
        groups = [school_group, *results.bands.get(chosen.pk, [])]
    context |= {
        "chosen": chosen,
        "groups": groups,
        "any_hidden": any(g.hidden for g in groups),
        "tables": _question_tables(results, groups),
        "trend": _trend_table(request.user, survey, chosen) if chosen else None,
        "primary_wording": any(phase_of(s) == "primary" for s in schools),
    }
    return render(request, "pupil_voice/survey_detail.html", context)


@login_required
@two_factor_required
@step_up_required
def survey_csv(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    """Every group's percentages, with the same hiding as the page, once the survey is closed."""
    ctx = AuditContext.of(request)
    survey, schools = selectors.survey_get_for(request.user, survey_id, ctx=ctx)
    if survey.status != "closed":
        messages.info(request, "The results can be downloaded once the survey closes.")
        return redirect("pupil_voice:survey", survey_id=survey.pk)
    results = selectors.survey_results(survey, schools)
    names = {s.pk: s.name for s in schools}
    rows: list[list[Any]] = []
    for group in results.groups():
        school = names[group.school_id] if group.school_id else group.label
        band = "All" if group.band is None else group.label
        for question in survey.questions:
            for answer in question["answers"]:
                share = group.share(question["key"], answer["value"])
                rows.append(
                    [
                        survey.title,
                        school,
                        band,
                        question["key"],
                        question["secondary"],
                        answer["secondary"],
                        "" if group.hidden else group.answers,
                        "" if share is None else round(share * 100, 1),
                        group.hidden_because,
                    ]
                )
    audit_record(
        Event.SURVEY_EXPORTED,
        ctx=ctx,
        actor=request.user,
        obj=survey,
        **survey.audit_organisation(),
        extra={"survey_csv": [s.pk for s in schools]},
    )
    return csv_response(
        f"survey-{survey.pk}.csv",
        [
            "Survey",
            "School",
            "Year group",
            "Question key",
            "Question",
            "Answer",
            "Answers in group",
            "Percent",
            "Hidden because",
        ],
        rows,
    )


@login_required
@two_factor_required
@require_POST
def survey_close(request: AuthenticatedHttpRequest, survey_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    survey, _ = selectors.survey_get_for(request.user, survey_id, ctx=ctx)
    try:
        survey_services.survey_close(by=request.user, survey=survey, ctx=ctx)
    except ApplicationError as exc:
        if exc.code == "forbidden":  # not theirs to close: as if it were not there
            raise Http404 from exc
        messages.error(request, exc.message)
    else:
        messages.success(request, "Survey closed. Its answers are kept.")
    return redirect("pupil_voice:survey", survey_id=survey.pk)
