"""Reads of pupil reports for an acting user, scoped by haven.access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery

from haven.access.policy import Capability, deny, schools_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.organisations.models import School

from .models import PupilReport, Survey, SurveyAnswer, SurveyResponse

if TYPE_CHECKING:
    from haven.accounts.models import User

FILTERS = {
    "new": ("New", Q(status=PupilReport.Status.NEW)),
    "waiting": ("Pupil waiting for an answer", Q(pupil_wrote_last=True) & ~Q(status=PupilReport.Status.NEW)),
    "urgent": ("Urgent", Q(urgent=True)),
    "open": ("Open", Q(status__in=[PupilReport.Status.NEW, PupilReport.Status.OPEN])),
    "converted": ("Made into a concern", Q(status=PupilReport.Status.CONVERTED)),
    "closed": ("Closed", Q(status__in=[PupilReport.Status.CLOSED, PupilReport.Status.MALICIOUS])),
    "all": ("All", Q()),
}


def report_list_for(user: User, *, show: str = "open", school_id: int | None = None) -> QuerySet[PupilReport]:
    """Reports at the schools whose inbox the user keeps: urgent first, newest first."""
    qs = PupilReport.objects.filter(school__in=schools_for(user, Capability.PUPIL_VOICE_INBOX))
    if school_id:
        qs = qs.filter(school_id=school_id)
    qs = qs.filter(FILTERS.get(show, FILTERS["open"])[1])
    return (
        qs.select_related("school", "concern")
        .annotate(message_count=Count("messages"))
        .order_by("-urgent", "-created_at", "-pk")
    )


def new_report_count_for(user: User) -> int:
    return PupilReport.objects.filter(
        school__in=schools_for(user, Capability.PUPIL_VOICE_INBOX), status=PupilReport.Status.NEW
    ).count()


def report_get_for(user: User, report_id: int, *, ctx: AuditContext = COMMAND) -> PupilReport:
    """One report, or the same 404 as a missing one; every read is audited."""
    report = PupilReport.objects.select_related("school", "concern", "closed_by").filter(pk=report_id).first()
    if report is None or not schools_for(user, Capability.PUPIL_VOICE_INBOX).filter(pk=report.school_id).exists():
        raise deny(
            ctx,
            actor=user,
            object_type="pupil_voice.pupilreport",
            object_id=report_id,
            school=report.school if report else None,
            reason="pupil voice inbox",
        )
    audit_record(Event.PUPIL_REPORT_VIEWED, ctx=ctx, actor=user, obj=report, school=report.school_id)
    return report


# -- Culture surveys -----------------------------------------------------------------------------
# County review: results per school and over time, with any group of fewer than 10 answers hidden.
MIN_GROUP = 10
HIDDEN_SMALL = "Fewer than 10 answers, so hidden to keep pupils anonymous."
HIDDEN_COMPLEMENT = "Hidden so that a smaller group's answers cannot be worked out from the totals."


def survey_list_for(user: User) -> QuerySet[Survey]:
    """Surveys with at least one school whose results the user may read, newest first, with
    the number of those schools and of their answers."""
    visible = schools_for(user, Capability.SURVEY_RESULTS).values("pk")
    links = Survey.schools.through.objects.filter(survey=OuterRef("pk"), school_id__in=visible)
    answers = SurveyResponse.objects.filter(survey=OuterRef("pk"), school_id__in=visible)
    return (
        Survey.objects.filter(pk__in=Survey.schools.through.objects.filter(school_id__in=visible).values("survey_id"))
        .annotate(
            visible_schools=Subquery(
                links.order_by().values("survey_id").annotate(n=Count("pk")).values("n"),  # type: ignore[misc]  # the plugin loses annotate after values
                output_field=IntegerField(),
            ),
            visible_answers=Subquery(
                answers.order_by().values("survey_id").annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
        )
        .select_related("created_by")
        .order_by("-opens_on", "-pk")
    )


def survey_get_for(user: User, survey_id: int, *, ctx: AuditContext = COMMAND) -> tuple[Survey, list[School]]:
    """A survey and the schools of it whose results the user may read (a DSL reading an
    authority's survey sees only their own school), or the same 404 as a missing survey.
    Every read is audited."""
    survey = Survey.objects.select_related("created_by", "closed_by", "trust", "authority").filter(pk=survey_id).first()
    schools = (
        list(survey.schools.filter(pk__in=schools_for(user, Capability.SURVEY_RESULTS).values("pk")).order_by("name"))
        if survey
        else []
    )
    if survey is None or not schools:
        raise deny(ctx, actor=user, object_type="pupil_voice.survey", object_id=survey_id, reason="survey results")
    audit_record(
        Event.SURVEY_VIEWED,
        ctx=ctx,
        actor=user,
        obj=survey,
        **survey.audit_organisation(),
        extra={"schools": [s.pk for s in schools]},
    )
    return survey, schools


def open_survey_for(school: School, *, day: dt.date | None = None) -> Survey | None:
    """The survey the school's pupils can answer today, if any (a school has one at a time)."""
    day = day or clock.localdate()
    return (
        Survey.objects.filter(schools=school, opens_on__lte=day, closes_on__gte=day)
        .exclude(closed_early_on__lte=day)
        .order_by("closes_on", "pk")
        .first()
    )


@dataclass
class Group:
    """One group of answers: all the schools shown, a school, or a school's year band."""

    label: str
    school_id: int | None
    band: str | None  # None: every band
    answers: int
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # question -> answer -> count
    hidden_because: str = ""

    @property
    def hidden(self) -> bool:
        return bool(self.hidden_because)

    def share(self, question: str, answer: str) -> float | None:
        """The share (0 to 1) of this question's answers that were ``answer``; None when hidden."""
        if self.hidden:
            return None
        total = sum(self.counts.get(question, {}).values())
        return self.counts.get(question, {}).get(answer, 0) / total if total else None

    def positive_share(self, question: dict[str, Any]) -> float | None:
        if self.hidden:
            return None
        counts = self.counts.get(question["key"], {})
        total = sum(counts.values())
        return sum(counts.get(a, 0) for a in question["positive"]) / total if total else None


@dataclass
class SurveyResults:
    """Results of one survey for the schools a reader may see. ``overall`` (all those schools
    together) only when there is more than one; ``bands[school_id]`` are that school's year
    bands (and "Not said")."""

    survey: Survey
    overall: Group | None
    schools: list[Group]
    bands: dict[int, list[Group]]

    def groups(self) -> list[Group]:
        out = [self.overall] if self.overall else []
        for group in self.schools:
            out.append(group)
            out.extend(self.bands.get(group.school_id or 0, []))
        return out


def _hide_small(groups: list[Group]) -> None:
    for group in groups:
        if 0 < group.answers < MIN_GROUP:
            group.hidden_because = HIDDEN_SMALL


def _hide_complement(parent: Group, children: list[Group]) -> None:
    """Secondary suppression. With the parent's figures shown, the hidden groups' answers
    together are the parent's less the shown groups': hide the next smallest groups until
    the hidden ones are at least two and add up to :data:`MIN_GROUP` answers or more. Under
    a hidden parent every group is hidden (they would add up to it)."""
    if parent.hidden:
        for child in children:
            if child.answers and not child.hidden:
                child.hidden_because = HIDDEN_COMPLEMENT
        return
    while True:
        hidden = [c for c in children if c.hidden and c.answers]
        shown = sorted((c for c in children if not c.hidden and c.answers), key=lambda c: (c.answers, c.label))
        if not hidden or not shown or (len(hidden) > 1 and sum(c.answers for c in hidden) >= MIN_GROUP):
            return
        shown[0].hidden_because = HIDDEN_COMPLEMENT


def survey_results(survey: Survey, schools: list[School]) -> SurveyResults:
    """Counts per school, per school and year band, and for all these schools together, each
    group with fewer than :data:`MIN_GROUP` answers hidden, plus the groups that would let a
    hidden one be worked out. Two queries, whatever the number of schools."""
    from .survey_questions import NOT_SAID, YEAR_BAND_WORDS, year_bands_for

    ids = [s.pk for s in schools]
    sizes = {
        (r["school_id"], r["year_band"]): r["n"]
        for r in SurveyResponse.objects.filter(survey=survey, school_id__in=ids)
        .values("school_id", "year_band")
        .annotate(n=Count("pk"))
        .order_by()
    }
    counts = (
        SurveyAnswer.objects.filter(response__survey=survey, response__school_id__in=ids)
        .values("response__school_id", "response__year_band", "question", "answer")
        .annotate(n=Count("pk"))
        .order_by()
    )
    overall = Group("All these schools", None, None, sum(sizes.values())) if len(schools) > 1 else None
    by_school = {s.pk: Group(s.name, s.pk, None, 0) for s in schools}
    bands: dict[int, dict[str, Group]] = {}
    for s in schools:
        present = {band for (sid, band) in sizes if sid == s.pk}
        listed = [v for v, _ in year_bands_for(s.phase)]
        order = listed + sorted(b for b in present if b and b not in listed) + [""]
        bands[s.pk] = {
            b: Group(YEAR_BAND_WORDS.get(b, NOT_SAID) if b else NOT_SAID, s.pk, b, sizes.get((s.pk, b), 0))
            for b in order
        }
        by_school[s.pk].answers = sum(g.answers for g in bands[s.pk].values())
    for row in counts:
        sid, band, question, answer, n = (
            row["response__school_id"],
            row["response__year_band"],
            row["question"],
            row["answer"],
            row["n"],
        )
        targets = [by_school[sid], bands[sid][band]] + ([overall] if overall else [])
        for group in targets:
            per = group.counts.setdefault(question, {})
            per[answer] = per.get(answer, 0) + n
    every = list(by_school.values()) + [g for b in bands.values() for g in b.values()] + ([overall] if overall else [])
    _hide_small(every)
    if overall:
        _hide_complement(overall, list(by_school.values()))
    for sid, group in by_school.items():
        _hide_complement(group, list(bands[sid].values()))
    return SurveyResults(
        survey=survey,
        overall=overall,
        schools=list(by_school.values()),
        bands={sid: [g for g in b.values() if g.answers or g.band] for sid, b in bands.items()},
    )


def answers_so_far(survey: Survey, schools: list[School]) -> int:
    """How many pupils of these schools have answered (shown while a survey is open)."""
    return SurveyResponse.objects.filter(survey=survey, school__in=schools).count()


def schools_hidden_in(survey_ids: Iterable[int], readable: Iterable[int]) -> dict[int, set[int]]:
    """For each survey, the schools whose figures its results page hides from a reader who
    may see ``readable`` schools: under :data:`MIN_GROUP` answers, or hidden so that a smaller
    group cannot be worked out from the total (as :func:`survey_results`). Two queries."""
    readable = list(readable)
    through = Survey.schools.through.objects.filter(survey_id__in=list(survey_ids), school_id__in=readable)
    members: dict[int, list[tuple[int, str]]] = {}
    for survey_id, school_id, name in through.values_list("survey_id", "school_id", "school__name"):
        members.setdefault(survey_id, []).append((school_id, name))
    sizes = {
        (survey_id, school_id): n
        for survey_id, school_id, n in SurveyResponse.objects.filter(
            survey_id__in=list(members), school_id__in=readable
        )
        .values_list("survey_id", "school_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    out: dict[int, set[int]] = {}
    for survey_id, schools in members.items():
        groups = [Group(name, sid, None, sizes.get((survey_id, sid), 0)) for sid, name in schools]
        _hide_small(groups)
        if len(groups) > 1:
            overall = Group("All these schools", None, None, sum(g.answers for g in groups))
            _hide_small([overall])
            _hide_complement(overall, groups)
        out[survey_id] = {g.school_id for g in groups if g.hidden and g.school_id is not None}
    return out


@dataclass(frozen=True)
class TrendPoint:
    """One survey round for one question, over the schools asked about."""

    survey_id: int
    title: str
    opens_on: dt.date
    last_day: dt.date
    answers: int | None  # None: fewer than 10 answers, hidden
    positive_share: float | None  # 0 to 1; None when hidden


def survey_trend_for(
    schools: QuerySet[School] | Iterable[School | int], start: dt.date, end: dt.date
) -> dict[str, list[TrendPoint]]:
    """How pupils' answers changed from round to round, for dashboards.

    ``schools``: School objects, ids or a queryset; the caller decides which the reader may
    see (``schools_for(user, Capability.SURVEY_RESULTS)``). Rounds are the surveys of any of
    those schools open on any day from ``start`` to ``end``, oldest first (by opening date).

    Returns ``{question key: [TrendPoint, ...]}``, one point per round that asked the
    question, with the number of answers from those schools together and the share (0 to 1)
    of "positive" answers (the good outcome: feeling safe, would tell, knows how to report,
    never saw sexual comments; see :mod:`haven.pupil_voice.survey_questions`). A round with
    fewer than 10 answers from those schools has ``answers`` and ``positive_share`` None.
    Keys are in the order of the newest round's questions. Three queries.

    Each call hides its own small groups only; a page that shows calls for nested sets of
    schools (a trust and each of its schools) must hide the complement itself, as
    :func:`survey_results` does.
    """
    ids: Any = (  # a queryset stays a subquery
        schools.values("pk") if isinstance(schools, QuerySet) else [getattr(s, "pk", s) for s in schools]
    )
    surveys = list(
        Survey.objects.filter(
            pk__in=Survey.schools.through.objects.filter(school_id__in=ids).values("survey_id"),
            opens_on__lte=end,
            closes_on__gte=start,
        ).order_by("opens_on", "closes_on", "pk")
    )
    # Closed rounds only: results that change as each pupil answers would show their answers.
    today = clock.localdate()
    surveys = [
        s for s in surveys if s.last_day >= start and s.last_day >= s.opens_on and s.status_on(today) == "closed"
    ]
    sizes = dict(
        SurveyResponse.objects.filter(survey__in=surveys, school_id__in=ids)
        .values("survey_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("survey_id", "n")
    )
    counts: dict[tuple[int, str], dict[str, int]] = {}
    for row in (
        SurveyAnswer.objects.filter(response__survey__in=surveys, response__school_id__in=ids)
        .values("response__survey_id", "question", "answer")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts.setdefault((row["response__survey_id"], row["question"]), {})[row["answer"]] = row["n"]
    keys: list[str] = []
    for survey in reversed(surveys):
        keys += [q["key"] for q in survey.questions if q["key"] not in keys]
    trend: dict[str, list[TrendPoint]] = {key: [] for key in keys}
    for survey in surveys:
        n = sizes.get(survey.pk, 0)
        for question in survey.questions:
            per = counts.get((survey.pk, question["key"]), {})
            total = sum(per.values())
            shown = n >= MIN_GROUP and total > 0
            trend[question["key"]].append(
                TrendPoint(
                    survey_id=survey.pk,
                    title=survey.title,
                    opens_on=survey.opens_on,
                    last_day=survey.last_day,
                    answers=n if n >= MIN_GROUP else None,
                    positive_share=sum(per.get(a, 0) for a in question["positive"]) / total if shown else None,
                )
            )
    return trend
