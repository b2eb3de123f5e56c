"""Reads of cases and the DSL dashboard, for an acting user, scoped by
haven.access. Each page's query count is constant in the size of its data."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet

from haven.access.policy import Capability, case_visibility, concern_visibility, deny, school_ids_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns.models import ChildRole, Concern, ConcernChild, Location
from haven.concerns.search import concern_text_matches
from haven.core import clock
from haven.core.converters import parse_id

from .models import (
    Case,
    CaseChild,
    Referral,
    ReferralOutcome,
    Task,
)
from .schooldays import Closure, add_school_days, closures_by_school

if TYPE_CHECKING:
    from haven.accounts.models import User

REFERRAL_OUTCOME_SCHOOL_DAYS = 10
REPEAT_WINDOW = dt.timedelta(days=365)
LOCATION_WINDOW = dt.timedelta(days=28)
LOCATION_REPEATS = 3


def case_list_for(user: User) -> QuerySet[Case]:
    if user is None or not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    return Case.objects.filter(case_visibility(user)).select_related("school")


def case_get_for(user: User, reference: str, *, ctx: AuditContext = COMMAND, audit: bool = True) -> Case:
    case = (
        case_list_for(user)
        .prefetch_related(
            Prefetch("children", queryset=CaseChild.objects.select_related("pupil").order_by("pk")),
            Prefetch(
                "concerns",
                queryset=Concern.objects.select_related("recorded_by")
                .prefetch_related("categories")
                .order_by("occurred_at"),
            ),
            "restricted_to",
        )
        .filter(reference=reference)
        .first()
    )
    if case is None:
        school_id = Case.objects.filter(reference=reference).values_list("school_id", flat=True).first()
        raise deny(ctx, actor=user, object_type="cases.case", object_id=reference, school=school_id)
    if audit:
        audit_record(Event.CASE_VIEWED, ctx=ctx, actor=user, obj=case, school=case.school_id)
    return case


def referral_due(referral: Referral, closures: list[Closure]) -> dt.date:
    """The day by which a referral's outcome is due: 10 school days after it was made."""
    return add_school_days(referral.referred_on, REFERRAL_OUTCOME_SCHOOL_DAYS, closures)


ACT_NOW_SHOWN = 20  # the dashboard's "act now" list; the rest are first in the triage list too


@dataclass
class Dashboard:
    to_triage: QuerySet[Concern]
    open_cases: QuerySet[Case]
    overdue_tasks: QuerySet[Task]
    overdue_referrals: list[Referral]
    repeat_flags: list[str]
    act_now: list[Concern]  # urgent and not yet acknowledged, oldest first: the top of the page


def dashboard_for(user: User, *, filters: dict[str, str] | None = None) -> Dashboard:
    """New concerns (urgent first, then oldest), open cases with their next task, overdue
    tasks and referral outcomes, and repeat-involvement alerts for the user's schools."""
    filters = filters or {}
    school_ids = school_ids_for(user, Capability.READ_SCHOOL_RECORDS)
    today = clock.localdate()
    to_triage = (
        Concern.objects.filter(school__in=school_ids, case__isnull=True)
        .exclude(status=Concern.Status.NO_FURTHER_ACTION)
        .select_related("school", "recorded_by")
        .prefetch_related("categories", Prefetch("children", queryset=ConcernChild.objects.select_related("pupil")))
        .order_by("-urgent", "recorded_at", "pk")
    )
    to_triage = apply_concern_filters(to_triage, filters)
    open_cases = (
        case_list_for(user)
        .filter(status=Case.Status.OPEN)
        .annotate(
            next_due=Min("tasks__due_on", filter=Q(tasks__done_at__isnull=True)),
            open_tasks=Count("tasks", filter=Q(tasks__done_at__isnull=True), distinct=True),
        )
        .order_by("next_due", "opened_at")
        # The children by name in each row: a DSL knows a case by its children, not its number.
        .prefetch_related(Prefetch("children", queryset=CaseChild.objects.select_related("pupil").order_by("pk")))
    )
    visible_cases = case_list_for(user).values("pk")
    overdue_tasks = (
        Task.objects.filter(case__in=visible_cases, done_at__isnull=True, due_on__lt=today)
        .select_related("case", "assignee")
        .order_by("due_on")
    )
    # Outcomes are due 10 school days after the referral (holidays excluded): anything
    # referred in the last 10 calendar days cannot be late yet; the rest is checked exactly.
    waiting = list(
        Referral.objects.filter(case__in=visible_cases)
        .exclude(Exists(ReferralOutcome.objects.filter(referral=OuterRef("pk"))))
        .filter(referred_on__lt=today - dt.timedelta(days=REFERRAL_OUTCOME_SCHOOL_DAYS))
        .select_related("case")
        .order_by("referred_on", "pk")[:200]
    )
    closures = closures_by_school(
        {r.case.school_id for r in waiting}, since=min((r.referred_on for r in waiting), default=today)
    )
    overdue_referrals = [r for r in waiting if referral_due(r, closures.get(r.case.school_id, [])) < today]
    act_now = list(
        Concern.objects.filter(school__in=school_ids, urgent=True, acknowledged_at__isnull=True)
        .exclude(status=Concern.Status.NO_FURTHER_ACTION)
        .select_related("school", "recorded_by")
        .prefetch_related(Prefetch("children", queryset=ConcernChild.objects.select_related("pupil")))
        .order_by("recorded_at", "pk")[:ACT_NOW_SHOWN]
    )
    return Dashboard(
        act_now=act_now,
        to_triage=to_triage,
        open_cases=open_cases,
        overdue_tasks=overdue_tasks,
        overdue_referrals=overdue_referrals,
        repeat_flags=repeat_involvement_flags(user, school_ids=school_ids),
    )


def also_waiting_for(concern: Concern) -> list[Concern]:
    """The other concerns about the same children at the same school still waiting for triage
    (not in a case, not closed), oldest first: a DSL triaging one sees the others beside it."""
    pupil_ids = [link.pupil_id for link in concern.children.all()]
    return list(
        Concern.objects.filter(school=concern.school_id, case__isnull=True, children__pupil_id__in=pupil_ids)
        .exclude(pk=concern.pk)
        .exclude(status=Concern.Status.NO_FURTHER_ACTION)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("children", queryset=ConcernChild.objects.select_related("pupil")))
        .distinct()
        .order_by("recorded_at", "pk")[:20]
    )


def apply_concern_filters(qs: QuerySet[Concern], filters: dict[str, str]) -> QuerySet[Concern]:
    """Dashboard filters: child name/UPN, category, location, date range, urgency, text."""
    if filters.get("child"):
        for term in filters["child"].split()[:3]:
            qs = qs.filter(
                Exists(
                    ConcernChild.objects.filter(concern=OuterRef("pk")).filter(
                        Q(pupil__legal_surname__icontains=term)
                        | Q(pupil__legal_forename__icontains=term)
                        | Q(pupil__preferred_forename__icontains=term)
                        | Q(pupil__upn__iexact=term)
                    )
                )
            )
    category = parse_id(filters.get("category", ""))
    if category is not None:
        qs = qs.filter(Q(categories=category) | Q(categories__parent=category)).distinct()
    if filters.get("location"):
        qs = qs.filter(location=filters["location"])
    for key, lookup in (("from", "occurred_at__date__gte"), ("to", "occurred_at__date__lte")):
        with contextlib.suppress(ValueError):
            qs = qs.filter(**{lookup: dt.date.fromisoformat(filters.get(key, ""))})
    if filters.get("urgent") == "1":
        qs = qs.filter(urgent=True)
    if filters.get("q"):
        qs = qs.filter(Q(reference__iexact=filters["q"].strip()) | concern_text_matches(filters["q"]))
    return qs


def _visible_concerns(user: User, school_ids: list[int]) -> QuerySet[Concern]:
    """The concerns at these schools the user may read: the patterns are counted from those
    only, so a restricted case (or one not shared with a trust lead) gives nothing away."""
    return Concern.objects.filter(concern_visibility(user), school__in=school_ids)


def _involvement_rows(user: User, school_ids: list[int], pupil_ids: list[int] | None) -> list[tuple[Any, ...]]:
    """The last 12 months' children-in-concerns at these schools that the user may read (only
    the concerns naming one of ``pupil_ids``, when given): (concern, pupil, role, forename,
    preferred forename, surname)."""
    since = clock.now() - REPEAT_WINDOW
    links = ConcernChild.objects.filter(
        concern__school__in=school_ids,
        concern__occurred_at__gte=since,
        concern__in=_visible_concerns(user, school_ids).values("pk"),
    )
    if pupil_ids is not None:
        concern_ids = ConcernChild.objects.filter(pupil_id__in=pupil_ids).values("concern_id")
        links = links.filter(concern__in=concern_ids)
    return list(
        links.values_list(
            "concern_id",
            "pupil_id",
            "role",
            "pupil__legal_forename",
            "pupil__preferred_forename",
            "pupil__legal_surname",
        )
    )


def _child_flags_from(rows: list[tuple[Any, ...]], pupil_id: int | None) -> list[str]:
    names = {pid: f"{pref or fore} {sur}" for _, pid, _, fore, pref, sur in rows}
    harmed_by: Counter[int] = Counter(pid for _, pid, role, *_ in rows if role == ChildRole.ALLEGED_HARMER)
    flags = [
        f"{names[pid]} is named as a child alleged to have harmed in {n} concerns in the last 12 months."
        for pid, n in sorted(harmed_by.items(), key=lambda kv: (-kv[1], names[kv[0]]))
        if n >= 2 and (pupil_id is None or pid == pupil_id)
    ]
    by_concern: dict[int, set[int]] = {}
    for cid, pid, *_ in rows:
        by_concern.setdefault(cid, set()).add(pid)
    pairs: Counter[tuple[int, int]] = Counter()
    for pids in by_concern.values():
        ordered = sorted(pids)
        pairs.update((a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    flags += [
        f"{names[a]} and {names[b]} are named together again: {n} concerns in the last 12 months."
        for (a, b), n in sorted(pairs.items(), key=lambda kv: -kv[1])
        if n >= 2 and (pupil_id is None or pupil_id in (a, b))
    ]
    return flags


def repeat_involvement_flags(user: User, *, school_ids: list[int], pupil_id: int | None = None) -> list[str]:
    """DESIGN: a child alleged to have harmed in 2 or more concerns within 12 months; the
    same pair of children again; 3 or more incidents at one place within 4 weeks. Counted
    over the concerns ``user`` may read."""
    flags = _child_flags_from(_involvement_rows(user, school_ids, None if pupil_id is None else [pupil_id]), pupil_id)
    if pupil_id is None:
        recent = (
            _visible_concerns(user, school_ids)
            .filter(occurred_at__gte=clock.now() - LOCATION_WINDOW)
            .values("school__name", "location", "online_platform")
            .annotate(n=Count("id"))
            .filter(n__gte=LOCATION_REPEATS)
            .order_by("-n")
        )
        for row in recent:
            where = Location(row["location"]).label
            if row["online_platform"]:
                where += f" ({row['online_platform']})"
            flags.append(f"{row['n']} incidents in the last 4 weeks at one place: {where}, {row['school__name']}.")
    return flags


def repeat_involvement_flags_for_children(user: User, *, school_id: int, pupil_ids: list[int]) -> list[str]:
    """The repeat-involvement flags of each of these children, in their order, each flag once:
    what ``repeat_involvement_flags(pupil_id=...)`` gives for each child, in one query for all
    of them (a case or a concern page costs the same whatever its number of children)."""
    rows = _involvement_rows(user, [school_id], pupil_ids) if pupil_ids else []
    concerns_of: dict[int, set[int]] = {}
    for cid, pid, *_ in rows:
        concerns_of.setdefault(pid, set()).add(cid)
    flags: list[str] = []
    for pupil_id in pupil_ids:
        mine = concerns_of.get(pupil_id, set())
        for flag in _child_flags_from([r for r in rows if r[0] in mine], pupil_id):
            if flag not in flags:
                flags.append(flag)
    return flags
