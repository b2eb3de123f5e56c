"""Every write about the Section 175 audit: open a round, save a school's draft, submit it,
return it with comments. Each is one transaction with its audit event; nothing is deleted,
and every submission and return is kept as it was."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from haven.access.policy import (
    may_collect_s175,
    may_complete_s175,
    may_submit_s175,
)
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.organisations.models import Authority, School

from . import standards
from .models import AuditRound, SchoolAudit, SchoolAuditReturn, SchoolAuditSubmission

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_TITLE = 200
MAX_DAYS_AHEAD = 366
MAX_TEXT = 4000
MAX_STAFF = 10_000
ANSWER_FIELDS = ("answer", "evidence", "action", "owner", "due")


@transaction.atomic
def round_open(
    *,
    by: User,
    authority: Authority,
    title: str,
    opens_on: dt.date | None,
    due_on: dt.date | None,
    ctx: AuditContext = COMMAND,
) -> AuditRound:
    """An LA officer opens the year's audit: the standards are copied onto the round and every
    school of the authority gets a draft to complete.

    Refuses: someone who does not collect the authority's audit, no title or a title already
    used, a due date on or before the opening date or more than a year after it."""
    if not may_collect_s175(by, authority.pk):
        raise ApplicationError("You cannot open an audit for this authority.", code="forbidden")
    title = (title or "").strip()
    if not title:
        raise ApplicationError("Give the audit a title, for example 'Section 175 audit 2026-27'.", field="title")
    if len(title) > MAX_TITLE:
        raise ApplicationError(f"Keep the title under {MAX_TITLE} characters.", field="title")
    if opens_on is None:
        raise ApplicationError("Enter the date the audit opens.", field="opens_on")
    if due_on is None:
        raise ApplicationError("Enter the date schools should submit by.", field="due_on")
    today = clock.localdate()
    if not today - dt.timedelta(days=MAX_DAYS_AHEAD) <= opens_on <= today + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ApplicationError("Choose an opening date within a year of today.", field="opens_on")
    if due_on <= opens_on:
        raise ApplicationError("The due date must be after the opening date.", field="due_on")
    if due_on > opens_on + dt.timedelta(days=MAX_DAYS_AHEAD):
        raise ApplicationError("Choose a due date within a year of the opening date.", field="due_on")
    if AuditRound.objects.filter(authority=authority, title=title).exists():
        raise ApplicationError("An audit with this title already exists. Choose another title.", field="title")
    audit_round = AuditRound(
        authority=authority,
        title=title,
        opens_on=opens_on,
        due_on=due_on,
        standards=standards.snapshot(),
        created_by=by,
    )
    audit_round.full_clean()
    try:
        with transaction.atomic():
            audit_round.save()
    except IntegrityError as error:
        raise ApplicationError(
            "An audit with this title already exists. Choose another title.", field="title"
        ) from error
    schools = list(School.objects.filter(authority=authority).order_by("pk"))
    SchoolAudit.objects.bulk_create([SchoolAudit(round=audit_round, school=s) for s in schools])
    audit_record(
        Event.S175_ROUND_OPENED,
        ctx=ctx,
        actor=by,
        obj=audit_round,
        authority=authority,
        extra={"schools": len(schools), "opens_on": str(opens_on), "due_on": str(due_on)},
    )
    from .tasks import round_opened_notify

    if not clock.writing_history():  # history (haven.core.clock) is recorded, never emailed
        transaction.on_commit(lambda: round_opened_notify.enqueue(audit_round.pk))
    return audit_round


def _figures(audit: SchoolAudit) -> dict[str, int | None]:
    """What a draft's audit event shows of it: its version and staff numbers, never its text."""
    return {"version": audit.version, "staff_total": audit.staff_total, "staff_trained": audit.staff_trained}


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any] | list[Any]]:
    """The old and new value of each field that changed, for the audit event."""
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _locked(audit: SchoolAudit) -> SchoolAudit:
    return SchoolAudit.objects.select_for_update(of=("self",)).select_related("round", "school").get(pk=audit.pk)


def _clean_answers(audit_round: AuditRound, answers: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for standard in audit_round.standards:
        given = answers.get(standard["key"]) or {}
        row = {}
        for name in ANSWER_FIELDS:
            value = given.get(name) or ""
            value = value.isoformat() if isinstance(value, dt.date) else str(value).strip()
            if len(value) > MAX_TEXT:
                raise ApplicationError(
                    f"Keep each answer under {MAX_TEXT} characters ({standard['number']}).",
                    field=f"{standard['key']}-{name}",
                )
            row[name] = value
        if row["answer"] and row["answer"] not in standards.ANSWER_WORDS:
            raise ApplicationError("Choose Met, Partly met or Not met.", field=f"{standard['key']}-answer")
        if row["due"]:
            try:
                dt.date.fromisoformat(row["due"])
            except ValueError as error:
                raise ApplicationError("Enter a real date.", field=f"{standard['key']}-due") from error
        out[standard["key"]] = row
    return out


@transaction.atomic
def audit_save_draft(
    *,
    by: User,
    audit: SchoolAudit,
    based_on: int,
    answers: Mapping[str, Mapping[str, Any]],
    staff_total: int | None,
    staff_trained: int | None,
    training_needs: str,
    ctx: AuditContext = COMMAND,
) -> SchoolAudit:
    """The school's DSL, deputy or head saves the audit as it stands (it need not be complete).

    Refuses: someone who does not complete this school's audit, a save based on an older
    version than the one stored (someone else saved in between: DESIGN §11), and any change
    once submitted, until the authority returns it."""
    if not may_complete_s175(by, audit):
        raise ApplicationError("You cannot change this school's audit.", code="forbidden")
    current = _locked(audit)
    if current.status == SchoolAudit.Status.SUBMITTED:
        raise ApplicationError(
            "This audit has been submitted. It can only be changed if the local authority returns it.",
            code="submitted",
        )
    if current.version != based_on:
        raise ApplicationError(
            "Someone else saved this audit while you were working on it. Your changes are below but were not "
            "saved: open the audit again to see theirs, then add yours.",
            code="stale",
        )
    if any(n is not None and n < 0 for n in (staff_total, staff_trained)):
        raise ApplicationError("Staff numbers cannot be negative.", field="staff_total")
    if any(n is not None and n > MAX_STAFF for n in (staff_total, staff_trained)):
        raise ApplicationError(f"Staff numbers are at most {MAX_STAFF:,} for one school.", field="staff_total")
    if staff_total is not None and staff_trained is not None and staff_trained > staff_total:
        raise ApplicationError("The number trained cannot be more than the number of staff.", field="staff_trained")
    training_needs = (training_needs or "").strip()
    if len(training_needs) > MAX_TEXT:
        raise ApplicationError(f"Keep training needs under {MAX_TEXT} characters.", field="training_needs")
    before = _figures(current)
    current.answers = _clean_answers(current.round, answers)
    current.staff_total = staff_total
    current.staff_trained = staff_trained
    current.training_needs = training_needs
    current.version += 1
    current.updated_at = clock.now()
    current.updated_by = by
    current.save()
    audit_record(
        Event.S175_DRAFT_SAVED,
        ctx=ctx,
        actor=by,
        obj=current,
        school=current.school_id,
        changes=_changed(before, _figures(current)),
        extra={"step": "draft saved", "version": current.version},
    )
    audit.__dict__.update(
        {
            k: getattr(current, k)
            for k in ("answers", "version", "status", "updated_at", "staff_total", "staff_trained", "training_needs")
        }
    )
    return current


def missing_for_submission(audit: SchoolAudit) -> list[str]:
    """What still stops the audit being submitted, in plain words (empty when it can go)."""
    problems = []
    for standard in audit.round.standards:
        row = audit.answers.get(standard["key"]) or {}
        n = standard["number"]
        answer = row.get("answer", "")
        if not answer:
            problems.append(f"{n}: choose Met, Partly met or Not met.")
            continue
        if answer != standards.MET and not row.get("evidence"):
            problems.append(f"{n}: say what is in place so far, or why nothing is yet, as it is not fully met.")
        if answer == standards.NOT_MET and not (row.get("action") and row.get("owner") and row.get("due")):
            problems.append(f"{n}: add an action, who will do it and by when, as it is not met.")
    if audit.staff_total is None or audit.staff_trained is None:
        problems.append("Give the number of staff and the number trained in the last 12 months.")
    elif audit.staff_total < 1:
        problems.append("Give the number of staff: a school has at least one.")
    return problems


@transaction.atomic
def audit_submit(*, by: User, audit: SchoolAudit, ctx: AuditContext = COMMAND) -> SchoolAuditSubmission:
    """The head or DSL submits the audit to the local authority. Every standard must be
    answered, with evidence where not Met and an action with owner and date where Not met.
    A submission after the due date is accepted and marked late. The submission is kept as it
    was, so a returned audit submitted again keeps its history."""
    if not may_complete_s175(by, audit):
        raise ApplicationError("You cannot submit this school's audit.", code="forbidden")
    if not may_submit_s175(by, audit):
        raise ApplicationError("Only the headteacher or the DSL can submit the audit.", code="forbidden")
    current = _locked(audit)
    if current.status == SchoolAudit.Status.SUBMITTED:
        raise ApplicationError("This audit has already been submitted.", code="submitted")
    problems = missing_for_submission(current)
    if problems:
        raise ApplicationError("Before submitting: " + " ".join(problems), code="incomplete")
    now = clock.now()
    if timezone.localdate(now) < current.round.opens_on:
        raise ApplicationError(
            f"This audit opens on {current.round.opens_on:%-d %B %Y}: it can be submitted from then. "
            "Your draft is saved.",
            code="not_open",
        )
    first = current.first_submitted_at or now
    late = timezone.localdate(first) > current.round.due_on
    number = current.submissions.count() + 1
    assert current.staff_total is not None and current.staff_trained is not None  # missing_for_submission
    submission = SchoolAuditSubmission.objects.create(
        audit=current,
        school_id=current.school_id,
        number=number,
        answers=current.answers,
        staff_total=current.staff_total,
        staff_trained=current.staff_trained,
        training_needs=current.training_needs,
        submitted_by=by,
        submitted_at=now,
        late=late,
    )
    was = current.status
    current.status = SchoolAudit.Status.SUBMITTED
    current.submitted_at = now
    current.first_submitted_at = first
    current.submitted_by = by
    current.version += 1
    current.save()
    audit_record(
        Event.S175_SUBMITTED,
        ctx=ctx,
        actor=by,
        obj=current,
        school=current.school_id,
        changes={"status": (str(was), str(current.status)), "version": (current.version - 1, current.version)},
        extra={"step": "submitted", "submission": number, "late": late},
    )
    audit.__dict__.update({k: getattr(current, k) for k in ("status", "version", "submitted_at", "first_submitted_at")})
    return submission


@transaction.atomic
def audit_return(*, by: User, audit: SchoolAudit, comments: str, ctx: AuditContext = COMMAND) -> SchoolAuditReturn:
    """The authority's officer returns a submitted audit to the school with comments; the
    school can then change it and submit it again."""
    if not may_collect_s175(by, audit.round.authority_id):
        raise ApplicationError("You cannot return this audit.", code="forbidden")
    comments = (comments or "").strip()
    if not comments:
        raise ApplicationError("Say what the school should look at again.", field="comments")
    if len(comments) > MAX_TEXT:
        raise ApplicationError(f"Keep comments under {MAX_TEXT} characters.", field="comments")
    current = _locked(audit)
    if current.status != SchoolAudit.Status.SUBMITTED:
        raise ApplicationError("Only a submitted audit can be returned.", code="not_submitted")
    submission = current.submissions.order_by("-number").first()
    assert submission is not None  # a submitted audit has one
    returned = SchoolAuditReturn.objects.create(
        audit=current,
        school_id=current.school_id,
        submission=submission,
        comments=comments,
        returned_by=by,
    )
    current.status = SchoolAudit.Status.RETURNED
    current.version += 1
    current.save()
    audit_record(
        Event.S175_RETURNED,
        ctx=ctx,
        actor=by,
        obj=current,
        school=current.school_id,
        changes={
            "status": (str(SchoolAudit.Status.SUBMITTED), str(current.status)),
            "version": (current.version - 1, current.version),
        },
        extra={"step": "returned"},
    )
    from .tasks import audit_returned_notify

    if not clock.writing_history():  # history (haven.core.clock) is recorded, never emailed
        transaction.on_commit(lambda: audit_returned_notify.enqueue(current.pk))
    audit.__dict__.update({k: getattr(current, k) for k in ("status", "version")})
    return returned
