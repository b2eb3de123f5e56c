"""Every write about a case's police investigation: one function per use case, transactional,
audited, append-only (haven.police.models).

Who may write is the capability that lets a safeguarding lead decide and refer on the case
(``WRITE_SCHOOL_RECORDS``, haven.access). When bail conditions are set, varied or ended, the
open safety plans of the case are brought forward for review (policy §12: "where bail is
deemed proportionate and necessary ... manage any implications and safeguard our children").
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models, transaction

from haven.access.policy import Capability, can
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases.models import Case
from haven.concerns.services import text_checked
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.safety_plans.models import SafetyPlan
from haven.safety_plans.services import plan_review_prompt

from .models import BailCondition, BailEnd, ChargeOutcome, ChargingDecision, CourtDate, Investigation

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.people.models import Pupil

# The officer's details, as the audit log records their change (old and new value).
CONTACT_FIELDS = ("force", "officer_name", "officer_rank", "phone", "email", "crime_reference")
REVIEW_REASON = "bail conditions changed"


def _require_dsl(by: User, case: Case) -> None:
    if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=case.school):
        raise ApplicationError("Only the school's safeguarding leads can do this.", code="forbidden")


def _require_open(case: Case) -> None:
    if case.status != Case.Status.OPEN:
        raise ApplicationError("This case is closed. Reopen it, with the reason, to add to it.", code="closed")


def _require_child(case: Case, pupil: Pupil | None, *, field: str = "pupil") -> None:
    if pupil is not None and not case.children.filter(pupil=pupil).exists():
        raise ApplicationError("Child: that child is not in this case.", field=field)


def _audit(
    event: Event, by: User, case: Case, obj: models.Model, ctx: AuditContext, *, changes: Any = None, **extra: Any
) -> None:
    audit_record(
        event, ctx=ctx, actor=by, obj=obj, school=case.school_id, changes=changes, extra={"case": case.pk, **extra}
    )


def _short(value: str, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"Enter {label}.", field=field)
    if len(value) > max_length:
        raise ApplicationError(f"{label.capitalize()} is longer than {max_length} characters.", field=field)
    return value


@transaction.atomic
def investigation_record(
    *,
    by: User,
    case: Case,
    force: str,
    officer_name: str,
    crime_reference: str,
    officer_rank: str = "",
    phone: str = "",
    email: str = "",
    notes: str = "",
    based_on: int | None = None,
    ctx: AuditContext = COMMAND,
) -> Investigation:
    """Record the police investigation, or change its details: each save is a new version
    (the old ones stay in the chronology). ``based_on``, the version the page started from
    (0 for none), refuses a save from a stale page. Policy §12: "a central point of contact with the
    police", so the officer's name and a phone number or email are needed, and the crime
    reference the school quotes when it asks."""
    _require_dsl(by, case)
    _require_open(case)
    values = {
        "force": _short(force, field="force", label="the police force", max_length=100, required=True),
        "officer_name": _short(
            officer_name, field="officer_name", label="the officer's name", max_length=200, required=True
        ),
        "officer_rank": _short(officer_rank, field="officer_rank", label="the rank", max_length=60),
        "phone": _short(phone, field="phone", label="the phone number", max_length=40),
        "email": _short(email, field="email", label="the email address", max_length=200),
        "crime_reference": _short(
            crime_reference, field="crime_reference", label="the crime reference", max_length=60, required=True
        ),
    }
    if not values["phone"] and not values["email"]:
        raise ApplicationError("Phone: enter a phone number or an email address for the officer.", field="phone")
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            raise ApplicationError("Email: enter an email address like name@police.uk.", field="email") from None
    if values["phone"] and sum(ch.isdigit() for ch in values["phone"]) < 5:
        raise ApplicationError("Phone: enter the officer's phone number, for example 01632 960 123.", field="phone")
    # One version at a time per case: lock the case row while the next number is taken.
    Case.objects.select_for_update().filter(pk=case.pk).first()
    current = case.police_versions.order_by("-version").first()
    if based_on is not None and based_on != (current.version if current else 0):
        raise ApplicationError(
            "Someone else changed the police details while you were typing. Your entry was not saved: open the "
            "page again to see the current details, then make your change.",
            code="stale",
        )
    notes = text_checked(notes, field="notes", label="the notes")
    changes = {
        name: (getattr(current, name) if current else None, value)
        for name, value in values.items()
        if current is None or getattr(current, name) != value
    }
    if current is not None and not changes and not notes:
        raise ApplicationError("Nothing has changed: change a detail, or add a note saying what is new.")
    row = Investigation.objects.create(
        case=case,
        school_id=case.school_id,
        version=(current.version + 1) if current else 1,
        notes=notes,
        by=by,
        **values,
    )
    _audit(Event.POLICE_UPDATED if current else Event.POLICE_RECORDED, by, case, row, ctx, changes=changes)
    return row


def _prompt_plans(by: User, case: Case, ctx: AuditContext) -> list[SafetyPlan]:
    """Bring the review of every open safety plan of the case forward (the bail condition of
    one child changes what keeps the others safe too). Returns the plans whose date moved."""
    plans = SafetyPlan.objects.filter(case=case).exclude(status=SafetyPlan.Status.CLOSED).order_by("pk")
    return [plan for plan in plans if plan_review_prompt(by=by, plan=plan, reason=REVIEW_REASON, ctx=ctx)]


def _until_checked(until: dt.date) -> dt.date:
    if until < clock.localdate():
        raise ApplicationError(
            "In force until: the date has passed. Enter the date the condition ends, today or later.", field="until"
        )
    return until


@transaction.atomic
def bail_condition_record(
    *,
    by: User,
    case: Case,
    pupil: Pupil,
    condition: str,
    until: dt.date,
    ctx: AuditContext = COMMAND,
) -> BailCondition:
    """A condition of police bail on a child of the case (not to contact the child affected,
    not to go near a place...), until a date. The case's open safety plans fall due for review."""
    _require_dsl(by, case)
    _require_open(case)
    _require_child(case, pupil)
    row = BailCondition.objects.create(
        case=case,
        school_id=case.school_id,
        pupil=pupil,
        condition=text_checked(condition, field="condition", label="the condition", required=True),
        until=_until_checked(until),
        by=by,
    )
    prompted = _prompt_plans(by, case, ctx)
    _audit(Event.BAIL_RECORDED, by, case, row, ctx, pupil=pupil.pk, plans_prompted=[p.pk for p in prompted])
    return row


def _in_force(bail: BailCondition) -> BailCondition:
    """The condition, locked, if it is still in force (not ended, not varied)."""
    locked = BailCondition.objects.select_for_update().get(pk=bail.pk)
    if BailEnd.objects.filter(bail=locked).exists() or BailCondition.objects.filter(varies=locked).exists():
        raise ApplicationError("This bail condition has already been ended or varied.", code="stale")
    return locked


@transaction.atomic
def bail_condition_vary(
    *,
    by: User,
    bail: BailCondition,
    condition: str,
    until: dt.date,
    reason: str,
    ctx: AuditContext = COMMAND,
) -> BailCondition:
    """The police varied a condition: a new condition replaces it (the old one stays, marked
    as varied, in the chronology), on the same child."""
    case = bail.case
    _require_dsl(by, case)
    bail = _in_force(bail)
    row = BailCondition.objects.create(
        case=case,
        school_id=case.school_id,
        pupil_id=bail.pupil_id,
        condition=text_checked(condition, field="condition", label="the condition", required=True),
        until=_until_checked(until),
        varies=bail,
        reason=text_checked(reason, field="reason", label="why it changed", required=True),
        by=by,
    )
    prompted = _prompt_plans(by, case, ctx)
    _audit(
        Event.BAIL_VARIED,
        by,
        case,
        row,
        ctx,
        changes={"until": (bail.until.isoformat(), row.until.isoformat())},
        varies=bail.pk,
        plans_prompted=[p.pk for p in prompted],
    )
    return row


@transaction.atomic
def bail_condition_end(*, by: User, bail: BailCondition, reason: str, ctx: AuditContext = COMMAND) -> BailEnd:
    """The condition no longer applies (bail cancelled, the child charged or released under
    investigation): recorded with who, when and why; the case's open plans fall due for review."""
    case = bail.case
    _require_dsl(by, case)
    bail = _in_force(bail)
    row = BailEnd.objects.create(
        bail=bail, reason=text_checked(reason, field="reason", label="why it ended", required=True), by=by
    )
    prompted = _prompt_plans(by, case, ctx)
    _audit(Event.BAIL_ENDED, by, case, row, ctx, bail=bail.pk, plans_prompted=[p.pk for p in prompted])
    return row


@transaction.atomic
def charging_decision_record(
    *,
    by: User,
    case: Case,
    outcome: str,
    decided_on: dt.date,
    pupil: Pupil | None = None,
    notes: str = "",
    ctx: AuditContext = COMMAND,
) -> ChargingDecision:
    """The charging decision as the police told the school; a later one replaces it as the
    current position (both stay in the chronology)."""
    _require_dsl(by, case)
    _require_open(case)
    _require_child(case, pupil)
    if outcome not in ChargeOutcome.values:
        raise ApplicationError("Decision: choose the decision from the list.", field="outcome")
    if decided_on > clock.localdate():
        raise ApplicationError("Date of the decision: the date cannot be in the future.", field="decided_on")
    row = ChargingDecision.objects.create(
        case=case,
        school_id=case.school_id,
        pupil=pupil,
        outcome=outcome,
        decided_on=decided_on,
        notes=text_checked(notes, field="notes", label="the notes"),
        by=by,
    )
    _audit(Event.CHARGING_DECISION_RECORDED, by, case, row, ctx, outcome=outcome)
    return row


@transaction.atomic
def court_date_record(
    *,
    by: User,
    case: Case,
    on: dt.date,
    court: str,
    hearing: str,
    pupil: Pupil | None = None,
    notes: str = "",
    ctx: AuditContext = COMMAND,
) -> CourtDate:
    """A hearing the school was told of (it may plan support for a child giving evidence)."""
    _require_dsl(by, case)
    _require_open(case)
    _require_child(case, pupil)
    row = CourtDate.objects.create(
        case=case,
        school_id=case.school_id,
        pupil=pupil,
        on=on,
        court=_short(court, field="court", label="the court", max_length=200, required=True),
        hearing=_short(hearing, field="hearing", label="what the hearing is", max_length=200, required=True),
        notes=text_checked(notes, field="notes", label="the notes"),
        by=by,
    )
    _audit(Event.COURT_DATE_RECORDED, by, case, row, ctx, on=on.isoformat())
    return row
