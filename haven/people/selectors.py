"""Reads of pupils, always for an acting user and scoped by :mod:`haven.access`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet

from haven.access.policy import Capability, can, deny, schools_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.audit.services import audit_record
from haven.core.converters import parse_id

from .models import Contact, Pupil, PupilLink

if TYPE_CHECKING:
    from haven.accounts.models import User

FLAGS = ("looked_after", "child_in_need", "child_protection_plan", "young_carer", "missing_education", "send")


def pupil_list_for(user: User, *, filters: dict[str, str] | None = None) -> QuerySet[Pupil]:
    """Pupils at the schools whose records the user may read, filtered.

    Filters: ``school`` (id), ``q`` (name or UPN), ``year`` (year group), ``flag`` (one of
    FLAGS), ``left`` ("1" to include leavers).
    """
    filters = filters or {}
    qs = Pupil.objects.filter(school__in=schools_for(user, Capability.READ_SCHOOL_RECORDS)).select_related("school")
    school_id = parse_id(filters.get("school", ""))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if filters.get("left") != "1":
        qs = qs.filter(left_on__isnull=True)
    if filters.get("year"):
        qs = qs.filter(year_group=filters["year"])
    flag = filters.get("flag")
    if flag == "send":
        qs = qs.exclude(sen_status="N")
    elif flag in FLAGS:
        qs = qs.filter(**{flag: True})
    for term in (filters.get("q") or "").split()[:5]:
        qs = qs.filter(
            Q(legal_surname__icontains=term)
            | Q(legal_forename__icontains=term)
            | Q(preferred_forename__icontains=term)
            | Q(upn__iexact=term)
        )
    return qs.order_by("legal_surname", "legal_forename", "pk")


def pupil_get_for(user: User, pupil_id: int, *, ctx: AuditContext = COMMAND, audit: bool = True) -> Pupil:
    """One pupil's file, if the user may read it; the read is audited. Otherwise 404."""
    pupil = Pupil.objects.select_related("school").filter(pk=pupil_id).first()
    if pupil is None or not can(user, Capability.READ_SCHOOL_RECORDS, school=pupil.school):
        raise deny(
            ctx, actor=user, object_type="people.pupil", object_id=pupil_id, school=pupil.school if pupil else None
        )
    if audit:
        audit_record(Event.PUPIL_VIEWED, ctx=ctx, actor=user, obj=pupil, school=pupil.school)
    return pupil


def pupil_access_log_for(
    user: User, pupil_id: int, *, ctx: AuditContext = COMMAND
) -> tuple[Pupil, QuerySet[AuditEvent]]:
    """Who opened or tried to open this child's records: for the school's DSLs only."""
    pupil = Pupil.objects.select_related("school").filter(pk=pupil_id).first()
    if pupil is None or not can(user, Capability.VIEW_ACCESS_LOG, school=pupil.school):
        raise deny(
            ctx,
            actor=user,
            object_type="people.pupil.access_log",
            object_id=pupil_id,
            school=pupil.school if pupil else None,
        )
    audit_record(
        Event.ACCESS_LOG_VIEWED,
        ctx=ctx,
        actor=user,
        object_type="people.pupil.access_log",
        object_id=pupil.pk,
        school=pupil.school,
    )
    events = (
        AuditEvent.objects.filter(object_type="people.pupil", object_id=str(pupil.pk))
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    return pupil, events


def pupil_for_change(user: User, pupil_id: int, *, ctx: AuditContext = COMMAND) -> Pupil:
    """A child whose page the user may add to (their school's DSLs and deputies); otherwise 404."""
    pupil = Pupil.objects.select_related("school").filter(pk=pupil_id).first()
    if pupil is None or not can(user, Capability.WRITE_SCHOOL_RECORDS, school=pupil.school):
        raise deny(
            ctx, actor=user, object_type="people.pupil", object_id=pupil_id, school=pupil.school if pupil else None
        )
    return pupil


def contacts_of(pupil: Pupil) -> tuple[list[Contact], list[Contact]]:
    """The child's current contacts (in the order to call them), and the ended ones."""
    contacts = list(pupil.contacts.select_related("recorded_by", "ended_by"))
    return [c for c in contacts if c.is_current], [c for c in contacts if not c.is_current]


def links_for(user: User, pupil: Pupil) -> list[tuple[PupilLink, Pupil]]:
    """The children linked to this one now, each only if the user may read that child's
    school's records (a brother at another school stays unseen by this school's staff)."""
    readable = set(schools_for(user, Capability.READ_SCHOOL_RECORDS).values_list("pk", flat=True))
    links = (
        PupilLink.objects.filter(Q(pupil=pupil) | Q(other=pupil), ended_at__isnull=True)
        .select_related("pupil__school", "other__school")
        .order_by("recorded_at", "pk")
    )
    return [(link, other) for link in links if (other := link.other_than(pupil)).school_id in readable]


def _reach(contact: Contact) -> set[str]:
    ways = set()
    if contact.email:
        ways.add(contact.email.strip().lower())
    digits = "".join(ch for ch in contact.phone if ch.isdigit())
    if len(digits) >= 9:
        ways.add(digits[-10:])  # 07700 900123 and +44 7700 900123 alike
    return ways


def link_suggestions(user: User, pupil: Pupil) -> list[tuple[Pupil, Contact]]:
    """Children on roll, at schools the user may read, who share a current contact's phone
    number or email with this child and are not linked to them yet: likely brothers and
    sisters, from the MIS's contact data, for the DSL to confirm (never linked unasked)."""
    mine = list(pupil.contacts.filter(ended_at__isnull=True))
    ways = set().union(*(_reach(c) for c in mine)) if mine else set()
    if not ways:
        return []
    linked = {
        p
        for pair in PupilLink.objects.filter(Q(pupil=pupil) | Q(other=pupil), ended_at__isnull=True).values_list(
            "pupil_id", "other_id"
        )
        for p in pair
    }
    emails = [w for w in ways if "@" in w]
    candidates = (
        Contact.objects.filter(
            ended_at__isnull=True,
            pupil__left_on__isnull=True,
            pupil__school__in=schools_for(user, Capability.READ_SCHOOL_RECORDS),
        )
        .exclude(pupil=pupil)
        .exclude(pupil_id__in=linked)
        .filter(Q(email__in=emails) | ~Q(phone=""))
        .select_related("pupil__school")
    )
    found: dict[int, tuple[Pupil, Contact]] = {}
    for contact in candidates:
        if contact.pupil_id not in found and _reach(contact) & ways:
            found[contact.pupil_id] = (contact.pupil, contact)
    return sorted(found.values(), key=lambda pc: (pc[0].legal_surname, pc[0].legal_forename, pc[0].pk))[:10]


def pupil_to_link(user: User, *, upn: str = "", pupil_id: int | None = None) -> Pupil | None:
    """The child a DSL names to link, by UPN or id, if they may read that child's school."""
    qs = Pupil.objects.filter(school__in=schools_for(user, Capability.READ_SCHOOL_RECORDS)).select_related("school")
    if pupil_id:
        return qs.filter(pk=pupil_id).first()
    # The child on roll first (nulls first on both databases), then the latest to leave.
    return qs.filter(upn=upn).order_by(F("left_on").desc(nulls_first=True), "pk").first() if upn else None
