"""Reads of cases, the DSL dashboard and chronologies, for an acting user, scoped by
haven.access. Each page's query count is constant in the size of its data."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Count, Exists, Min, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dates import MONTHS_3

from haven.access.policy import Capability, case_visibility, concern_visibility, deny, school_ids_for
from haven.audit.models import Action
from haven.audit.services import audit_record
from haven.concerns.models import Amendment, Category, ChildRole, Concern, ConcernChild, Location
from haven.concerns.search import concern_text_matches
from haven.core.converters import parse_id, reference_urls
from haven.people.models import Pupil

from .models import (
    Case,
    CaseChild,
    CaseEvent,
    ConsiderationAnswer,
    Decision,
    ParentsInformed,
    Referral,
    ReferralOutcome,
    Sanction,
    Support,
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


def case_get_for(user: User, reference: str, *, request: HttpRequest | None = None, audit: bool = True) -> Case:
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
        raise deny(request, object_type="cases.case", object_id=reference, school=school_id)
    if audit:
        audit_record(action=Action.VIEW, actor=user, request=request, obj=case, school=case.school_id)
    return case


def referral_due(referral: Referral, closures: list[Closure]) -> dt.date:
    """The day by which a referral's outcome is due: 10 school days after it was made."""
    return add_school_days(referral.referred_on, REFERRAL_OUTCOME_SCHOOL_DAYS, closures)


@dataclass
class Dashboard:
    to_triage: QuerySet[Concern]
    open_cases: QuerySet[Case]
    overdue_tasks: QuerySet[Task]
    overdue_referrals: list[Referral]
    repeat_flags: list[str]


def dashboard_for(user: User, *, filters: dict[str, str] | None = None) -> Dashboard:
    """New concerns (urgent first, then oldest), open cases with their next task, overdue
    tasks and referral outcomes, and repeat-involvement alerts for the user's schools."""
    filters = filters or {}
    school_ids = school_ids_for(user, Capability.READ_SCHOOL_RECORDS)
    today = timezone.localdate()
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
    return Dashboard(
        to_triage=to_triage,
        open_cases=open_cases,
        overdue_tasks=overdue_tasks,
        overdue_referrals=overdue_referrals,
        repeat_flags=repeat_involvement_flags(user, school_ids=school_ids),
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
    since = timezone.now() - REPEAT_WINDOW
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
            .filter(occurred_at__gte=timezone.now() - LOCATION_WINDOW)
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


# -- Chronology ----------------------------------------------------------------------------


@dataclass
class Entry:
    at: dt.datetime  # when it happened: chronologies sort by this (DESIGN §11)
    recorded_at: dt.datetime
    kind: str
    title: str
    text: str = ""
    by: str = ""
    link: str = ""
    case: str = ""
    all_day: bool = False  # known to the day only (a referral date), shown without a time
    # How the pages print it, in UK time: set once per entry by _displayed (formatting a date in
    # the template costs a time-zone conversion and a format parse every time).
    iso: str = ""  # <time datetime="...">
    when: str = ""  # "3 Nov 2026, 14:05", or "3 Nov 2026" for an all-day entry
    recorded_when: str = ""  # "(recorded ...)" when it was recorded in another minute than it happened


KINDS = {
    "concern": "Concern",
    "amendment": "Amendment",
    "event": "Case",
    "consideration": "Consideration",
    "decision": "Decision",
    "parents": "Parents or carers",
    "referral": "Referral",
    "outcome": "Referral outcome",
    "support": "Support",
    "sanction": "Sanction",
    "task": "Task",
    "plan": "Safety plan",
}

# The columns each source needs, read as dictionaries rather than model instances (a 300-entry
# chronology otherwise builds about a thousand instances to read a few fields of each).
_PUPIL = ("pupil_id", "pupil__preferred_forename", "pupil__legal_forename", "pupil__legal_surname")


def _choices(model: type[Any], field: str) -> dict[Any, str]:
    return {value: str(label) for value, label in model._meta.get_field(field).flatchoices}


def _pupil_name(r: dict[str, Any]) -> str:
    """Pupil.display_name (and str(pupil)) from the row's columns."""
    return f"{r['pupil__preferred_forename'] or r['pupil__legal_forename']} {r['pupil__legal_surname']}"


def _entries(concerns: QuerySet[Concern], case_refs: dict[int, str], pupil_id: int | None = None) -> list[Entry]:
    """Every entry of the chronology of ``concerns`` and of the cases ``case_refs`` names (id to
    reference), in the order things happened. A constant number of queries: one per source,
    plus the concerns' categories."""
    concern_url = reference_urls("concerns:detail")
    entries: list[Entry] = []
    concern_rows = list(
        concerns.values(
            "pk",
            "occurred_at",
            "recorded_at",
            "reference",
            "what_happened",
            "child_words",
            "recorded_by__full_name",
            "case__reference",
        )
    )
    concern_ids = [c["pk"] for c in concern_rows]  # an empty list runs no query
    categories: dict[int, list[str]] = {}
    # As prefetch_related("categories") gave them: in the taxonomy's order.
    order = [
        f"-category__{f[1:]}" if f.startswith("-") else f"category__{f}"
        for f in cast("list[str]", Category._meta.ordering)
    ]
    for concern_id, name in (
        Concern.categories.through.objects.filter(concern_id__in=concern_ids)
        .order_by(*order)
        .values_list("concern_id", "category__name")
    ):
        categories.setdefault(concern_id, []).append(name)
    for c in concern_rows:
        entries.append(
            Entry(
                c["occurred_at"],
                c["recorded_at"],
                "concern",
                f"Concern {c['reference']}: " + ", ".join(categories.get(c["pk"], ())),
                c["what_happened"] + (f"\n\nThe child's words: “{c['child_words']}”" if c["child_words"] else ""),
                c["recorded_by__full_name"],
                concern_url(c["reference"]),
                c["case__reference"] or "",
            )
        )
    references = {c["pk"]: c["reference"] for c in concern_rows}
    amendment_kind = _choices(Amendment, "kind")
    for a in Amendment.objects.filter(concern_id__in=concern_ids).values(
        "created_at", "kind", "text", "concern_id", "author__full_name"
    ):
        entries.append(
            Entry(
                a["created_at"],
                a["created_at"],
                "amendment",
                f"{amendment_kind.get(a['kind'], a['kind'])} to concern {references[a['concern_id']]}",
                a["text"],
                a["author__full_name"],
            )
        )

    event_kind = _choices(CaseEvent, "kind")
    item = _choices(ConsiderationAnswer, "item")
    answer = _choices(ConsiderationAnswer, "answer")
    route = _choices(Decision, "route")
    agency = _choices(Referral, "agency")

    def referral_name(organisation: str, agency_value: str) -> str:  # str(Referral)
        return f"Referral to {organisation or agency.get(agency_value, agency_value)}"

    case_ids = list(case_refs)
    related = {"case_id__in": case_ids}
    recorded = ("at", "by__full_name", "case_id")
    # (kind, rows, row -> (when it happened, title, text)); every row also gives when it was
    # recorded ("at", a task's "created_at"), by whom ("by", a task's "created_by") and its case.
    sources: list[tuple[str, QuerySet[Any], Any]] = [
        (
            "event",
            CaseEvent.objects.filter(**related).values(*recorded, "kind", "text", *_PUPIL),
            lambda r: (
                r["at"],
                event_kind.get(r["kind"], r["kind"]) + (f": {_pupil_name(r)}" if r["pupil_id"] else ""),
                r["text"],
            ),
        ),
        (
            "consideration",
            ConsiderationAnswer.objects.filter(**related).values(*recorded, "item", "answer", "notes"),
            lambda r: (
                r["at"],
                f"{item.get(r['item'], r['item'])}: {answer.get(r['answer'], r['answer'])}",
                r["notes"],
            ),
        ),
        (
            "decision",
            Decision.objects.filter(**related).values(
                *recorded, "withdrawn", "route", "rationale", "statutory_override"
            ),
            lambda r: (
                r["at"],
                ("Withdrawn: " if r["withdrawn"] else "Route: ") + route.get(r["route"], r["route"]),
                r["rationale"]
                + (
                    f"\n\nWhy the statutory starting point was not followed: {r['statutory_override']}"
                    if r["statutory_override"]
                    else ""
                ),
            ),
        ),
        (
            "parents",
            ParentsInformed.objects.filter(**related).values(
                *recorded, "informed", "informed_on", "rationale", *_PUPIL
            ),
            lambda r: (
                r["informed_on"] if r["informed_on"] else r["at"],
                f"Parents or carers of {_pupil_name(r)} " + ("informed" if r["informed"] else "not informed"),
                r["rationale"],
            ),
        ),
        (
            "referral",
            Referral.objects.filter(**related).values(
                *recorded, "referred_on", "organisation_name", "agency", "agency_reference", "notes"
            ),
            lambda r: (
                r["referred_on"],
                referral_name(r["organisation_name"], r["agency"])
                + (f" (reference {r['agency_reference']})" if r["agency_reference"] else ""),
                r["notes"],
            ),
        ),
        (
            "outcome",
            ReferralOutcome.objects.filter(referral__case_id__in=case_ids).values(
                "at",
                "by__full_name",
                "referral__case_id",
                "outcome_on",
                "outcome",
                "referral__organisation_name",
                "referral__agency",
            ),
            lambda r: (
                r["outcome_on"],
                f"Outcome of {referral_name(r['referral__organisation_name'], r['referral__agency'])}",
                r["outcome"],
            ),
        ),
        (
            "support",
            Support.objects.filter(**related).values(*recorded, "description", *_PUPIL),
            lambda r: (r["at"], f"Support for {_pupil_name(r)}", r["description"]),
        ),
        (
            "sanction",
            Sanction.objects.filter(**related).values(*recorded, "decided_on", "description", *_PUPIL),
            lambda r: (r["decided_on"], f"Sanction for {_pupil_name(r)}", r["description"]),
        ),
        (
            "task",
            Task.objects.filter(**related).values(
                "case_id",
                "created_at",
                "due_on",
                "title",
                "done_at",
                "assignee__full_name",
                "created_by__full_name",
            ),
            lambda r: (
                r["created_at"],
                f"Task for {r['assignee__full_name']}, due {r['due_on']:%d %b %Y}: {r['title']}",
                f"Done {timezone.localtime(r['done_at']):%d %b %Y %H:%M}" if r["done_at"] else "",
            ),
        ),
    ]
    for kind, qs, fields in sources:
        if pupil_id is not None and kind in ("parents", "support", "sanction"):
            qs = qs.filter(pupil_id=pupil_id)
        for row in qs:
            at, title, text = fields(row)
            # A record known only to the day (a referral date) sits at the start of that day.
            all_day = not isinstance(at, dt.datetime)
            if all_day:
                at = timezone.make_aware(dt.datetime.combine(at, dt.time(0, 0)))
            entries.append(
                Entry(
                    at,
                    row.get("at") or row.get("created_at", at),
                    kind,
                    title,
                    text,
                    row.get("by__full_name") or row.get("created_by__full_name") or "",
                    case=case_refs.get(row.get("case_id") or row.get("referral__case_id"), ""),
                    all_day=all_day,
                )
            )
    from haven.safety_plans.selectors import chronology_entries

    entries.extend(chronology_entries(case_ids, pupil_id))
    entries.sort(key=lambda e: (e.at, e.recorded_at))
    return entries


def _displayed(entries: list[Entry]) -> list[Entry]:
    """Set each entry's printed times, as the date filter would print them in UK time:
    "j M Y, H:i" ("j M Y" all day), ISO 8601 for <time>, and the recorded time when it is in
    another minute than the time it happened."""
    months = [""] + [MONTHS_3[m].title() for m in range(1, 13)]
    uk = timezone.get_current_timezone()  # timezone.localtime looks it up again for each call

    def day(d: dt.datetime) -> str:
        return f"{d.day} {months[d.month]} {d.year:04d}"

    for e in entries:
        at = e.at.astimezone(uk)
        e.iso = at.isoformat()
        if e.all_day:
            e.when = day(at)
            continue
        e.when = f"{day(at)}, {at.hour:02d}:{at.minute:02d}"
        recorded = e.recorded_at.astimezone(uk)
        if recorded.timetuple()[:5] != at.timetuple()[:5]:
            e.recorded_when = f"{day(recorded)}, {recorded.hour:02d}:{recorded.minute:02d}"
    return entries


def _filter_entries(entries: list[Entry], filters: dict[str, str]) -> list[Entry]:
    kinds = {k for k in filters.get("kinds", "").split(",") if k in KINDS}
    out = [e for e in entries if not kinds or e.kind in kinds]
    keeps: tuple[tuple[str, Callable[[Entry, dt.date], bool]], ...] = (
        ("from", lambda e, d: timezone.localtime(e.at).date() >= d),
        ("to", lambda e, d: timezone.localtime(e.at).date() <= d),
    )
    for key, keep in keeps:
        try:
            day = dt.date.fromisoformat(filters.get(key, ""))
        except ValueError:
            continue
        out = [e for e in out if keep(e, day)]
    return out


def case_chronology(case: Case, *, filters: dict[str, str] | None = None) -> list[Entry]:
    entries = _entries(Concern.objects.filter(case=case), {case.pk: case.reference})
    return _displayed(_filter_entries(entries, filters or {}))


def pupil_chronology_for(
    user: User, pupil_id: int, *, request: HttpRequest | None = None, filters: dict[str, str] | None = None
) -> tuple[Pupil, list[Entry]]:
    """One child's chronology across every concern and case that touches them, as far as the
    user may see (a restricted case the user is not named on is left out). Audited."""
    from haven.people.selectors import pupil_get_for

    pupil = pupil_get_for(user, pupil_id, request=request, audit=False)
    concerns = Concern.objects.filter(concern_visibility(user), children__pupil_id=pupil_id).distinct()
    # The cases the user may read, evaluated once rather than as a subquery in each source.
    case_refs = dict(
        Case.objects.filter(case_visibility(user), children__pupil_id=pupil_id)
        .order_by()
        .values_list("pk", "reference")
        .distinct()
    )
    audit_record(
        action=Action.VIEW, actor=user, request=request, obj=pupil, school=pupil.school_id, extra={"chronology": True}
    )
    entries = _entries(concerns, case_refs, pupil_id=pupil_id)
    return pupil, _displayed(_filter_entries(entries, filters or {}))
