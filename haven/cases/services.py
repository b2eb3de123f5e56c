"""Every write about cases: one function per use case, transactional, audited.

Decisions, answers, outcomes and events are new rows (append-only); the case row itself
only carries its status, sharing and a version number that refuses stale saves.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.db import models, transaction
from django.db.models import F
from django.utils import timezone

from haven.access.policy import Capability, can
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns import rules
from haven.concerns.models import Category, ChildRole, Concern
from haven.concerns.services import concern_acknowledge, concern_lock, reference_next, text_checked
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.people.models import Pupil

from .models import (
    Agency,
    Case,
    CaseChild,
    CaseEvent,
    Consideration,
    ConsiderationAnswer,
    Decision,
    ParentsInformed,
    Referral,
    ReferralOutcome,
    Route,
    Sanction,
    Support,
    Task,
)

if TYPE_CHECKING:
    from haven.accounts.models import User

# What changed, for the audit log: each field's old and new value.
Changes = dict[str, tuple[Any, Any] | list[Any]]


def _require_dsl(by: User, case_or_school: Any) -> None:
    school = getattr(case_or_school, "school", case_or_school)
    if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=school):
        raise ApplicationError("Only the school's safeguarding leads can do this.", code="forbidden")


def _require_open(case: Case) -> None:
    """A closed case takes no new decisions, referrals, support, sanctions, tasks or children
    until it is reopened with a reason (a referral's outcome, a task done, a note and who may
    open it can still be recorded)."""
    if case.status != Case.Status.OPEN:
        raise ApplicationError("This case is closed. Reopen it, with the reason, to add to it.", code="closed")


def _audit(
    event: Event,
    by: User,
    case: Case,
    obj: models.Model,
    ctx: AuditContext,
    *,
    changes: Changes | None = None,
    **extra: Any,
) -> None:
    """``event`` about ``obj`` of ``case``, in the case's school's chain; ``changes`` holds the
    old and new value of what changed (never the narrative text)."""
    audit_record(
        event, ctx=ctx, actor=by, obj=obj, school=case.school_id, changes=changes, extra={"case": case.pk, **extra}
    )


VERSION_REQUIRED = (
    "This save did not say which version of the case it was made from, so Haven cannot tell whether "
    "someone else changed the case meanwhile. Your entry was not saved: reload the page and enter it again."
)


def _bump(case: Case, expected_version: int | None) -> tuple[int, int]:
    """Refuse a save made from a stale page (DESIGN §11), then move the version on. Returns
    the version before and after, for the audit log. A save that does not say which version
    it was made from is refused too: otherwise a hand-made or integration write would
    overwrite blind."""
    if expected_version is None:
        raise ApplicationError(VERSION_REQUIRED, field="version", code="version_required")
    updated = Case.objects.filter(pk=case.pk, version=expected_version).update(version=F("version") + 1)
    if not updated:
        raise ApplicationError(
            "Someone else changed this case while you were working on it. Your entry was not saved: "
            "reload the page, check what changed, and enter it again.",
            field="version",
            code="stale",
        )
    case.refresh_from_db(fields=["version"])
    return case.version - 1, case.version


@transaction.atomic
def case_open(*, by: User, concern: Concern, title: str = "", ctx: AuditContext = COMMAND) -> Case:
    """Open a case from a concern: the concern's children join with their roles."""
    _require_dsl(by, concern.school)
    concern_lock(concern)
    if concern.case_id:
        raise ApplicationError("This concern is already part of a case.")
    if concern.status == Concern.Status.NO_FURTHER_ACTION:
        raise ApplicationError("This concern was closed with no further action: it cannot open a case.")
    title = (title or "").strip()[:200] or ", ".join(c.name for c in concern.categories.all())[:200] or "Case"
    case = Case.objects.create(
        school=concern.school, reference=reference_next("K", concern.school), title=title, opened_by=by
    )
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.OPENED, by=by, text=f"Opened from concern {concern.reference}"
    )
    _audit(Event.CASE_OPENED, by, case, case, ctx)
    _attach_concern(by=by, case=case, concern=concern, ctx=ctx)
    return case


def _attach_concern(*, by: User, case: Case, concern: Concern, ctx: AuditContext) -> None:
    concern_acknowledge(by=by, concern=concern, ctx=ctx)
    was = concern.status
    concern.case = case
    concern.status = Concern.Status.IN_CASE
    concern.save(update_fields=["case", "status"])
    existing = set(case.children.values_list("pupil_id", flat=True))
    for link in concern.children.all():
        if link.pupil_id not in existing:
            CaseChild.objects.create(case=case, pupil_id=link.pupil_id, role=link.role)
            existing.add(link.pupil_id)
    CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.CONCERN_ADDED, by=by, text=concern.reference)
    _audit(
        Event.CONCERN_ADDED_TO_CASE,
        by,
        case,
        concern,
        ctx,
        changes={"case": (None, case.pk), "status": (was, concern.status)},
        status=concern.status,
    )


@transaction.atomic
def case_add_concern(*, by: User, case: Case, concern: Concern, ctx: AuditContext = COMMAND) -> Case:
    _require_dsl(by, case)
    if concern.school_id != case.school_id:
        raise ApplicationError("A concern can only join a case at the same school.")
    concern_lock(concern)
    if concern.status == Concern.Status.NO_FURTHER_ACTION:
        raise ApplicationError("This concern was closed with no further action: it cannot join a case.")
    if concern.case_id:
        raise ApplicationError("This concern is already part of a case.")
    if case.status != Case.Status.OPEN:
        raise ApplicationError("Reopen the case before adding a concern to it.")
    _attach_concern(by=by, case=case, concern=concern, ctx=ctx)
    return case


@transaction.atomic
def case_child_add(*, by: User, case: Case, pupil: Pupil, role: str, ctx: AuditContext = COMMAND) -> CaseChild:
    _require_dsl(by, case)
    _require_open(case)
    if pupil.school_id != case.school_id:
        raise ApplicationError("That child is not on this school's roll.", field="pupil")
    if role not in ChildRole.values:
        raise ApplicationError("Choose the child's role.", field="role")
    if case.children.filter(pupil=pupil).exists():
        raise ApplicationError("That child is already in this case.", field="pupil")
    link = CaseChild.objects.create(case=case, pupil=pupil, role=role)
    CaseEvent.objects.create(
        case=case, kind=CaseEvent.Kind.CHILD_ADDED, pupil=pupil, by=by, text=link.get_role_display()
    )
    _audit(Event.CASE_CHILD_ADDED, by, case, link, ctx)
    return link


@transaction.atomic
def consideration_answer(
    *,
    by: User,
    case: Case,
    item: str,
    answer: str,
    notes: str = "",
    version: int | None,
    ctx: AuditContext = COMMAND,
) -> ConsiderationAnswer:
    """Answer one of the DSL's considerations (policy §7); a new answer supersedes the old."""
    _require_dsl(by, case)
    _require_open(case)
    if item not in Consideration.values:
        raise ApplicationError("Unknown consideration.", field="item")
    if answer not in ConsiderationAnswer.Answer.values:
        raise ApplicationError("Choose an answer.", field="answer")
    before = (
        case.consideration_answers.filter(item=item).order_by("-at", "-pk").values_list("answer", flat=True).first()
    )
    versions = _bump(case, version)
    row = ConsiderationAnswer.objects.create(
        case=case,
        item=item,
        answer=answer,
        notes=text_checked(notes, field="notes", label="notes", required=False),
        by=by,
    )
    _audit(
        Event.CONSIDERATION_ANSWERED,
        by,
        case,
        row,
        ctx,
        changes={"answer": (before, answer), "version": versions},
        item=item,
    )
    return row


def case_children_ages(case: Case, on: dt.date | None = None) -> list[int]:
    """The children's ages when the first of the case's concerns happened (the under-13 rule
    is about the child's age at the time, not today), or on ``on``."""
    if on is None:
        first = case.concerns.order_by("occurred_at").values_list("occurred_at", flat=True).first()
        on = timezone.localtime(first).date() if first else clock.localdate()
    return [rules.age_on(c.pupil.date_of_birth, on) for c in case.children.select_related("pupil")]


def close_blockers(case: Case) -> list[str]:
    """What must be recorded before the case can close (DESIGN §3 rules 3-5, policy §11): a
    route decision; the statutory prompts met or their explanation recorded; for each child
    affected and child alleged to have harmed, whether parents or carers were informed."""
    return close_blockers_from(
        routes=current_routes(case),
        prompts=case_prompts(case),
        explained=prompts_explained(
            case.decisions.exclude(statutory_override=""), case.events.filter(kind__in=PROMPT_CHANGES)
        ),
        children=list(case.children.select_related("pupil").order_by("pk")),
        told=set(case.parents_informed.values_list("pupil_id", flat=True)),
    )


# What can bring new statutory prompts to a case: its concerns' categories, its children's ages.
PROMPT_CHANGES = (CaseEvent.Kind.OPENED, CaseEvent.Kind.CONCERN_ADDED, CaseEvent.Kind.CHILD_ADDED)


def prompts_explained(decisions: Iterable[Decision], events: Iterable[CaseEvent]) -> bool:
    """Whether a decision explained why the statutory starting point was not followed after
    the case last took a concern or a child: an explanation covers the prompts of its time,
    not those a later concern (a rape, a child under 13) brings."""
    changed = max((e.at for e in events if e.kind in PROMPT_CHANGES), default=None)
    return any(d.statutory_override and (changed is None or d.at >= changed) for d in decisions)


def close_blockers_from(
    *, routes: set[str], prompts: list[rules.Prompt], explained: bool, children: list[CaseChild], told: set[int]
) -> list[str]:
    """:func:`close_blockers` from what the case page has already read."""
    blockers: list[str] = []
    if not routes:
        blockers.append("Record the route decision (for example, manage internally) and why.")
    unmet = rules.unmet_prompts(prompts, routes)
    if unmet and not explained:
        blockers += [p.text for p in unmet]
    missing = [
        c.pupil.display_name
        for c in children
        if c.role in (ChildRole.AFFECTED, ChildRole.ALLEGED_HARMER) and c.pupil_id not in told
    ]
    if missing:
        blockers.append(
            f"Record whether the parents or carers of {', '.join(missing)} were informed, or why not "
            "(they are informed unless that would put a child at greater risk)."
        )
    return blockers


def case_categories(case: Case) -> list[Category]:
    return list(Category.objects.filter(concerns__case=case).distinct())


def case_prompts(case: Case) -> list[rules.Prompt]:
    return rules.statutory_prompts(categories=case_categories(case), children_ages=case_children_ages(case))


def current_routes(case: Case) -> set[str]:
    routes: set[str] = set()
    for d in case.decisions.order_by("at", "pk"):
        (routes.discard if d.withdrawn else routes.add)(d.route)
    return routes


@transaction.atomic
def decisions_record(
    *,
    by: User,
    case: Case,
    routes: Sequence[str],
    rationale: str,
    statutory_override: str = "",
    withdraw: bool = False,
    version: int | None,
    ctx: AuditContext = COMMAND,
) -> list[Decision]:
    """Record one decision on one or more routes, with its rationale (policy §7 a-d, §11).
    Several routes may apply, and are checked against the statutory prompts together.

    DESIGN §3 rules 3 and 4: when the case involves rape, assault by penetration or sexual
    assault (police is the starting point), or a sexual category with a child under 13
    (police and social care), a decision that leaves those routes out, or withdraws one,
    needs an explicit recorded explanation in ``statutory_override``.
    """
    _require_dsl(by, case)
    _require_open(case)
    routes = list(dict.fromkeys(routes))
    if not routes or not set(routes) <= set(Route.values):
        raise ApplicationError("Choose at least one route.", field="routes")
    rationale = text_checked(rationale, field="rationale", label="the reason for this decision", required=True)
    override = (statutory_override or "").strip()
    routes_before = current_routes(case)
    routes_after = set(routes_before)
    for route in routes:
        (routes_after.discard if withdraw else routes_after.add)(route)
    unmet = rules.unmet_prompts(case_prompts(case), routes_after)
    if unmet and not override:
        raise ApplicationError(" ".join(p.text for p in unmet), field="statutory_override", code="statutory_prompt")
    versions = _bump(case, version)
    changes: Changes = {"routes": (sorted(routes_before), sorted(routes_after)), "version": versions}
    decisions = []
    for route in routes:
        decision = Decision.objects.create(
            case=case,
            route=route,
            rationale=rationale,
            withdrawn=withdraw,
            statutory_override=override if unmet else "",
            by=by,
        )
        _audit(
            Event.ROUTE_WITHDRAWN if withdraw else Event.ROUTE_DECIDED,
            by,
            case,
            decision,
            ctx,
            changes=changes,
            route=route,
            withdrawn=withdraw,
            override=bool(unmet),
        )
        decisions.append(decision)
    return decisions


def decision_record(*, route: str, **kwargs: Any) -> Decision:
    """One route: see :func:`decisions_record`."""
    if route not in Route.values:
        raise ApplicationError("Choose a route.", field="routes")
    return decisions_record(routes=[route], **kwargs)[0]


@transaction.atomic
def parents_informed_record(
    *,
    by: User,
    case: Case,
    pupil: Pupil,
    informed: bool,
    informed_on: dt.date | None = None,
    rationale: str = "",
    ctx: AuditContext = COMMAND,
) -> ParentsInformed:
    """DESIGN §3 rule 5: per child, parents informed (when) or why not, recorded either way."""
    _require_dsl(by, case)
    _require_open(case)
    if not case.children.filter(pupil=pupil).exists():
        raise ApplicationError("That child is not in this case.", field="pupil")
    rationale = (rationale or "").strip()
    if informed and not informed_on:
        raise ApplicationError("Enter the date parents or carers were informed.", field="informed_on")
    if informed and informed_on and informed_on > clock.localdate():
        raise ApplicationError("The date parents were informed cannot be in the future.", field="informed_on")
    if not informed and not rationale:
        raise ApplicationError(
            "Explain why parents or carers were not informed (for example, it would put the child at greater risk).",
            field="rationale",
        )
    row = ParentsInformed.objects.create(
        case=case,
        pupil=pupil,
        informed=informed,
        informed_on=informed_on if informed else None,
        rationale=rationale,
        by=by,
    )
    _audit(Event.PARENTS_INFORMED, by, case, row, ctx, informed=informed)
    return row


@transaction.atomic
def referral_make(
    *,
    by: User,
    case: Case,
    agency: str,
    referred_on: dt.date,
    pupil: Pupil | None = None,
    organisation_name: str = "",
    agency_reference: str = "",
    notes: str = "",
    ctx: AuditContext = COMMAND,
) -> Referral:
    """Record a referral; it waits for an outcome (DESIGN §11: every referral is followed up)."""
    _require_dsl(by, case)
    _require_open(case)
    if agency not in Agency.values:
        raise ApplicationError("Choose who the referral went to.", field="agency")
    if agency == Agency.EXTERNAL and not organisation_name.strip():
        raise ApplicationError("Name the organisation.", field="organisation_name")
    if referred_on > clock.localdate():
        raise ApplicationError("The referral date cannot be in the future.", field="referred_on")
    if pupil is not None and not case.children.filter(pupil=pupil).exists():
        raise ApplicationError("That child is not in this case.", field="pupil")
    referral = Referral.objects.create(
        case=case,
        pupil=pupil,
        agency=agency,
        organisation_name=organisation_name.strip()[:200],
        referred_on=referred_on,
        agency_reference=agency_reference.strip()[:100],
        notes=text_checked(notes, field="notes", label="notes", required=False),
        by=by,
    )
    _audit(Event.REFERRAL_MADE, by, case, referral, ctx, agency=agency)
    if not clock.writing_history():  # history (haven.core.clock) is recorded, never emailed
        from .alerts import overdue_outcome_alerts_write

        overdue_outcome_alerts_write(referral, case)  # due the morning after the outcome is due
    return referral


@transaction.atomic
def referral_outcome_record(
    *,
    by: User,
    referral: Referral,
    outcome: str,
    outcome_on: dt.date,
    agency_reference: str = "",
    ctx: AuditContext = COMMAND,
) -> ReferralOutcome:
    case = referral.case
    _require_dsl(by, case)
    if outcome_on > clock.localdate():
        raise ApplicationError("The outcome date cannot be in the future.", field="outcome_on")
    if outcome_on < referral.referred_on:
        raise ApplicationError("The outcome cannot come before the referral.", field="outcome_on")
    row = ReferralOutcome.objects.create(
        referral=referral,
        outcome=text_checked(outcome, field="outcome", label="the outcome", required=True),
        outcome_on=outcome_on,
        agency_reference=agency_reference.strip()[:100],
        by=by,
    )
    _audit(Event.REFERRAL_OUTCOME, by, case, row, ctx, referral=referral.pk)
    return row


@transaction.atomic
def support_record(*, by: User, case: Case, pupil: Pupil, description: str, ctx: AuditContext = COMMAND) -> Support:
    _require_dsl(by, case)
    _require_open(case)
    if not case.children.filter(pupil=pupil).exists():
        raise ApplicationError("That child is not in this case.", field="pupil")
    row = Support.objects.create(
        case=case,
        pupil=pupil,
        description=text_checked(description, field="description", label="the support", required=True),
        by=by,
    )
    _audit(Event.SUPPORT_RECORDED, by, case, row, ctx)
    return row


@transaction.atomic
def sanction_record(
    *, by: User, case: Case, pupil: Pupil, description: str, decided_on: dt.date, ctx: AuditContext = COMMAND
) -> Sanction:
    _require_dsl(by, case)
    _require_open(case)
    if not case.children.filter(pupil=pupil).exists():
        raise ApplicationError("That child is not in this case.", field="pupil")
    if decided_on > clock.localdate():
        raise ApplicationError("The date cannot be in the future.", field="decided_on")
    row = Sanction.objects.create(
        case=case,
        pupil=pupil,
        description=text_checked(description, field="description", label="the sanction", required=True),
        decided_on=decided_on,
        by=by,
    )
    _audit(Event.SANCTION_RECORDED, by, case, row, ctx)
    return row


@transaction.atomic
def task_add(*, by: User, case: Case, title: str, assignee: Any, due_on: dt.date, ctx: AuditContext = COMMAND) -> Task:
    _require_dsl(by, case)
    _require_open(case)
    title = text_checked(title, field="title", label="what needs doing", required=True)[:200]
    if not can(assignee, Capability.READ_SCHOOL_RECORDS, school=case.school):
        raise ApplicationError("Tasks can only be given to people who can read this school's cases.", field="assignee")
    task = Task.objects.create(case=case, title=title, assignee=assignee, due_on=due_on, created_by=by)
    _audit(Event.TASK_ADDED, by, case, task, ctx)
    return task


@transaction.atomic
def task_complete(*, by: User, task: Task, ctx: AuditContext = COMMAND) -> Task:
    case = task.case
    if not (can(by, Capability.WRITE_SCHOOL_RECORDS, school=case.school) or task.assignee_id == by.pk):
        raise ApplicationError("Only the person given the task or a safeguarding lead can complete it.")
    if task.done_at is None:
        task.done_at = clock.now()
        task.done_by = by
        task.save(update_fields=["done_at", "done_by"])
        _audit(Event.TASK_DONE, by, case, task, ctx, changes={"done": (False, True)}, done=True)
    return task


_CASE_EVENT: dict[str, Event] = {
    CaseEvent.Kind.CLOSED: Event.CASE_CLOSED,
    CaseEvent.Kind.REOPENED: Event.CASE_REOPENED,
    CaseEvent.Kind.WISHES: Event.CASE_WISHES_RECORDED,
    CaseEvent.Kind.NOTE: Event.CASE_NOTE_ADDED,
}


@transaction.atomic
def case_event_record(
    *, by: User, case: Case, kind: str, text: str = "", version: int | None, ctx: AuditContext = COMMAND
) -> CaseEvent:
    """Close (rationale required), reopen (reason required), record the child's wishes or a note."""
    _require_dsl(by, case)
    K = CaseEvent.Kind
    was = case.status
    if kind == K.CLOSED:
        if case.status == Case.Status.CLOSED:
            raise ApplicationError("The case is already closed.")
        text = text_checked(text, field="text", label="why the case can be closed", required=True)
        if case.tasks.filter(done_at__isnull=True).exists():
            raise ApplicationError("Complete or hand over the open tasks before closing the case.", field="text")
        blockers = close_blockers(case)
        if blockers:
            raise ApplicationError(
                "Before the case can be closed: " + " ".join(blockers), field="text", code="statutory_prompt"
            )
        case.status, case.closed_at = Case.Status.CLOSED, clock.now()
    elif kind == K.REOPENED:
        if case.status != Case.Status.CLOSED:
            raise ApplicationError("The case is open.")
        text = text_checked(text, field="text", label="why the case is reopened", required=True)
        case.status, case.closed_at = Case.Status.OPEN, None
    elif kind in (K.WISHES, K.NOTE):
        if kind == K.WISHES:
            _require_open(case)
        text = text_checked(text, field="text", label="the text", required=True)
    else:
        raise ApplicationError("Unknown change.")
    versions = _bump(case, version)
    case.save(update_fields=["status", "closed_at"])
    event = CaseEvent.objects.create(case=case, kind=kind, text=text, by=by)
    changes: Changes = {"version": versions}
    if case.status != was:
        changes["status"] = (was, case.status)
    _audit(_CASE_EVENT[kind], by, case, event, ctx, changes=changes, kind=kind)
    return event


@transaction.atomic
def case_access_set(
    *,
    by: User,
    case: Case,
    restricted: bool,
    named_users: list[Any],
    shared_with_trust: bool,
    version: int | None,
    ctx: AuditContext = COMMAND,
) -> Case:
    """Restrict a case to named people (who restricts it is always named), and share it
    with the trust lead or not. Each change is an event on the case, a change of the people
    named included; a save from a stale page is refused, as for every other change."""
    _require_dsl(by, case)
    named = {u.pk: u for u in named_users if can(u, Capability.READ_SCHOOL_RECORDS, school=case.school)}
    if restricted:
        named[by.pk] = by
    if shared_with_trust and not case.shared_with_trust and case.school.trust_id is None:
        raise ApplicationError("This school is not in a trust.", field="shared_with_trust")
    versions = _bump(case, version)
    case.refresh_from_db(fields=["restricted", "shared_with_trust"])
    before = {u.pk: u for u in case.restricted_to.all()} if case.restricted else {}
    after = named if restricted else {}
    events: list[tuple[str, str]] = []
    if restricted != case.restricted or (restricted and before.keys() != after.keys()):
        if restricted:
            text = ", ".join(sorted(u.full_name for u in after.values()))
            if case.restricted:  # still restricted: say who was added and who removed
                added = sorted(u.full_name for pk, u in after.items() if pk not in before)
                removed = sorted(u.full_name for pk, u in before.items() if pk not in after)
                text += "".join(
                    f". {label}: {', '.join(people)}"
                    for label, people in (("Added", added), ("Removed", removed))
                    if people
                )
            events.append((CaseEvent.Kind.RESTRICTED, text))
        else:
            events.append((CaseEvent.Kind.UNRESTRICTED, ""))
    if shared_with_trust != case.shared_with_trust:
        events.append((CaseEvent.Kind.SHARED if shared_with_trust else CaseEvent.Kind.UNSHARED, ""))
    changes: Changes = {"version": versions}
    if restricted != case.restricted:
        changes["restricted"] = (case.restricted, restricted)
    if shared_with_trust != case.shared_with_trust:
        changes["shared_with_trust"] = (case.shared_with_trust, shared_with_trust)
    if before.keys() != after.keys():
        changes["named"] = (sorted(before), sorted(after))
    if "restricted" in changes:
        event = Event.CASE_RESTRICTED if restricted else Event.CASE_UNRESTRICTED
    elif "shared_with_trust" in changes:
        event = Event.CASE_SHARED if shared_with_trust else Event.CASE_UNSHARED
    else:
        event = Event.CASE_ACCESS_CHANGED
    case.restricted = restricted
    case.shared_with_trust = shared_with_trust
    case.save(update_fields=["restricted", "shared_with_trust"])
    case.restricted_to.set(after.values())
    for kind, text in events:
        CaseEvent.objects.create(case=case, kind=kind, by=by, text=text)
    _audit(
        event,
        by,
        case,
        case,
        ctx,
        changes=changes,
        restricted=restricted,
        shared=shared_with_trust,
        named=sorted(after),
    )
    return case
