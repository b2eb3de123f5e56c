"""Roll-up tables for the dashboards, kept up to date as records change.

A slice is one school's month. Refreshing a slice deletes its rows and counts them again
from the records, so a refresh is always exact and can be repeated. Saving a concern, a
concern's children or a decision marks its slice dirty; the slices of one transaction are
refreshed by one task once it commits. ``manage.py rebuild_rollups`` rebuilds everything.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Min, Sum
from django.utils import timezone
from django_tasks import task

from haven.cases.models import Decision
from haven.concerns.models import ChildRole, Concern, ConcernChild
from haven.core.months import midnight, next_month
from haven.organisations.models import School
from haven.people.models import SenStatus

from .models import (
    AreaChildRollup,
    AreaConcernRollup,
    ChildRollup,
    ConcernRollup,
    RouteRollup,
    SchoolMonthRollup,
)

Slice = tuple[int, dt.date]


def month_of(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment).date().replace(day=1)


def _bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return midnight(month), midnight(next_month(month))


def _families(concern_ids: list[int]) -> dict[int, tuple[str, bool]]:
    """Each concern's main kind (its first category's family) and whether any category is sexual."""
    through = Concern.categories.through
    rows = through.objects.filter(concern_id__in=concern_ids).values_list(
        "concern_id",
        "category_id",
        "category__code",
        "category__parent_id",
        "category__parent__code",
        "category__sexual",
    )
    best: dict[int, tuple[int, str]] = {}
    sexual: dict[int, bool] = defaultdict(bool)
    for concern_id, cat_id, code, parent_id, parent_code, is_sexual in rows:
        key = (parent_id or cat_id, parent_code or code)
        if concern_id not in best or key[0] < best[concern_id][0]:
            best[concern_id] = key
        sexual[concern_id] |= is_sexual
    return {cid: (code, sexual[cid]) for cid, (_, code) in best.items()}


# Advisory locks (PostgreSQL; SQLite runs one writer at a time anyway), taken in this order:
# all roll-ups (shared by a refresh, exclusive by a rebuild), then each school in id order,
# then each authority in id order. Two refreshes of one school's slices, or of one area, never
# interleave their delete and insert, and nothing refreshes during a rebuild.
ALL_LOCK, SCHOOL_LOCK, AREA_LOCK = 7300, 7301, 7302


def _lock(space: int, key: int, *, shared: bool = False) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
            cursor.execute(f"SELECT {fn}(%s, %s)", [space, key])


def _lock_rollups(*, shared: bool) -> None:
    _lock(ALL_LOCK, 0, shared=shared)


@transaction.atomic
def refresh(slices: Iterable[Slice], *, areas: bool = True) -> int:
    """Count each (school, month) slice again from the records, then (unless ``areas`` is
    false) the area roll-ups they are part of. Returns the rows written."""
    by_school: dict[int, set[dt.date]] = defaultdict(set)
    for school_id, month in slices:
        by_school[school_id].add(month)
    written = 0
    _lock_rollups(shared=True)
    for school_id, months in sorted(by_school.items()):
        _lock(SCHOOL_LOCK, school_id)
        for month in sorted(months):
            start, end = _bounds(month)
            for model in (ConcernRollup, ChildRollup, RouteRollup, SchoolMonthRollup):
                model.objects.filter(school_id=school_id, month=month).delete()
            concerns = list(
                Concern.objects.filter(school_id=school_id, occurred_at__gte=start, occurred_at__lt=end).values_list(
                    "pk", "location", "recorded_at", "acknowledged_at"
                )
            )
            kinds = _families([c[0] for c in concerns])
            counts: Counter[tuple[str, str, bool]] = Counter()
            acked: Counter[tuple[str, str, bool]] = Counter()
            hours: defaultdict[tuple[str, str, bool], float] = defaultdict(float)
            for pk, location, recorded_at, acknowledged_at in concerns:
                family, is_sexual = kinds.get(pk, ("uncategorised", False))
                key = (family, location, is_sexual)
                counts[key] += 1
                if acknowledged_at:
                    acked[key] += 1
                    hours[key] += max(0.0, (acknowledged_at - recorded_at).total_seconds() / 3600)
            ConcernRollup.objects.bulk_create(
                [
                    ConcernRollup(
                        school_id=school_id,
                        month=month,
                        family=f,
                        location=loc,
                        sexual=s,
                        concerns=n,
                        acknowledged=acked[(f, loc, s)],
                        hours_to_acknowledge=hours[(f, loc, s)],
                    )
                    for (f, loc, s), n in counts.items()
                ]
            )
            children = Counter(
                (role, year, sex, sen != SenStatus.NONE, lac)
                for role, year, sex, sen, lac in ConcernChild.objects.filter(
                    concern__school_id=school_id,
                    concern__occurred_at__gte=start,
                    concern__occurred_at__lt=end,
                    role__in=[ChildRole.AFFECTED, ChildRole.ALLEGED_HARMER],
                ).values_list("role", "pupil__year_group", "pupil__sex", "pupil__sen_status", "pupil__looked_after")
            )
            ChildRollup.objects.bulk_create(
                [
                    ChildRollup(
                        school_id=school_id,
                        month=month,
                        role=r,
                        year_group=y,
                        sex=s,
                        send=send,
                        looked_after=lac,
                        children=n,
                    )
                    for (r, y, s, send, lac), n in children.items()
                ]
            )
            decisions: Counter[str] = Counter()
            decide_hours: defaultdict[str, float] = defaultdict(float)
            for route, at, first in (
                Decision.objects.filter(case__school_id=school_id, withdrawn=False, at__gte=start, at__lt=end)
                .annotate(first=Min("case__concerns__recorded_at"))
                .values_list("route", "at", "first")
            ):
                decisions[route] += 1
                if first:
                    decide_hours[route] += max(0.0, (at - first).total_seconds() / 3600)
            RouteRollup.objects.bulk_create(
                [
                    RouteRollup(school_id=school_id, month=month, route=r, decisions=n, hours_to_decide=decide_hours[r])
                    for r, n in decisions.items()
                ]
            )
            by_sexual: Counter[bool] = Counter()
            for (_, _, is_sexual), n in counts.items():
                by_sexual[is_sexual] += n
            SchoolMonthRollup.objects.bulk_create(
                [
                    SchoolMonthRollup(school_id=school_id, month=month, sexual=x, concerns=n)
                    for x, n in by_sexual.items()
                ]
            )
            written += len(counts) + len(children) + len(decisions) + len(by_sexual)
    if areas:
        written += recount_areas(areas_of(by_school))
    return written


def areas_of(by_school: Mapping[int, Iterable[dt.date]]) -> set[tuple[int, str, dt.date]]:
    """The (authority, phase, month) areas that these schools' months belong to."""
    where = {
        pk: (a, p) for pk, a, p in School.objects.filter(pk__in=by_school).values_list("pk", "authority_id", "phase")
    }
    return {(*where[s], m) for s, months in by_school.items() if s in where for m in months}


# Each area table, the school table it is counted from, and the columns it keeps.
AREA_TABLES: tuple[tuple[type[models.Model], type[models.Model], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        AreaConcernRollup,
        ConcernRollup,
        ("family", "location", "sexual"),
        ("concerns", "acknowledged", "hours_to_acknowledge"),
    ),
    (AreaChildRollup, ChildRollup, ("year_group", "sex", "send", "looked_after"), ("children",)),
)


def recount_areas(areas: Iterable[tuple[int, str, dt.date]]) -> int:
    """Count each (authority, phase, month) again from its schools' roll-ups. Returns the rows
    written. Each authority is locked first (in id order, after the schools), so two refreshes
    of one area cannot interleave their delete and insert."""
    written = 0
    for authority_id, phase, month in sorted(areas):
        _lock(AREA_LOCK, authority_id)
        for area_model, school_model, dims, sums in AREA_TABLES:
            area_model._default_manager.filter(authority_id=authority_id, phase=phase, month=month).delete()
            rows = (
                school_model._default_manager.filter(
                    school__authority_id=authority_id, school__phase=phase, month=month
                )
                .values_list(*dims)
                .annotate(**{f"total_{c}": Sum(c) for c in sums})
                .order_by()
            )
            made = area_model._default_manager.bulk_create(
                area_model(
                    authority_id=authority_id,
                    phase=phase,
                    month=month,
                    **dict(zip(dims, row[: len(dims)], strict=True)),
                    **dict(zip(sums, row[len(dims) :], strict=True)),
                )
                for row in rows
            )
            written += len(made)
    return written


def rebuild(school_ids: Iterable[int] | None = None, progress: Callable[[int, int], None] | None = None) -> int:
    """Every slice of the given schools (or all), from the records. ``progress`` hears
    (schools done, schools in all) after each school."""
    qs = Concern.objects.all() if school_ids is None else Concern.objects.filter(school_id__in=list(school_ids))
    slices = {(s, month_of(at)) for s, at in qs.values_list("school_id", "occurred_at").iterator()}
    decisions = Decision.objects.all()
    if school_ids is not None:
        decisions = decisions.filter(case__school_id__in=list(school_ids))
    slices |= {(s, month_of(at)) for s, at in decisions.values_list("case__school_id", "at").iterator()}
    by_school: dict[int, list[Slice]] = defaultdict(list)
    for school_id, month in slices:
        by_school[school_id].append((school_id, month))
    written = 0
    with transaction.atomic():
        _lock_rollups(shared=False)
        if school_ids is None:
            for model in (
                ConcernRollup,
                ChildRollup,
                RouteRollup,
                SchoolMonthRollup,
                AreaConcernRollup,
                AreaChildRollup,
            ):
                model.objects.all().delete()
        for done, school_id in enumerate(sorted(by_school), start=1):
            written += refresh(by_school[school_id], areas=False)
            if progress:
                progress(done, len(by_school))
        written += recount_areas(areas_of({s: [m for _, m in months] for s, months in by_school.items()}))
    return written


@task()
def refresh_rollups(slices: list[list[Any]]) -> int:
    return refresh((int(s), dt.date.fromisoformat(m)) for s, m in slices)


def mark_dirty(school_id: int, moment: dt.datetime) -> None:
    """Refresh this slice once the current transaction commits: the slices marked in one
    transaction go to one task (the first callback takes them all; a rolled-back slice is
    simply refreshed with the next, which is exact either way)."""
    connection = transaction.get_connection()
    pending: set[Slice] = connection.__dict__.setdefault("_haven_rollup_slices", set())
    pending.add((school_id, month_of(moment)))

    def flush() -> None:
        slices = sorted(pending)
        pending.clear()
        if slices:
            refresh_rollups.enqueue([[s, m.isoformat()] for s, m in slices])

    transaction.on_commit(flush)
