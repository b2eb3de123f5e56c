"""Reads of safety plans for an acting user. Plans follow their case's access (DESIGN §8):
the school's safeguarding leads and head, named people on a restricted case, a trust lead
for a case shared with the trust. Each page's query count is constant in its data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from haven.access.policy import Capability, case_visibility, deny, schools_for
from haven.accounts.models import Membership
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases.models import (
    Agency,
    Case,
    CaseChild,
    Decision,
    ParentsInformed,
    Referral,
    ReferralOutcome,
    Route,
    Support,
)
from haven.concerns.models import ChildRole, Concern, ConcernChild, Location
from haven.core import clock
from haven.core.fields import model_field
from haven.people.models import Pupil

from . import rules
from .models import PlanEvent, PlanVersion, RiskLine, SafetyPlan

if TYPE_CHECKING:
    from haven.accounts.models import User

OPEN_STATUSES = (SafetyPlan.Status.DRAFT, SafetyPlan.Status.ACTIVE, SafetyPlan.Status.UNDER_REVIEW)
SIGNED_STATUSES = (SafetyPlan.Status.ACTIVE, SafetyPlan.Status.UNDER_REVIEW)


def plan_visibility(user: User) -> Q:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    return case_visibility(user, prefix="case__")


def _new_concern_since() -> QuerySet[ConcernChild]:
    return ConcernChild.objects.filter(
        pupil_id=OuterRef("pupil_id"), concern__recorded_at__gt=OuterRef("version_at")
    ).order_by("concern__recorded_at")


def plans_annotated(qs: QuerySet[SafetyPlan]) -> QuerySet[SafetyPlan]:
    """Plans with ``new_concern``: the reference of the first concern about the child since
    the current version, which makes a review due (DESIGN §5)."""
    return qs.select_related("pupil", "case", "school").annotate(
        new_concern=Subquery(_new_concern_since().values("concern__reference")[:1])
    )


def plan_list_for(user: User, *, filters: dict[str, str] | None = None) -> QuerySet[SafetyPlan]:
    filters = filters or {}
    qs = SafetyPlan.objects.filter(plan_visibility(user))
    if filters.get("status") in SafetyPlan.Status.values:
        qs = qs.filter(status=filters["status"])
    elif filters.get("status") != "all":
        qs = qs.filter(status__in=OPEN_STATUSES)
    if filters.get("due") == "yes":
        qs = qs.filter(status__in=SIGNED_STATUSES).filter(
            Q(review_date__lte=clock.localdate()) | Exists(_new_concern_since())
        )
    if filters.get("band") in ("LOW", "MEDIUM", "HIGH"):
        low, high = next((lo, hi) for lo, hi, b in rules.BANDS if b == filters["band"])
        qs = qs.filter(highest_risk__range=(low, high))
    if filters.get("child"):
        words = filters["child"].split()[:3]
        for w in words:
            qs = qs.filter(
                Q(pupil__legal_forename__icontains=w)
                | Q(pupil__preferred_forename__icontains=w)
                | Q(pupil__legal_surname__icontains=w)
            )
    return plans_annotated(qs).order_by("review_date", "pk")


def reviews_due_for(user: User, *, today: dt.date | None = None) -> list[SafetyPlan]:
    """Signed-off plans whose review is due: the review date has come, or a new concern
    about the child was recorded since the current version. For the DSL dashboard."""
    today = today or clock.localdate()
    schools = schools_for(user, Capability.READ_SCHOOL_RECORDS).values("pk")
    qs = (
        SafetyPlan.objects.filter(plan_visibility(user), school__in=schools, status__in=SIGNED_STATUSES)
        .filter(Q(review_date__lte=today) | Exists(_new_concern_since()))
        .order_by("review_date", "pk")
    )
    return list(plans_annotated(qs)[:100])


def plan_get_for(user: User, plan_id: int, *, ctx: AuditContext = COMMAND, audit: bool = True) -> SafetyPlan:
    plan = plans_annotated(SafetyPlan.objects.filter(plan_visibility(user), pk=plan_id)).first()
    if plan is None:
        school_id = SafetyPlan.objects.filter(pk=plan_id).values_list("school_id", flat=True).first()
        raise deny(ctx, actor=user, object_type="safety_plans.safetyplan", object_id=plan_id, school=school_id)
    if audit:
        audit_record(Event.PLAN_VIEWED, ctx=ctx, actor=user, obj=plan, school=plan.school_id)
    return plan


def current_version_get(plan: SafetyPlan) -> PlanVersion:
    """The plan's current version: a plan is made with its first."""
    version = version_get(plan)
    assert version is not None
    return version


def version_get(plan: SafetyPlan, number: int | None = None) -> PlanVersion | None:
    return (
        PlanVersion.objects.filter(plan=plan, number=number or plan.current_version)
        .select_related("by")
        .prefetch_related(Prefetch("risk_lines", queryset=RiskLine.objects.order_by("position")))
        .first()
    )


def versions_of(plan: SafetyPlan) -> list[PlanVersion]:
    return list(PlanVersion.objects.filter(plan=plan).select_related("by").order_by("-number"))


def events_of(plan: SafetyPlan) -> list[PlanEvent]:
    return list(PlanEvent.objects.filter(plan=plan).select_related("by").order_by("at", "pk"))


def case_plans(case: Case) -> list[SafetyPlan]:
    return list(plans_annotated(SafetyPlan.objects.filter(case=case)).order_by("pupil__legal_surname", "-created_at"))


def review_due(plan: SafetyPlan, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Why a signed-off plan's review is due, as (key, words): its review date has come, or a
    new concern about the child was recorded since its current version (``plans_annotated``).
    The key names the reason once, so a reminder about it is sent once."""
    today = today or clock.localdate()
    if plan.status not in SIGNED_STATUSES:
        return []
    reasons = []
    if plan.review_date <= today:
        words = (
            "the review is due today"
            if plan.review_date == today
            else f"the review date, {plan.review_date:%-d %b %Y}, has passed"
        )
        reasons.append((f"review-date:{plan.review_date.isoformat()}", words))
    new_concern = getattr(plan, "new_concern", None)  # plans_annotated
    if new_concern:
        reasons.append(
            (
                f"concern:{new_concern}",
                f"a new concern ({new_concern}) was recorded about {plan.pupil.forename}",
            )
        )
    return reasons


def due_reasons(plan: SafetyPlan, today: dt.date | None = None) -> list[str]:
    return [words for _, words in review_due(plan, today)]


# --- What the case already knows, to start a plan -------------------------------------------


def _role_at(user: User, school_id: int) -> str:
    m = Membership.objects.filter(user=user, school_id=school_id, ended_at__isnull=True).first()
    return m.get_role_display() if m else "staff"


BY_AGENCY: dict[str, rules.PlanAction] = {
    Agency.POLICE: rules.PlanAction.POLICE,
    Agency.SOCIAL_CARE: rules.PlanAction.MASH,
    Agency.CAMHS: rules.PlanAction.CAMHS,
    Agency.EARLY_HELP: rules.PlanAction.EARLY_HELP,
    Agency.EXTERNAL: rules.PlanAction.EXTERNAL,
    Agency.INTERNAL: rules.PlanAction.INTERNAL,
    Agency.YOUTH_OFFENDING: rules.PlanAction.OTHER,
}


def case_actions(case: Case, pupil: Pupil) -> dict[str, list[dict[str, Any]]]:
    """Annex A's "Action taken by school" as the case already records it for this child:
    whether parents were informed (each record, with its date or why not) and each referral
    (to whom, when, the agency's reference, notes and outcomes). A plan shows these, read-only,
    instead of asking for them again; a version keeps them as they stood when it was saved.

    ``{action: [{"taken", "on", "notes", "source"}]}``, oldest first. Three queries."""
    now = clock.now()
    today = timezone.localdate(now)
    out: dict[str, list[dict[str, Any]]] = {}
    for p in ParentsInformed.objects.filter(case=case, pupil=pupil, at__lte=now).order_by("at", "pk"):
        out.setdefault(rules.PlanAction.PARENTS.value, []).append(
            {
                "taken": p.informed,
                "on": p.informed_on.isoformat() if p.informed_on else timezone.localdate(p.at).isoformat(),
                "notes": "" if p.informed else f"Not informed: {p.rationale}",
                "source": f"parents_informed:{p.pk}",
            }
        )
    referrals = (
        Referral.objects.filter(case=case, at__lte=now, referred_on__lte=today)
        .filter(Q(pupil=pupil) | Q(pupil__isnull=True))
        .prefetch_related(Prefetch("outcomes", queryset=ReferralOutcome.objects.filter(at__lte=now).order_by("at")))
        .order_by("referred_on", "pk")
    )
    for r in referrals:
        notes = [r.organisation_name or r.get_agency_display()]
        if r.agency_reference:
            notes.append(f"reference {r.agency_reference}")
        text = ", ".join(notes) + "."
        if r.notes:
            text += f" {r.notes}"
        for o in r.outcomes.all():
            text += f" Outcome, {o.outcome_on:%-d %b %Y}: {o.outcome}"
        out.setdefault(BY_AGENCY[r.agency].value, []).append(
            {"taken": True, "on": r.referred_on.isoformat(), "notes": text.strip(), "source": f"referral:{r.pk}"}
        )
    return out


def actions_with_case_records(
    actions: dict[str, dict[str, Any]], records: dict[str, list[dict[str, Any]]]
) -> dict[str, dict[str, Any]]:
    """The actions table with the case's records in the rows they answer: such a row's yes or
    no and date come from the case (its latest record, its first date), never from typing."""
    out = {}
    for action, row in actions.items():
        row = {k: v for k, v in row.items() if k != "from_case"}
        found = records.get(action)
        if found:
            row["taken"] = found[-1]["taken"]
            row["on"] = min(r["on"] for r in found)
            row["from_case"] = found
        out[action] = row
    return out


def plan_prefill(case: Case, pupil: Pupil, by: User) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Annex A as far as the case can fill it in: referrer, schools, where, the incident and
    who was involved, and the actions the case suggests (support given, routes decided) for
    the DSL to check and edit. Parents informed and referrals are not typed into the plan:
    they come from the case itself (``case_actions``)."""
    concerns = list(
        Concern.objects.filter(case=case)
        .select_related("recorded_by")
        .prefetch_related("categories")
        .order_by("occurred_at")
    )
    first = concerns[0] if concerns else None
    referrer = first.recorded_by if first else by
    links = list(CaseChild.objects.filter(case=case).select_related("pupil__school"))
    harmers = {lnk.pupil.school.name for lnk in links if lnk.role == ChildRole.ALLEGED_HARMER}
    affected = {lnk.pupil.school.name for lnk in links if lnk.role == ChildRole.AFFECTED} or {case.school.name}
    on_site = {Location.ONLINE, Location.COMMUNITY, Location.JOURNEY, Location.TRIP, Location.TRANSPORT}
    where = ""
    on_premises = None
    if first:
        on_premises = first.location not in on_site
        if not on_premises:
            where = first.get_location_display() + (f": {first.location_detail}" if first.location_detail else "")

    actions: dict[str, dict[str, Any]] = {a.value: {"taken": None, "on": None, "notes": ""} for a in rules.PlanAction}

    def mark(action: rules.PlanAction, on: dt.date | None, note: str) -> None:
        row = actions[action.value]
        row["taken"] = True
        if on and (row["on"] is None or on.isoformat() < row["on"]):
            row["on"] = on.isoformat()
        row["notes"] = "; ".join(filter(None, [row["notes"], note]))[:500]

    now = clock.now()
    for s in Support.objects.filter(case=case, pupil=pupil, at__lte=now):
        mark(rules.PlanAction.INTERNAL, timezone.localdate(s.at), s.description[:120])
    by_route: dict[str, rules.PlanAction] = {
        Route.POLICE: rules.PlanAction.POLICE,
        Route.EARLY_HELP: rules.PlanAction.EARLY_HELP,
    }
    for d in Decision.objects.filter(case=case, withdrawn=False, route__in=list(by_route), at__lte=now):
        if not actions[by_route[d.route].value]["taken"]:
            mark(by_route[d.route], None, f"Decided: {d.get_route_display().lower()}")
    records = case_actions(case, pupil)
    actions = actions_with_case_records(actions, records)

    considerations: dict[str, dict[str, str]] = {
        key: ({"text": ""} if key in rules.OPEN_QUESTIONS else {"answer": "", "notes": ""})
        for key in rules.CONSIDERATIONS
    }
    if first:
        considerations["incident"]["text"] = ", ".join(c.name for c in first.categories.all()) + f": {case.title}"
        considerations["where"]["text"] = first.get_location_display() + (
            f" ({first.location_detail})" if first.location_detail else ""
        )
    considerations["who"]["text"] = "; ".join(
        f"{lnk.pupil.display_name} ({lnk.get_role_display().lower()}, Year {lnk.pupil.year_group})" for lnk in links
    )
    police = records.get(rules.PlanAction.POLICE.value)
    if police:
        considerations["referred_police"] = {"answer": "yes", "notes": f"Referred on {_date_text(police[0]['on'])}."}

    today = clock.localdate()
    content = {
        "referrer_name_role": f"{referrer.full_name}, {_role_at(referrer, case.school_id)}",
        "referrer_contact": referrer.email,
        "schools_affected": ", ".join(sorted(affected)),
        "schools_harmed": ", ".join(sorted(harmers)),
        "on_premises": on_premises,
        "where_otherwise": where,
        "review_date": today + dt.timedelta(days=28),
        "actions": actions,
        "considerations": considerations,
        "at_risk": ["young_person"] + (["children"] if len(links) > 1 else []),
        "worried_about": "",
    }
    return content, []


# --- Reading a version, and two side by side --------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    value: str
    left: str = ""
    changed: bool = False


@dataclass
class Section:
    title: str
    rows: list[Row] = field(default_factory=list)


def _yes_no(value: Any) -> str:
    return {True: "Yes", False: "No"}.get(value, "Not answered")


def _date_text(value: Any) -> str:
    if not value:
        return ""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
    return f"{day:%-d %b %Y}"


@dataclass
class ActionLine:
    """One line of Annex A's "Action taken by school" table, in words."""

    taken: str
    on: str
    notes: str
    from_case: bool = False


def action_rows(v: PlanVersion) -> list[tuple[rules.PlanAction, list[ActionLine]]]:
    """Each action with its lines: the case's records it carried, or what was typed."""
    out = []
    for a in rules.PlanAction:
        row = v.actions.get(a.value) or {}
        lines = [
            ActionLine(_yes_no(r.get("taken")), _date_text(r.get("on")), str(r.get("notes") or ""), from_case=True)
            for r in row.get("from_case") or []
        ]
        if not lines:
            lines.append(ActionLine(_yes_no(row.get("taken")), _date_text(row.get("on")), str(row.get("notes") or "")))
        elif row.get("notes"):  # typed beside the case's records (through the API)
            lines.append(ActionLine("", "", str(row["notes"])))
        out.append((a, lines))
    return out


def consideration_rows(v: PlanVersion) -> list[tuple[str, str, str, str]]:
    """(key, question, answer, notes) for each consideration, as the version asked it."""
    legacy = "referred_police" not in (v.considerations or {})
    rows = []
    for key, question in rules.CONSIDERATIONS.items():
        if legacy and key == "referred_police":
            continue
        if legacy and key == "crime":
            question = rules.LEGACY_CRIME_QUESTION
        answer, notes = rules.consideration_read(key, (v.considerations or {}).get(key))
        rows.append((key, question, answer, notes))
    return rows


def consideration_groups(v: PlanVersion) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The considerations in Annex A's order, grouped as the form asks them."""
    rows = {row[0]: row for row in consideration_rows(v)}
    return [(title, [rows[k] for k in keys if k in rows]) for title, keys in rules.CONSIDERATION_GROUPS]


def version_sections(v: PlanVersion) -> list[Section]:
    """A version as labelled rows, section by section in Annex A's order."""

    def f(name: str) -> Row:
        return Row(name, str(model_field(PlanVersion, name).verbose_name), str(getattr(v, name) or ""))

    basic = Section(
        "Basic information",
        [
            f("referrer_name_role"),
            f("referrer_contact"),
            f("schools_affected"),
            f("schools_harmed"),
            Row("on_premises", "Did the incident happen on school premises?", _yes_no(v.on_premises)),
            f("where_otherwise"),
            Row("review_date", "Date for the review", _date_text(v.review_date)),
        ],
    )
    actions = Section("Action taken by school")
    for a, rows in action_rows(v):
        text = "; ".join(
            ". ".join(filter(None, [", ".join(filter(None, [r.taken, r.on])), r.notes]))
            + (" (from the case)" if r.from_case else "")
            for r in rows
        )
        actions.rows.append(Row(f"action_{a}", rules.ACTION_LABELS[a], text))
    considerations = Section("What we considered")
    for key, question, answer, notes in consideration_rows(v):
        considerations.rows.append(Row(f"consider_{key}", question, ". ".join(filter(None, [answer, notes]))))
    at_risk = [rules.AT_RISK[k] for k in v.at_risk if k in rules.AT_RISK]
    needs = Section(
        "Needs, supportive factors and actions",
        [
            Row(
                "at_risk",
                "Who may be at risk?",
                ", ".join(at_risk) + (f" ({v.at_risk_others})" if v.at_risk_others else ""),
            ),
            f("support_from"),
            f("needs_actions"),
            f("risky_places"),
            f("safe_places"),
            f("places_actions"),
        ],
    )
    controls = Section(
        "Practical controls",
        [
            Row(
                "controls", "Controls in place", ", ".join(rules.CONTROLS[k] for k in v.controls if k in rules.CONTROLS)
            ),
            f("trusted_adult"),
            f("staff_informed"),
            f("controls_notes"),
        ],
    )
    risks = Section("Risk assessment")
    for line in v.risk_lines.all():
        risks.rows.append(
            Row(
                f"risk_{line.position}",
                f"Risk {line.position}: {line.hazard}",
                f"A {line.hazard_rating} ({rules.HAZARD[line.hazard_rating].lower()}) x "
                f"B {line.likelihood} ({rules.LIKELIHOOD[line.likelihood].lower()}) = C {line.risk}, {line.band}. "
                f"Measures of control: {line.measures or 'none recorded'}. "
                f"Contingency plan: {line.contingency or 'none recorded'}.",
            )
        )
    views = Section(
        "Views",
        [Row(k, f"The young person: {q}", getattr(v, k)) for k, q in rules.VIEW_QUESTIONS_CHILD]
        + [Row(k, f"Parents or carers: {q}", getattr(v, k)) for k, q in rules.VIEW_QUESTIONS_PARENTS],
    )
    child = Section("The child's own plan", [Row(k, q, getattr(v, k)) for k, q in rules.CHILD_PAGE])
    return [basic, actions, considerations, needs, controls, risks, views, child]


def versions_compared(old: PlanVersion, new: PlanVersion) -> tuple[list[Section], int]:
    """Two versions side by side: every row with the old and new text, changes marked."""
    before = {row.key: row for s in version_sections(old) for row in s.rows}
    sections = version_sections(new)
    changes = 0
    for s in sections:
        for row in s.rows:
            row.left = before.pop(row.key).value if row.key in before else ""
            row.changed = row.left != row.value
            changes += row.changed
    # Rows only in the older version (a risk line since removed).
    gone = [Row(k, r.label, "", left=r.value, changed=True) for k, r in before.items()]
    if gone:
        risk = next(s for s in sections if s.title == "Risk assessment")
        risk.rows.extend(gone)
        changes += len(gone)
    return sections, changes
