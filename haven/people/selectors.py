"""Reads of pupils, always for an acting user and scoped by :mod:`haven.access`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet

from haven.access.policy import Capability, can, deny, schools_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.audit.services import audit_record
from haven.core.converters import parse_id

from .models import Pupil

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
