"""Every write to the resource bank and the case-study bank: one function per use case,
transactional, checked against haven.access and audited in the same transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from haven.access.policy import (
    Capability,
    can,
    may_curate,
    may_edit_proposal,
    may_review_case_study,
    may_write_case_study,
)
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns.models import Category
from haven.concerns.services import text_checked
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.core.fields import model_field
from haven.organisations.models import School

from . import anonymise
from .models import CaseStudy, CaseStudyReview, Resource, ResourceDecision

if TYPE_CHECKING:
    from haven.accounts.models import User

RESOURCE_FIELDS = (
    "title",
    "kind",
    "description",
    "provider",
    "url",
    "phone",
    "email",
    "for_staff",
    "for_pupils",
    "for_parents",
    "eyfs",
    "ks1",
    "ks2",
    "ks3",
    "ks4",
    "ks5",
    "fe",
    "age_from",
    "age_to",
    "send_suitable",
    "ability_notes",
    "national",
)
CASE_STUDY_FIELDS = ("title", "phase", "share_wider", *CaseStudy.TEXT_FIELDS[1:])
# What an audit event keeps the old and new value of; free text is only named as changed.
RESOURCE_LOGGED = tuple(name for name in RESOURCE_FIELDS if name not in ("description", "ability_notes"))
CASE_STUDY_LOGGED = ("phase", "share_wider")


def _changed(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, tuple[Any, Any] | list[Any]]:
    """The old and new value of each field that changed, for the audit event."""
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _resource_fill(resource: Resource, data: Mapping[str, Any]) -> None:
    for name in RESOURCE_FIELDS:
        if name in data:
            setattr(resource, name, data[name])
    resource.title = (resource.title or "").strip()
    if not resource.title:
        raise ApplicationError("Enter a title.", field="title")
    if not (resource.url or resource.phone or resource.email):
        raise ApplicationError("Give a link, a phone number or an email address, so people can reach it.", field="url")
    if not (resource.for_staff or resource.for_pupils or resource.for_parents):
        raise ApplicationError("Say who it is for: staff, pupils or parents.", field="for_staff")
    if resource.age_from is not None and resource.age_to is not None and resource.age_to < resource.age_from:
        raise ApplicationError("The age range ends before it starts.", field="age_to")


@transaction.atomic
def resource_propose(
    *,
    by: User,
    school: School,
    data: Mapping[str, Any],
    topics: Iterable[Any] = (),
    ctx: AuditContext = COMMAND,
) -> Resource:
    """A member of staff, a DSL, a head or a trust lead proposes an item for the bank; it
    waits for the officers of the school's authority, seen only by them and the proposer."""
    if not can(by, Capability.RESOURCES_PROPOSE, school=school):
        raise ApplicationError("You cannot propose resources for this school.", code="forbidden")
    resource = Resource(authority_id=school.authority_id, proposed_by=by, status=Resource.Status.PROPOSED)
    _resource_fill(resource, data)
    resource.full_clean(exclude=["topics", "seed_key"])
    resource.save()
    resource.topics.set(list(topics))
    ResourceDecision.objects.create(resource=resource, action=ResourceDecision.Action.PROPOSED, by=by)
    audit_record(Event.RESOURCE_PROPOSED, ctx=ctx, actor=by, obj=resource, authority=school.authority_id)
    return resource


@transaction.atomic
def resource_update(
    *,
    by: User,
    resource: Resource,
    data: Mapping[str, Any],
    topics: Iterable[Any] = (),
    ctx: AuditContext = COMMAND,
) -> Resource:
    """The proposer changes a proposal (sent again to the curators), or a curator corrects an item."""
    curator = may_curate(by, resource)
    if not curator and not may_edit_proposal(by, resource):
        raise ApplicationError("You cannot change this resource.", code="forbidden")
    before = {name: getattr(resource, name) for name in RESOURCE_FIELDS}
    was = resource.status
    _resource_fill(resource, data)
    resource.full_clean(exclude=["topics", "seed_key"])
    action = ResourceDecision.Action.EDITED
    if not curator:
        resource.status = Resource.Status.PROPOSED
        action = ResourceDecision.Action.RESUBMITTED
    resource.save()
    resource.topics.set(list(topics))
    ResourceDecision.objects.create(resource=resource, action=action, by=by)
    changed = sorted(name for name in RESOURCE_FIELDS if before[name] != getattr(resource, name))
    audit_record(
        Event.RESOURCE_EDITED,
        ctx=ctx,
        actor=by,
        obj=resource,
        authority=resource.authority_id,
        changes=_changed(
            {"status": was, **{name: before[name] for name in RESOURCE_LOGGED}},
            {"status": resource.status, **{name: getattr(resource, name) for name in RESOURCE_LOGGED}},
        ),
        extra={"changed": changed, "step": action},
    )
    return resource


CURATE_ACTIONS = {
    "approve": ResourceDecision.Action.APPROVED,
    "changes": ResourceDecision.Action.CHANGES_REQUESTED,
    "reject": ResourceDecision.Action.REJECTED,
    "reviewed": ResourceDecision.Action.REVIEWED,
}


@transaction.atomic
def resource_curate(
    *, by: User, resource: Resource, action: str, note: str = "", ctx: AuditContext = COMMAND
) -> Resource:
    """An LA officer approves a proposal, asks for changes or refuses it (both with a
    reason the proposer reads), or marks an approved item reviewed for another year."""
    if not may_curate(by, resource):
        raise ApplicationError("You cannot curate this resource.", code="forbidden")
    step = CURATE_ACTIONS.get(action)
    if step is None:
        raise ApplicationError("Choose what to do with this resource.", field="action")
    note = text_checked(note, field="note", label="a note")
    approved = resource.status == Resource.Status.APPROVED
    before = {"status": resource.status, "last_reviewed_on": _iso(resource.last_reviewed_on)}
    if step in (ResourceDecision.Action.CHANGES_REQUESTED, ResourceDecision.Action.REJECTED) and not note:
        raise ApplicationError(
            "Say what needs changing." if action == "changes" else "Give the reason, for the person who proposed it.",
            field="note",
        )
    if step == ResourceDecision.Action.REVIEWED and not approved:
        raise ApplicationError("Only an item in the bank can be marked reviewed.", field="action")
    if step != ResourceDecision.Action.REVIEWED and approved and step != ResourceDecision.Action.REJECTED:
        raise ApplicationError("This resource is already in the bank.", field="action")
    if resource.authority_id is None and step != ResourceDecision.Action.REVIEWED:
        raise ApplicationError("The national list can only be reviewed here.", field="action")
    if step in (ResourceDecision.Action.APPROVED, ResourceDecision.Action.REVIEWED):
        resource.status = Resource.Status.APPROVED
        resource.last_reviewed_on = clock.localdate()
        resource.reviewed_by = by
        resource.reviewer_name = ""
    elif step == ResourceDecision.Action.CHANGES_REQUESTED:
        resource.status = Resource.Status.CHANGES_REQUESTED
        resource.curator_note = note
    else:
        resource.status = Resource.Status.REJECTED
        resource.curator_note = note
    resource.save()
    ResourceDecision.objects.create(resource=resource, action=step, note=note, by=by)
    audit_record(
        Event.RESOURCE_CURATED,
        ctx=ctx,
        actor=by,
        obj=resource,
        authority=resource.authority_id,
        changes=_changed(before, {"status": resource.status, "last_reviewed_on": _iso(resource.last_reviewed_on)}),
        extra={"step": step, "status": resource.status},
    )
    return resource


# -- Case studies --------------------------------------------------------------------------


class AnonymisationNeeded(ApplicationError):
    """The text still holds something that could identify a child, a member of staff or the school."""

    def __init__(self, flags: list[anonymise.Flag]) -> None:
        super().__init__(
            "Before it can be sent, change or confirm each thing flagged below.", code="anonymisation", field=None
        )
        self.flags = flags


@transaction.atomic
def case_study_save(
    *,
    by: User,
    school: School | None = None,
    case_study: CaseStudy | None = None,
    data: Mapping[str, Any],
    category_ids: Iterable[int] = (),
    ctx: AuditContext = COMMAND,
) -> CaseStudy:
    """A DSL starts or changes a draft (or a study returned with comments). Nothing is
    checked for names yet: the check runs when it is sent (:func:`case_study_submit`)."""

    if case_study is None:
        if school is None or not can(by, Capability.CASE_STUDIES_WRITE, school=school):
            raise ApplicationError("You cannot write case studies for this school.", code="forbidden")
        case_study = CaseStudy(school=school, authority_id=school.authority_id, author=by)
        created = True
    else:
        if not may_write_case_study(by, case_study):
            raise ApplicationError("This case study cannot be changed now.", code="forbidden")
        created = False
    before = {name: getattr(case_study, name) for name in CASE_STUDY_FIELDS}
    for name in CASE_STUDY_FIELDS:
        if name in data:
            value = data[name]
            if name in CaseStudy.TEXT_FIELDS and name != "title":
                value = text_checked(value, field=name, label=str(model_field(CaseStudy, name).verbose_name))
            setattr(case_study, name, value)
    case_study.title = (case_study.title or "").strip()
    if not case_study.title:
        raise ApplicationError("Enter a title.", field="title")
    case_study.full_clean(
        exclude=["categories", "context", "what_happened", "school_response", "what_worked", "outcome"]
    )
    case_study.save()
    ids = {int(c) for c in category_ids}
    categories = list(
        Category.objects.filter(Q(authority__isnull=True) | Q(authority_id=case_study.authority_id), pk__in=ids)
    )
    if len(categories) != len(ids):
        raise ApplicationError("Choose the kinds of abuse from the list.", field="categories")
    case_study.categories.set(categories)
    audit_record(
        Event.CASE_STUDY_SAVED,
        ctx=ctx,
        actor=by,
        obj=case_study,
        school=case_study.school_id,
        # The text is the school's account of a case: its fields are named, never quoted.
        changes=None
        if created
        else _changed(
            {name: before[name] for name in CASE_STUDY_LOGGED},
            {name: getattr(case_study, name) for name in CASE_STUDY_LOGGED},
        ),
        extra=None
        if created
        else {"changed": sorted(name for name in CASE_STUDY_FIELDS if before[name] != getattr(case_study, name))},
    )
    return case_study


def case_study_flags(case_study: CaseStudy) -> list[anonymise.Flag]:
    roster = anonymise.roster_for(case_study.school)
    return anonymise.check({f: getattr(case_study, f) for f in CaseStudy.TEXT_FIELDS}, roster)


@transaction.atomic
def case_study_submit(
    *, by: User, case_study: CaseStudy, confirmed: Iterable[str] = (), ctx: AuditContext = COMMAND
) -> CaseStudy:
    """Send a case study to the authority once the anonymisation check passes: every name,
    UPN, date, postcode and mention of the school is changed or (names only) confirmed as
    not identifying. Raises :class:`AnonymisationNeeded` with what is left."""
    if not may_write_case_study(by, case_study):
        raise ApplicationError("This case study cannot be sent now.", code="forbidden")
    missing = [
        str(model_field(CaseStudy, f).verbose_name)
        for f in ("context", "what_happened", "school_response", "what_worked", "outcome")
        if not getattr(case_study, f).strip()
    ]
    if missing:
        raise ApplicationError(f"Before sending it, write: {', '.join(missing)}.", field=None)
    flags = case_study_flags(case_study)
    confirmed_terms = {anonymise.normalise(c) for c in confirmed}
    left = anonymise.unresolved(flags, confirmed_terms)
    if left:
        raise AnonymisationNeeded(left)
    # Keep only the confirmations that were needed, so the record says what the author accepted.
    case_study.confirmed_terms = sorted({f.term for f in flags if f.confirmable})
    was = case_study.status
    case_study.status = CaseStudy.Status.SUBMITTED
    case_study.submitted_at = clock.now()
    case_study.save()
    CaseStudyReview.objects.create(case_study=case_study, action=CaseStudyReview.Action.SUBMITTED, by=by)
    audit_record(
        Event.CASE_STUDY_SUBMITTED,
        ctx=ctx,
        actor=by,
        obj=case_study,
        school=case_study.school_id,
        changes={"status": (str(was), str(case_study.status))},
        extra={"step": "submitted", "confirmed_terms": len(case_study.confirmed_terms)},
    )
    return case_study


@transaction.atomic
def case_study_review(
    *, by: User, case_study: CaseStudy, action: str, comments: str = "", ctx: AuditContext = COMMAND
) -> CaseStudy:
    """An LA officer publishes a submitted case study or returns it with comments."""
    if not may_review_case_study(by, case_study):
        raise ApplicationError("You cannot review this case study.", code="forbidden")
    if case_study.status != CaseStudy.Status.SUBMITTED:
        raise ApplicationError("Only a case study sent to the local authority can be reviewed.", field="action")
    comments = text_checked(comments, field="comments", label="comments")
    if action == "publish":
        case_study.status = CaseStudy.Status.PUBLISHED
        case_study.published_at = clock.now()
        step = CaseStudyReview.Action.PUBLISHED
    elif action == "return":
        if not comments:
            raise ApplicationError("Say what needs changing before it can be published.", field="comments")
        case_study.status = CaseStudy.Status.RETURNED
        step = CaseStudyReview.Action.RETURNED
    else:
        raise ApplicationError("Choose to publish it or return it.", field="action")
    case_study.review_comments = comments
    case_study.save()
    CaseStudyReview.objects.create(case_study=case_study, action=step, comments=comments, by=by)
    audit_record(
        Event.CASE_STUDY_REVIEWED,
        ctx=ctx,
        actor=by,
        obj=case_study,
        school=case_study.school_id,
        changes={"status": (str(CaseStudy.Status.SUBMITTED), str(case_study.status))},
        extra={"step": step},
    )
    return case_study
