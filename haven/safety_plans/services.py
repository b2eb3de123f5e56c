"""Every write about safety plans: transactional, audited, append-only content.

A plan's content is written only as a new :class:`PlanVersion` with its risk lines; the
plan row moves its status and points at the newest version. A save based on an older
version than the newest is refused (DESIGN §11), so two people never silently overwrite
each other.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from haven.access.policy import Capability, can
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases.models import Case, CaseChild
from haven.concerns.services import text_checked
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.core.fields import model_field
from haven.people.models import Pupil

from . import rules, selectors
from .models import REVIEW_REASONS, PlanEvent, PlanVersion, ReviewReason, RiskLine, SafetyPlan

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.organisations.models import School

# Annex A's one-line answers, with the lengths the model allows.
SHORT_FIELDS = {
    f.name: f.max_length
    for f in PlanVersion._meta.concrete_fields
    if isinstance(f, models.CharField) and not f.choices and f.max_length is not None
}
LONG_FIELDS = (
    "support_from",
    "needs_actions",
    "risky_places",
    "safe_places",
    "places_actions",
    "controls_notes",
    *(key for key, _ in rules.VIEW_QUESTIONS_CHILD),
    *(key for key, _ in rules.VIEW_QUESTIONS_PARENTS),
    *(key for key, _ in rules.CHILD_PAGE),
)
MAX_RISK_LINES = 30


def _require_dsl(by: User, school: School) -> None:
    if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=school):
        raise ApplicationError("Only the school's safeguarding leads can do this.", code="forbidden")


def _label(field: str) -> str:
    return str(model_field(PlanVersion, field).verbose_name).lower()


def _date(value: Any, *, field: str, label: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ApplicationError(f"Enter {label} as a date, like 2026-11-23.", field=field) from None


def content_checked(content: dict[str, Any], *, today: dt.date) -> dict[str, Any]:
    """Annex A's fields from a form or the API, trimmed and checked; refusals name the field."""
    out: dict[str, Any] = {}
    for field, limit in SHORT_FIELDS.items():
        value = (content.get(field) or "").strip()
        if len(value) > limit:
            raise ApplicationError(
                f"{_label(field).capitalize()} is too long: the most is {limit} characters.", field=field
            )
        out[field] = value
    for field in LONG_FIELDS:
        out[field] = text_checked(content.get(field, ""), field=field, label=_label(field))
    if not out["referrer_name_role"]:
        raise ApplicationError("Enter the referrer's name and role.", field="referrer_name_role")
    if not out["schools_affected"]:
        raise ApplicationError("Name the school of the child or children affected.", field="schools_affected")
    on_premises = content.get("on_premises")
    if on_premises not in (True, False, None):
        raise ApplicationError("Say whether the incident happened on school premises.", field="on_premises")
    out["on_premises"] = on_premises
    review_date = _date(content.get("review_date"), field="review_date", label="the review date")
    if review_date is None:
        raise ApplicationError("Set a date to review this plan: every plan has one.", field="review_date")
    if review_date < today:
        raise ApplicationError("The review date must be today or later.", field="review_date")
    if review_date > today + dt.timedelta(days=366):
        raise ApplicationError("Review the plan within a year: choose an earlier review date.", field="review_date")
    out["review_date"] = review_date

    actions = content.get("actions") or {}
    unknown = set(actions) - {a.value for a in rules.PlanAction}
    if unknown:
        raise ApplicationError(f"Unknown action: {', '.join(sorted(unknown))}.", field="actions")
    out["actions"] = {}
    for action in rules.PlanAction:
        row = actions.get(action.value) or {}
        if not isinstance(row, dict):
            raise ApplicationError(
                f"{rules.ACTION_LABELS[action]}: give the answer as an object with taken, on and notes.",
                field=f"action_{action}_taken",
            )
        taken = row.get("taken")
        if taken not in (True, False, None):
            raise ApplicationError(f"{rules.ACTION_LABELS[action]}: answer yes or no.", field=f"action_{action}_taken")
        on = _date(row.get("on"), field=f"action_{action}_on", label=f"the date for {rules.ACTION_LABELS[action]}")
        if on and on > today:
            raise ApplicationError(
                f"{rules.ACTION_LABELS[action]}: the date cannot be in the future.", field=f"action_{action}_on"
            )
        notes = text_checked(row.get("notes", ""), field=f"action_{action}_notes", label="the notes")
        out["actions"][action.value] = {"taken": taken, "on": on.isoformat() if on else None, "notes": notes}

    considerations = content.get("considerations") or {}
    unknown = set(considerations) - set(rules.CONSIDERATIONS)
    if unknown:
        raise ApplicationError(f"Unknown question: {', '.join(sorted(unknown))}.", field="considerations")
    out["considerations"] = {}
    for key, question in rules.CONSIDERATIONS.items():
        row = considerations.get(key) or {}
        if not isinstance(row, dict):
            raise ApplicationError(f'"{question}": send its answer as an object.', field=f"consider_{key}")
        if any(not isinstance(v, str | None) for v in row.values()):
            raise ApplicationError(f'"{question}": its answer and notes are text.', field=f"consider_{key}")
        if key in rules.OPEN_QUESTIONS:
            # Asked in words (Annex A: "What is the incident?"): a text, not yes or no.
            if set(row) - {"text"}:
                raise ApplicationError(f'"{question}" is answered in words, as text.', field=f"consider_{key}")
            text = text_checked(row.get("text", ""), field=f"consider_{key}", label="the answer")
            out["considerations"][key] = {"text": text}
            continue
        answer = row.get("answer") or ""
        if set(row) - {"answer", "notes"} or (answer and answer not in rules.YES_NO_ANSWERS):
            raise ApplicationError("Answer yes, no or not yet known.", field=f"consider_{key}_answer")
        notes = text_checked(row.get("notes", ""), field=f"consider_{key}_notes", label="the notes")
        out["considerations"][key] = {"answer": answer, "notes": notes}

    for field, allowed in (("at_risk", rules.AT_RISK), ("controls", rules.CONTROLS)):
        values = list(dict.fromkeys(content.get(field) or []))
        bad = [v for v in values if v not in allowed]
        if bad:
            raise ApplicationError(f"Unknown choice: {', '.join(map(str, bad))}.", field=field)
        out[field] = [v for v in allowed if v in values]
    if "others" in out["at_risk"] and not out["at_risk_others"]:
        raise ApplicationError("Say who the others at risk are.", field="at_risk_others")
    if "trusted_adult" in out["controls"] and not out["trusted_adult"]:
        raise ApplicationError("Name the trusted adult.", field="trusted_adult")
    if "staff_informed" in out["controls"] and not out["staff_informed"]:
        raise ApplicationError("Name the staff who have been told.", field="staff_informed")
    return out


def risk_lines_checked(lines: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Risk lines from a form or the API: a hazard and ratings only from Annex A's key."""
    if len(lines) > MAX_RISK_LINES:
        raise ApplicationError(f"A plan holds at most {MAX_RISK_LINES} risk lines.", field="risk_lines")
    out = []
    for n, line in enumerate(lines, start=1):
        field = f"risk_lines[{n}]"
        hazard = text_checked(line.get("hazard", ""), field=field, label=f"the risk on line {n}", required=True)
        try:
            a = rules.hazard_check(_int_or_none(line.get("hazard_rating")))
            b = rules.likelihood_check(_int_or_none(line.get("likelihood")))
        except ValidationError as e:
            raise ApplicationError(f"Risk line {n}: {e.messages[0]}", field=field) from None
        out.append(
            {
                "hazard": hazard,
                "hazard_rating": a,
                "likelihood": b,
                "measures": text_checked(line.get("measures", ""), field=field, label="the measures of control"),
                "contingency": text_checked(line.get("contingency", ""), field=field, label="the contingency plan"),
            }
        )
    return out


def _with_case_records(checked: dict[str, Any], *, case: Case, pupil: Pupil) -> dict[str, Any]:
    """The actions table with what the case records (parents informed, referrals) in its rows,
    as they stand now: the version keeps them, so a later print shows what the plan said."""
    checked["actions"] = selectors.actions_with_case_records(checked["actions"], selectors.case_actions(case, pupil))
    return checked


def _int_or_none(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # refused by the checks: True is not a rating
    try:
        return int(value)
    except (TypeError, ValueError):
        return value


def _version_write(
    *,
    by: User,
    plan: SafetyPlan,
    number: int,
    content: dict[str, Any],
    lines: list[dict[str, Any]],
    reason: str,
    reason_notes: str,
) -> PlanVersion:
    version = PlanVersion.objects.create(
        plan=plan, school_id=plan.school_id, number=number, reason=reason, reason_notes=reason_notes, by=by, **content
    )
    rows = [
        RiskLine(version=version, position=i, risk=rules.risk_rating(line["hazard_rating"], line["likelihood"]), **line)
        for i, line in enumerate(lines, start=1)
    ]
    RiskLine.objects.bulk_create(rows)
    plan.current_version = number
    plan.version_at = version.at
    plan.review_date = content["review_date"]
    plan.highest_risk = max((row.risk for row in rows), default=None)
    return version


def _audit(
    event: Event,
    *,
    by: User,
    plan: SafetyPlan,
    ctx: AuditContext,
    changes: dict[str, tuple[Any, Any]],
    **extra: Any,
) -> None:
    """The plan's audit event: what changed (status, version, dates; never the plan's words)."""
    audit_record(
        event,
        ctx=ctx,
        actor=by,
        obj=plan,
        school=plan.school_id,
        changes={field: values for field, values in changes.items() if values[0] != values[1]},
        extra={"case": plan.case_id, "pupil": plan.pupil_id, **extra},
    )


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


@transaction.atomic
def plan_create(
    *,
    by: User,
    case: Case,
    pupil: Pupil,
    content: dict[str, Any],
    risk_lines: Sequence[dict[str, Any]] = (),
    ctx: AuditContext = COMMAND,
) -> SafetyPlan:
    """Write a plan, as a draft, for one child of a case."""
    _require_dsl(by, case.school)
    if case.status != Case.Status.OPEN:
        raise ApplicationError("This case is closed: reopen it before writing a new safety plan.")
    link = CaseChild.objects.filter(case=case, pupil=pupil).first()
    if link is None:
        raise ApplicationError("A safety plan is written for a child in the case.", field="pupil")
    if SafetyPlan.objects.filter(case=case, pupil=pupil).exclude(status=SafetyPlan.Status.CLOSED).exists():
        raise ApplicationError(f"{pupil.display_name} already has an open safety plan in this case: review that one.")
    checked = _with_case_records(content_checked(content, today=clock.localdate()), case=case, pupil=pupil)
    lines = risk_lines_checked(risk_lines)
    plan = SafetyPlan(
        school_id=case.school_id,
        case=case,
        pupil=pupil,
        role=link.role,
        created_by=by,
        review_date=checked["review_date"],
    )
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ApplicationError(
            f"{pupil.display_name} already has an open safety plan in this case: review that one."
        ) from None
    _version_write(by=by, plan=plan, number=1, content=checked, lines=lines, reason=ReviewReason.FIRST, reason_notes="")
    plan.save()
    PlanEvent.objects.create(plan=plan, school_id=plan.school_id, by=by, kind=PlanEvent.Kind.CREATED, version=1)
    _audit(
        Event.PLAN_CREATED,
        by=by,
        plan=plan,
        ctx=ctx,
        changes={
            "status": (None, plan.status),
            "version": (None, 1),
            "review_date": (None, _iso(plan.review_date)),
            "highest_risk": (None, plan.highest_risk),
        },
        version=1,
    )
    return plan


def _locked(plan: SafetyPlan) -> SafetyPlan:
    return SafetyPlan.objects.select_for_update().get(pk=plan.pk)


def _locked_at(plan: SafetyPlan, based_on: int | None) -> SafetyPlan:
    """The plan, locked, if it is still at the version the page was made from (DESIGN §11).
    A save that does not say which version it was made from (``based_on``) is refused too:
    otherwise a hand-made or integration write would overwrite blind."""
    if based_on is None:
        raise ApplicationError(
            "This save did not say which version of the plan it was made from, so Haven "
            "cannot tell whether someone else changed the plan meanwhile. Your changes were not saved: open the "
            "plan again and make them again.",
            field="based_on",
            code="version_required",
        )
    current = _locked(plan)
    if current.current_version != based_on:
        raise ApplicationError(
            f"Someone saved a newer version of this plan (version {current.current_version}) while you were "
            "working on it. Your changes were not saved: open the plan again, check what changed, and make them "
            "again.",
            field="based_on",
            code="stale",
        )
    return current


@transaction.atomic
def plan_version_add(
    *,
    by: User,
    plan: SafetyPlan,
    content: dict[str, Any],
    risk_lines: Sequence[dict[str, Any]],
    based_on: int | None,
    reason: str = "",
    reason_notes: str = "",
    sign_off: bool = False,
    ctx: AuditContext = COMMAND,
) -> PlanVersion:
    """Save a new version: a changed draft, or a review of a signed-off plan (with its reason).

    A review leaves the plan under review until a safeguarding lead signs the new version off,
    here (``sign_off``) or later."""
    _require_dsl(by, plan.school)
    plan = _locked_at(plan, based_on)
    if plan.status == SafetyPlan.Status.CLOSED:
        raise ApplicationError("This plan is closed. Write a new plan from the case if one is needed.")
    reason_notes = text_checked(reason_notes, field="reason_notes", label="the reason for the review")
    if plan.status == SafetyPlan.Status.DRAFT:
        reason = ReviewReason.DRAFT
    elif reason not in dict(REVIEW_REASONS):
        raise ApplicationError("Choose why the plan is being reviewed.", field="reason")
    elif reason == ReviewReason.OTHER and not reason_notes:
        raise ApplicationError("Say why the plan is being reviewed.", field="reason_notes")
    checked = _with_case_records(content_checked(content, today=clock.localdate()), case=plan.case, pupil=plan.pupil)
    lines = risk_lines_checked(risk_lines)
    before = (plan.status, plan.current_version, _iso(plan.review_date), plan.highest_risk)
    version = _version_write(
        by=by,
        plan=plan,
        number=plan.current_version + 1,
        content=checked,
        lines=lines,
        reason=reason,
        reason_notes=reason_notes,
    )
    if plan.status == SafetyPlan.Status.ACTIVE:
        plan.status = SafetyPlan.Status.UNDER_REVIEW
    plan.save()
    PlanEvent.objects.create(
        plan=plan,
        school_id=plan.school_id,
        by=by,
        kind=PlanEvent.Kind.VERSION,
        version=version.number,
        text=f"{version.get_reason_display()}{': ' + reason_notes if reason_notes else ''}",
    )
    after = (plan.status, plan.current_version, _iso(plan.review_date), plan.highest_risk)
    _audit(
        Event.PLAN_REVISED,
        by=by,
        plan=plan,
        ctx=ctx,
        changes=dict(
            zip(("status", "version", "review_date", "highest_risk"), zip(before, after, strict=True), strict=True)
        ),
        version=version.number,
        reason=reason,
    )
    if sign_off:
        plan_sign_off(by=by, plan=plan, based_on=version.number, ctx=ctx)
    return version


def _sign_off_checked(plan: SafetyPlan) -> None:
    version = plan.versions.get(number=plan.current_version)
    if not version.risk_lines.exists():
        raise ApplicationError("Add at least one risk line before signing the plan off.", field="risk_lines")
    if plan.review_date < clock.localdate():
        raise ApplicationError("The review date has passed: review the plan and set a new date first.")


@transaction.atomic
def plan_sign_off(*, by: User, plan: SafetyPlan, based_on: int | None, ctx: AuditContext = COMMAND) -> SafetyPlan:
    """A safeguarding lead signs off the current version: the plan is active."""
    _require_dsl(by, plan.school)
    plan = _locked_at(plan, based_on)
    if plan.status not in (SafetyPlan.Status.DRAFT, SafetyPlan.Status.UNDER_REVIEW):
        raise ApplicationError("Only a draft or a plan under review is signed off.")
    _sign_off_checked(plan)
    before = (plan.status, plan.signed_off_version)
    plan.status = SafetyPlan.Status.ACTIVE
    plan.signed_off_by = by
    plan.signed_off_at = clock.now()
    plan.signed_off_version = plan.current_version
    plan.save()
    PlanEvent.objects.create(
        plan=plan, school_id=plan.school_id, by=by, kind=PlanEvent.Kind.SIGNED_OFF, version=plan.current_version
    )
    _audit(
        Event.PLAN_SIGNED_OFF,
        by=by,
        plan=plan,
        ctx=ctx,
        changes={
            "status": (before[0], plan.status),
            "signed_off_version": (before[1], plan.signed_off_version),
        },
        signed_off=plan.current_version,
    )
    return plan


@transaction.atomic
def plan_close(*, by: User, plan: SafetyPlan, reason: str, ctx: AuditContext = COMMAND) -> SafetyPlan:
    _require_dsl(by, plan.school)
    reason = text_checked(reason, field="reason", label="why the plan is closing", required=True)
    plan = _locked(plan)
    if plan.status == SafetyPlan.Status.CLOSED:
        raise ApplicationError("This plan is already closed.")
    before = plan.status
    plan.status = SafetyPlan.Status.CLOSED
    plan.save()
    PlanEvent.objects.create(
        plan=plan,
        school_id=plan.school_id,
        by=by,
        kind=PlanEvent.Kind.CLOSED,
        version=plan.current_version,
        text=reason,
    )
    _audit(Event.PLAN_CLOSED, by=by, plan=plan, ctx=ctx, changes={"status": (before, plan.status)}, closed=True)
    return plan


@transaction.atomic
def plan_review_prompt(*, by: User, plan: SafetyPlan, reason: str, ctx: AuditContext = COMMAND) -> bool:
    """Something outside the plan changed what keeps the child safe (a bail condition set,
    varied or ended: policy §12): bring a signed-off plan's review forward to today, so it is
    due now on the dashboard and in the reminders. ``reason`` says what changed, in the audit
    log (a short fixed phrase, never the case's words). A draft is not yet in force, and a plan
    already due is left as it is. Returns whether the review date moved."""
    _require_dsl(by, plan.school)
    plan = _locked(plan)
    today = clock.localdate()
    if plan.status not in (SafetyPlan.Status.ACTIVE, SafetyPlan.Status.UNDER_REVIEW) or plan.review_date <= today:
        return False
    before = plan.review_date
    plan.review_date = today
    plan.save(update_fields=["review_date"])
    # In the plan's own history and the chronologies too, not only the audit log: the printed
    # version still carries the date it was written with.
    PlanEvent.objects.create(
        plan=plan,
        school_id=plan.school_id,
        by=by,
        kind=PlanEvent.Kind.REVIEW_DUE,
        version=plan.current_version,
        text=f"Review brought forward from {before:%-d %B %Y} to {today:%-d %B %Y}: {reason}.",
    )
    _audit(
        Event.PLAN_REVIEW_PROMPTED,
        by=by,
        plan=plan,
        ctx=ctx,
        changes={"review_date": (_iso(before), _iso(today))},
        reason=reason,
    )
    return True
