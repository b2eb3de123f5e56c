"""The dashboards at /insights/: a school's own figures for its DSL and head; a trust's for
its lead and trustees; the authority's for its officers. Counted from the roll-up tables.

Outside a school every table is suppressed (haven.core.suppression): any count from 1 to 4
shows as "<5", and further cells are hidden until none can be worked out from the totals.
No child's name or identifier is ever part of these tables."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils.functional import cached_property

from haven.access.policy import Capability, authorities_for, schools_for, trusts_for
from haven.cases.models import Route
from haven.concerns.models import Category, Location
from haven.core import clock
from haven.core.months import midnight, month_starts, next_month
from haven.core.suppression import Cell, SuppressedTable, suppress_together
from haven.organisations.models import School
from haven.people.models import Pupil, Sex, YearGroup
from haven.pupil_voice.models import PupilReport
from haven.pupil_voice.selectors import MIN_GROUP, TrendPoint, survey_trend_for
from haven.pupil_voice.survey_questions import POSITIVE_MEANS
from haven.safety_plans.models import SafetyPlan

from .models import (
    AreaChildRollup,
    AreaConcernRollup,
    ChildRollup,
    ConcernRollup,
    RouteRollup,
    SchoolMonthRollup,
)

if TYPE_CHECKING:
    from haven.accounts.models import User


@dataclass
class Scope:
    kind: str  # "school", "trust" or "authority"
    name: str
    schools: QuerySet[School]
    authority_id: int | None = None  # an authority's scope reads the area roll-ups

    @property
    def suppressed(self) -> bool:
        return self.kind != "school"


def scope_for(user: User) -> Scope | None:
    authorities = authorities_for(user, Capability.COUNTY_DASHBOARDS)
    if authorities:
        authority = authorities[0]
        return Scope("authority", authority.name, School.objects.filter(authority=authority), authority.pk)
    trusts = trusts_for(user, Capability.TRUST_DASHBOARDS)
    if trusts:
        return Scope("trust", trusts[0].name, School.objects.filter(trust=trusts[0]))
    schools = schools_for(user, Capability.READ_SCHOOL_RECORDS)
    if schools.exists():
        first = schools.order_by("name").first()
        assert first is not None
        return Scope("school", first.name if schools.count() == 1 else "Your schools", schools)
    return None


@dataclass
class Table:
    key: str
    title: str
    row_labels: list[str]
    column_labels: list[str]
    counts: list[list[int]]
    published: SuppressedTable | None = None
    note: str = ""
    # Pupils on roll behind each row (and the whole), for a rate per 1,000 beside the count;
    # None: the table shows no rate.
    rolls: list[int] | None = None
    roll: int = 0

    @cached_property
    def rows(self) -> list[tuple[str, tuple[Cell, ...], Cell]]:
        assert self.published is not None
        return list(zip(self.row_labels, self.published.cells, self.published.row_totals, strict=True))

    @staticmethod
    def rate(count: Cell, roll: int) -> str:
        """Concerns per 1,000 pupils on roll, to one decimal place. A hidden count's rate is
        hidden the same way (it would give the count away); no pupils on roll, no rate."""
        if count.value is None:
            return str(count)
        if roll <= 0:
            return "–"
        return f"{1000 * count.value / roll:,.1f}"

    @property
    def with_rates(self) -> bool:
        return self.rolls is not None

    @cached_property
    def rated_rows(self) -> list[tuple[str, tuple[Cell, ...], Cell, str]]:
        """The rows with the rate of each row's total ("" when the table has no rates)."""
        rolls = self.rolls if self.rolls is not None else [0] * len(self.rows)
        return [
            (label, cells, total, self.rate(total, roll) if self.with_rates else "")
            for (label, cells, total), roll in zip(self.rows, rolls, strict=True)
        ]

    @property
    def total_rate(self) -> str:
        assert self.published is not None
        return self.rate(self.published.total, self.roll) if self.with_rates else ""

    # The chart is drawn at its own size (340 px wide fits a 390 px phone and the desktop
    # column), so its text is the body size: 16 px. Each row is two lines: its label on the
    # chart's whole width, then its bar with the figure after it, so nothing overlaps.
    WIDTH = 340
    ROW = 44  # px per row in the chart
    BAR = 250  # the longest bar, leaving room for the figure after it
    LABEL = 32  # characters of a label before it is cut (the table has it whole)

    @property
    def bars(self) -> list[dict[str, Any]]:
        """The chart beside the table: one bar per row, its length the row's shown total
        (a hidden total draws no bar and says "<5" or "[c]")."""
        shown = [c.value or 0 for _, _, c in self.rows]
        top = max(shown, default=0) or 1
        return [
            {
                "label": label if len(label) <= self.LABEL else label[: self.LABEL - 1] + "…",
                "shown": str(total),
                "y": i * self.ROW,
                "width": (width := round(self.BAR * (total.value or 0) / top)),
                "text_x": width + 8,  # where the figure is written, after the bar
            }
            for i, (label, _, total) in enumerate(self.rows)
        ]

    @property
    def with_total(self) -> bool:
        """A table of several columns has a total column."""
        return len(self.column_labels) > 1

    @property
    def chart_height(self) -> int:
        return max(1, len(self.row_labels)) * self.ROW

    def csv_rows(self) -> list[list[str]]:
        rate = [RATE_LABEL] if self.with_rates else []
        rows = [["", *self.column_labels, "Total", *rate]]
        rows += [
            [label, *map(str, cells), str(total), *([r] if self.with_rates else [])]
            for label, cells, total, r in self.rated_rows
        ]
        assert self.published is not None
        rows.append(
            [
                "Total",
                *map(str, self.published.column_totals),
                str(self.published.total),
                *([self.total_rate] if self.with_rates else []),
            ]
        )
        return rows


RATE_LABEL = "Per 1,000 pupils on roll"


def _publish(tables: list[Table], suppressed: bool) -> None:
    """Suppress tables that share their columns together, so one's totals cannot open another."""
    groups: dict[tuple[str, ...], list[Table]] = {}
    for t in tables:
        if not t.counts:
            t.counts = [[0] * len(t.column_labels)]
            t.row_labels = ["None"]
            if t.rolls is not None:
                t.rolls = [t.roll]
        groups.setdefault(tuple(t.column_labels), []).append(t)
    for group in groups.values():
        threshold = 5 if suppressed else 1  # a threshold of 1 hides nothing
        results = suppress_together(*(t.counts for t in group), threshold=threshold)
        for t, r in zip(group, results, strict=True):
            t.published = r


@dataclass
class Filters:
    start: dt.date
    end: dt.date
    school: int | None = None
    phase: str = ""
    family: str = ""


@dataclass
class SurveyPanel:
    """How pupils feel, from the culture surveys of the dashboard's schools: for each question,
    the share of pupils giving the good answer in each round. A round with fewer than 10
    answers from these schools is hidden (haven.pupil_voice.selectors.survey_trend_for)."""

    rounds: list[tuple[int, str]]  # (survey id, heading), oldest first
    rows: list[tuple[str, list[TrendPoint | None]]]  # None: not asked in that round
    answers: list[int | None]  # answers in each round; None: hidden

    @staticmethod
    def shown(point: TrendPoint | None) -> str:
        if point is None:
            return "Not asked"
        if point.positive_share is None:
            return f"Hidden: fewer than {MIN_GROUP} answers"
        return f"{round(100 * point.positive_share)}%"

    @property
    def shown_rows(self) -> list[tuple[str, list[str]]]:
        """The table's rows: each question and what each round shows for it."""
        return [(label, [self.shown(p) for p in points]) for label, points in self.rows]

    # Drawn at its own size like the tables' charts (text 16 px): each question on a line,
    # then for each round a line saying the round and its share, and the bar under it.
    WIDTH = 340
    QUESTION = 26  # px for a question's line
    ROUND = 40  # px for a round's line and bar
    BAR = 320
    LABEL = 34  # characters of a question before it is cut (the table has it whole)

    @property
    def chart_height(self) -> int:
        return max(1, len(self.rows) * (self.QUESTION + len(self.rounds) * self.ROUND))

    @property
    def chart_rows(self) -> list[dict[str, Any]]:
        """The chart: each question's label, then a bar for each round under it, its length
        the share (hidden: none); ``y`` is where each line's text sits."""
        out, y = [], 0
        for label, points in self.rows:
            cut = label if len(label) <= self.LABEL else label[: self.LABEL - 1] + "…"
            question: dict[str, Any] = {"label": cut, "y": y + 18}
            bars: list[dict[str, Any]] = []
            y += self.QUESTION
            for (_, heading), point in zip(self.rounds, points, strict=True):
                width = round(self.BAR * point.positive_share) if point and point.positive_share is not None else 0
                shown = self.shown(point)
                room = self.LABEL - len(shown) - 2
                bars.append(
                    {
                        "heading": heading if len(heading) <= room else heading[: room - 1] + "…",
                        "y": y + 17,
                        "rect_y": y + 23,
                        "width": width,
                        "shown": shown,
                    }
                )
                y += self.ROUND
            out.append(question | {"bars": bars})
        return out

    def csv_rows(self) -> list[list[str]]:
        rows = [["", *(heading for _, heading in self.rounds)]]
        rows += [[label, *map(self.shown, points)] for label, points in self.rows]
        rows.append(["Answers", *(f"Fewer than {MIN_GROUP}" if n is None else str(n) for n in self.answers)])
        return rows


def survey_panel_for(schools: QuerySet[School], start: dt.date, end: dt.date) -> SurveyPanel | None:
    trend = survey_trend_for(schools, start, end)
    if not trend:
        return None
    rounds: dict[int, TrendPoint] = {}
    for points in trend.values():
        for p in points:
            rounds.setdefault(p.survey_id, p)
    order = sorted(rounds.values(), key=lambda p: (p.opens_on, p.survey_id))
    return SurveyPanel(
        rounds=[(p.survey_id, f"{p.title} ({p.opens_on:%b %Y})") for p in order],
        rows=[
            (POSITIVE_MEANS.get(key, key), [{p.survey_id: p for p in points}.get(r.survey_id) for r in order])
            for key, points in trend.items()
        ],
        answers=[r.answers for r in order],
    )


@dataclass
class Dashboard:
    scope: Scope
    filters: Filters
    tables: list[Table] = field(default_factory=list)
    response: list[tuple[str, str]] = field(default_factory=list)
    signals: list[str] = field(default_factory=list)
    schools: list[School] = field(default_factory=list)
    survey: SurveyPanel | None = None
    survey_filtered: bool = False  # a school or phase is chosen: no survey panel

    def table(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)


def dashboard_for(scope: Scope, filters: Filters, *, suppressed: bool | None = None) -> Dashboard:
    schools = scope.schools
    if filters.school:
        schools = schools.filter(pk=filters.school)
    if filters.phase:
        schools = schools.filter(phase=filters.phase)
    school_list = list(schools.order_by("name"))
    ids = schools.values("pk")  # a subquery: a county's hundreds of ids are not sent as parameters
    period = Q(month__gte=filters.start, month__lte=filters.end)
    window = Q(school_id__in=ids) & period
    everywhere = school_list if not (filters.school or filters.phase) else list(scope.schools.order_by("name"))
    board = Dashboard(scope, filters, schools=everywhere)
    months = month_starts(filters.start, filters.end)
    families = {c.code: c.name for c in Category.objects.filter(parent__isnull=True).order_by("pk")}
    sexual_cols = ["Sexual violence, harassment or harmful sexual behaviour", "Other concerns"]

    # Aggregated in the database from roll-ups. An authority's whole county (or one phase of
    # it) is read from the area roll-ups, a few thousand rows a year, instead of every
    # school's: the page reads a handful of small results whatever the number of schools.
    school_concerns = ConcernRollup.objects.filter(window)
    if scope.authority_id and not filters.school:
        area = Q(authority_id=scope.authority_id) & period & (Q(phase=filters.phase) if filters.phase else Q())
        concern_rows: QuerySet[AreaConcernRollup] | QuerySet[ConcernRollup] = AreaConcernRollup.objects.filter(area)
        child_rows: QuerySet[AreaChildRollup] | QuerySet[ChildRollup] = AreaChildRollup.objects.filter(area)
    else:
        concern_rows, child_rows = school_concerns, ChildRollup.objects.filter(window)
    if filters.family:
        concern_rows = concern_rows.filter(family=filters.family)
        school_concerns = school_concerns.filter(family=filters.family)
    by_month = {m: [0, 0] for m in months}
    by_kind: dict[str, int] = {}
    by_place: dict[str, int] = {}
    acked, ack_hours = 0, 0.0
    for month, family, location, sexual, n, a, h in (
        concern_rows.values_list("month", "family", "location", "sexual")
        .annotate(n=Sum("concerns"), a=Sum("acknowledged"), h=Sum("hours_to_acknowledge"))
        .order_by()
    ):
        by_month.setdefault(month, [0, 0])[0 if sexual else 1] += n
        by_kind[family] = by_kind.get(family, 0) + n
        by_place[location] = by_place.get(location, 0) + n
        acked, ack_hours = acked + a, ack_hours + h
    # By school: without a kind chosen, from each school's monthly totals (no kind or place).
    per_school = school_concerns if filters.family else SchoolMonthRollup.objects.filter(window)
    by_school = {s.pk: [0, 0] for s in school_list}
    for school_id, sexual, n in per_school.values_list("school_id", "sexual").annotate(n=Sum("concerns")).order_by():
        by_school[school_id][0 if sexual else 1] += n
    place_labels = dict(Location.choices)
    # Rates per 1,000 pupils on roll beside the counts, outside a school: the pupils on roll
    # now at the schools in scope (one grouped count, whatever the number of schools).
    rated = scope.kind != "school"
    on_roll: dict[int, int] = {}
    if rated:
        on_roll = dict(
            Pupil.objects.filter(school_id__in=ids, left_on__isnull=True)
            .values("school_id")
            .annotate(n=Count("pk"))
            .values_list("school_id", "n")
            .order_by()
        )
    roll = sum(on_roll.values())

    def rolls(n: int) -> list[int] | None:
        return [roll] * n if rated else None

    tables = [
        Table(
            "month",
            "Concerns by month",
            [f"{m:%b %Y}" for m in months],
            sexual_cols,
            [by_month[m] for m in months],
            rolls=rolls(len(months)),
            roll=roll,
        ),
    ]
    if scope.kind != "school" or len(school_list) > 1:
        tables.append(
            Table(
                "school",
                "Concerns by school",
                [s.name for s in school_list],
                sexual_cols,
                [by_school[s.pk] for s in school_list],
                rolls=[on_roll.get(s.pk, 0) for s in school_list] if rated else None,
                roll=roll,
            )
        )
    kinds = sorted(by_kind, key=lambda k: -by_kind[k])
    places = sorted(by_place, key=lambda k: -by_place[k])
    tables += [
        Table(
            "kind",
            "Concerns by kind",
            [families.get(k, k) for k in kinds],
            ["Concerns"],
            [[by_kind[k]] for k in kinds],
            rolls=rolls(len(kinds)),
            roll=roll,
        ),
        Table(
            "place",
            "Where it happened",
            [place_labels.get(p, p) for p in places],
            ["Concerns"],
            [[by_place[p]] for p in places],
            rolls=rolls(len(places)),
            roll=roll,
        ),
    ]

    years = [y for y, _ in YearGroup.choices]
    sexes = [s for s, _ in Sex.choices]
    grid = {(y, s): 0 for y in years for s in sexes}
    for year, sex, n in child_rows.values_list("year_group", "sex").annotate(n=Sum("children")).order_by():
        grid[(year, sex)] = grid.get((year, sex), 0) + n
    needs = [[0, 0], [0, 0]]
    for send, lac, n in child_rows.values_list("send", "looked_after").annotate(n=Sum("children")).order_by():
        needs[0 if send else 1][0 if lac else 1] += n
    used_years = [y for y in years if any(grid[(y, s)] for s in sexes)]
    tables += [
        Table(
            "children",
            "Children involved, by year group and sex",
            [f"Year {y}" if y.isdigit() else dict(YearGroup.choices)[y] for y in used_years],
            [dict(Sex.choices)[s] for s in sexes],
            [[grid[(y, s)] for s in sexes] for y in used_years],
        ),
        Table(
            "needs",
            "Children involved: SEND and looked after",
            ["SEND", "No SEND"],
            ["Looked after", "Not looked after"],
            needs,
            note="Each child is counted once for each concern they are named in.",
        ),
    ]
    routes = dict.fromkeys(Route.values, 0)
    decide = dict.fromkeys(Route.values, 0.0)
    for route, n, h in (
        RouteRollup.objects.filter(window)
        .values_list("route")
        .annotate(n=Sum("decisions"), h=Sum("hours_to_decide"))
        .order_by()
    ):
        routes[route] = routes.get(route, 0) + n
        decide[route] = decide.get(route, 0.0) + h
    tables.append(
        Table(
            "route",
            "Routes decided",
            [dict(Route.choices)[r] for r in routes],
            ["Decisions"],
            [[routes[r]] for r in routes],
        )
    )
    # Pupil reports (/tell/), by the month they were made and where they stand now.
    received = PupilReport.objects.filter(
        school_id__in=ids, created_at__gte=midnight(filters.start), created_at__lt=midnight(next_month(filters.end))
    )
    converted, closed = PupilReport.Status.CONVERTED, [PupilReport.Status.CLOSED, PupilReport.Status.MALICIOUS]
    by_report_month = {m: [0, 0, 0] for m in months}
    for month, made, shut, still in (
        received.annotate(m=TruncMonth("created_at"))
        .values_list("m")
        .annotate(
            made=Count("pk", filter=Q(status=converted)),
            shut=Count("pk", filter=Q(status__in=closed)),
            still=Count("pk", filter=~Q(status__in=[converted, *closed])),
        )
        .values_list("m", "made", "shut", "still")
        .order_by()
    ):
        by_report_month[month.date() if isinstance(month, dt.datetime) else month] = [made, shut, still]
    tables.append(
        Table(
            "pupil_reports",
            "Pupil reports (told through the school's reporting link)",
            [f"{m:%b %Y}" for m in months],
            ["Made into a concern", "Closed", "Still open"],
            [by_report_month[m] for m in months],
        )
    )
    today = clock.localdate()
    live = Q(status__in=[SafetyPlan.Status.ACTIVE, SafetyPlan.Status.UNDER_REVIEW])
    plans = SafetyPlan.objects.filter(school_id__in=ids).aggregate(
        current=Count("pk", filter=live & Q(review_date__gte=today)),
        overdue=Count("pk", filter=live & Q(review_date__lt=today)),
        draft=Count("pk", filter=Q(status=SafetyPlan.Status.DRAFT)),
    )
    tables.append(
        Table(
            "plans",
            "Safety plans open now",
            ["Active, review not yet due", "Review overdue", "Draft"],
            ["Plans"],
            [[plans["current"]], [plans["overdue"]], [plans["draft"]]],
        )
    )
    suppressed = scope.suppressed if suppressed is None else suppressed
    _publish(tables, suppressed)
    board.tables = tables

    minimum = 5 if suppressed else 1
    if acked >= minimum:
        board.response.append(("Concern to acknowledgement", _hours(ack_hours / acked)))
    total_decisions = sum(routes.values())
    if total_decisions >= minimum:
        board.response.append(("First concern to route decision", _hours(sum(decide.values()) / total_decisions)))
    # Survey rounds for all the scope's schools together only: one school's or one phase's
    # figures beside the whole's would give away the answers of a group under 10 (the survey
    # pages show schools one by one, hiding such groups and any that would reveal them).
    board.survey_filtered = bool(filters.school or filters.phase)
    if not board.survey_filtered:
        board.survey = survey_panel_for(schools, filters.start, next_month(filters.end) - dt.timedelta(days=1))
    if scope.kind == "authority":
        board.signals = signals_for(scope.schools.order_by("name"), today)
    return board


def _hours(h: float) -> str:
    return f"{h:.1f} hours on average" if h < 48 else f"{h / 24:.1f} days on average"


def signals_for(schools: QuerySet[School] | list[School], today: dt.date) -> list[str]:
    """Schools to look at: a month far above the school's usual, and schools recording far
    fewer concerns than schools of the same phase for their size (under-recording)."""
    this_month = today.replace(day=1)
    year_ago = (this_month - dt.timedelta(days=365)).replace(day=1)
    # A queryset is read as a subquery: a county's hundreds of ids are not sent as parameters.
    within = schools.values_list("pk", flat=True) if isinstance(schools, QuerySet) else [s.pk for s in schools]
    schools = list(schools)
    rows = (
        SchoolMonthRollup.objects.filter(school_id__in=within, month__gte=year_ago)
        .values_list("school_id", "month")
        .annotate(n=Sum("concerns"))
        .order_by()
    )
    monthly: dict[int, dict[dt.date, int]] = {}
    for school_id, month, n in rows:
        monthly.setdefault(school_id, {})[month] = n
    on_roll = dict(
        Pupil.objects.filter(school_id__in=within, left_on__isnull=True)
        .values("school_id")
        .annotate(n=Count("pk"))
        .values_list("school_id", "n")
        .order_by()
    )
    rolls = {s.pk: max(1, on_roll.get(s.pk, 0)) for s in schools}
    out = []
    last = (this_month - dt.timedelta(days=1)).replace(day=1)
    months_before = month_starts(year_ago, (last - dt.timedelta(days=1)).replace(day=1))
    for s in schools:
        series = monthly.get(s.pk, {})
        before = [series.get(m, 0) for m in months_before]
        now = series.get(last, 0)
        if len(before) >= 3 and now >= 5:
            mean = sum(before) / len(before)
            sd = math.sqrt(sum((b - mean) ** 2 for b in before) / len(before))
            if now > mean + 2 * max(sd, 1):
                out.append(
                    f"{s.name}: {now} concerns in {last:%B %Y}, against {mean:.1f} a month on average in the "
                    "year before. A rise can mean better reporting as well as more harm: worth a conversation."
                )
    for phase in {s.phase for s in schools}:
        peers = [s for s in schools if s.phase == phase]
        if len(peers) < 3:
            continue
        rates = {s.pk: 100 * sum(monthly.get(s.pk, {}).values()) / rolls[s.pk] for s in peers}
        median = statistics.median(rates.values())
        for s in peers:
            if median > 0 and rates[s.pk] < median / 4:
                out.append(
                    f"{s.name}: {rates[s.pk]:.1f} concerns per 100 pupils in the last 12 months, against "
                    f"{median:.1f} for {s.get_phase_display().lower()} schools here. Very low recording can "
                    "mean concerns are not being written down."
                )
    return out


def default_filters(today: dt.date | None = None) -> Filters:
    end = (today or clock.localdate()).replace(day=1)
    start = (end - dt.timedelta(days=330)).replace(day=1)
    return Filters(start=start, end=end)


# --- Termly reports for governors and trustees ---------------------------------------------

TERMS = {"autumn": ((9, 1), (12, 1)), "spring": ((1, 1), (3, 1)), "summer": ((4, 1), (8, 1))}


def term_of(day: dt.date) -> tuple[int, str]:
    name = "autumn" if day.month >= 9 else "spring" if day.month <= 3 else "summer"
    return day.year, name


def term_bounds(year: int, name: str) -> tuple[dt.date, dt.date]:
    (sm, _), (em, _) = TERMS[name]
    return dt.date(year, sm, 1), dt.date(year, em, 1)


def term_label(year: int, name: str) -> str:
    if name == "autumn":
        return f"Autumn term {year}"
    return f"{name.capitalize()} term {year}"


@dataclass
class Report:
    scope: Scope
    label: str
    this: Dashboard
    last_year: Dashboard

    def figure(self, board: Dashboard, key: str) -> Cell:
        published = board.table(key).published
        assert published is not None
        return published.total

    @property
    def headline(self) -> list[tuple[str, Cell, Cell]]:
        rows = []
        for key, label in (
            ("kind", "Concerns recorded"),
            ("route", "Route decisions"),
            ("pupil_reports", "Pupil reports through the school's reporting link"),
        ):
            rows.append((label, self.figure(self.this, key), self.figure(self.last_year, key)))
        now, then = self.this.table("month").published, self.last_year.table("month").published
        assert now is not None and then is not None
        sexual_now, sexual_then = now.column_totals[0], then.column_totals[0]
        rows.insert(1, ("About sexual violence, harassment or harmful sexual behaviour", sexual_now, sexual_then))
        return rows


def report_for(scope: Scope, year: int, name: str) -> Report:
    """A term's figures beside the same term a year before, always suppressed: governors and
    trustees read them, and they never need a number small enough to point at a child."""
    start, end = term_bounds(year, name)
    last_start, last_end = term_bounds(year - 1, name)
    return Report(
        scope,
        term_label(year, name),
        dashboard_for(scope, Filters(start, end), suppressed=True),
        dashboard_for(scope, Filters(last_start, last_end), suppressed=True),
    )
