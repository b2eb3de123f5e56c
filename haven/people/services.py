"""Writes to a child's page: their contacts and the children linked to them as family. Each
is one transaction with its audit row; nothing is deleted, only ended. Who may call these is
decided before (haven.people.selectors ``pupil_for_change``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError

from .models import CONTACT_FIELDS, Contact, Pupil, PupilLink

if TYPE_CHECKING:
    from haven.accounts.models import User


@transaction.atomic
def contact_add(*, by: User | None, pupil: Pupil, data: dict[str, object], ctx: AuditContext = COMMAND) -> Contact:
    contact = Contact.objects.create(pupil=pupil, recorded_by=by, **{f: data[f] for f in CONTACT_FIELDS if f in data})
    audit_record(
        Event.CONTACT_ADDED,
        ctx=ctx,
        actor=by,
        obj=contact,
        school=pupil.school_id,
        extra={
            "pupil": pupil.pk,
            "relationship": contact.relationship,
            "parental_responsibility": contact.parental_responsibility,
        },
    )
    return contact


@transaction.atomic
def contact_end(*, by: User, contact: Contact, reason: str, ctx: AuditContext = COMMAND) -> Contact:
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("Say why this person is no longer a contact.", field="reason")
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    if contact.ended_at is not None:
        raise ApplicationError("This contact was already ended.")
    contact.ended_at, contact.ended_by, contact.end_reason = clock.now(), by, reason[:300]
    contact.save(update_fields=["ended_at", "ended_by", "end_reason"])
    audit_record(
        Event.CONTACT_ENDED,
        ctx=ctx,
        actor=by,
        obj=contact,
        school=contact.pupil.school_id,
        extra={"reason_length": len(reason[:300])},  # the words are kept encrypted on the contact
    )
    return contact


@transaction.atomic
def link_add(
    *, by: User, pupil: Pupil, other: Pupil, kind: str, note: str = "", ctx: AuditContext = COMMAND
) -> PupilLink:
    if other.pk == pupil.pk:
        raise ApplicationError("Choose another child: a child cannot be linked to themselves.", field="other")
    first, second = sorted((pupil, other), key=lambda p: p.pk)
    Pupil.objects.select_for_update().filter(pk=first.pk).first()  # one link at a time per pair
    if PupilLink.objects.filter(pupil=first, other=second, ended_at__isnull=True).exists():
        raise ApplicationError(f"{other.display_name} is already linked to {pupil.display_name}.", field="other")
    link = PupilLink.objects.create(
        pupil=first, other=second, kind=kind, note=(note or "").strip()[:300], recorded_by=by
    )
    for child in (first, second):
        audit_record(
            Event.PUPIL_LINK_ADDED,
            ctx=ctx,
            actor=by,
            obj=link,
            school=child.school_id,
            extra={"pupil": child.pk, "kind": kind},
        )
    return link


@transaction.atomic
def link_end(*, by: User, link: PupilLink, ctx: AuditContext = COMMAND) -> PupilLink:
    link = PupilLink.objects.select_for_update().select_related("pupil", "other").get(pk=link.pk)
    if link.ended_at is not None:
        raise ApplicationError("This link was already ended.")
    link.ended_at, link.ended_by = clock.now(), by
    link.save(update_fields=["ended_at", "ended_by"])
    for child in (link.pupil, link.other):
        audit_record(
            Event.PUPIL_LINK_ENDED, ctx=ctx, actor=by, obj=link, school=child.school_id, extra={"pupil": child.pk}
        )
    return link
