"""Reads of child-protection file transfers, always for the acting user.

The sending school's safeguarding leads and head read what it sent; the new school's read
what was sent to them, until it is withdrawn. Anyone else gets 404."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from haven.access.policy import (
    Capability,
    can,
    case_visibility,
    concern_visibility,
    deny,
    may_open_file,
    school_ids_for,
)
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases.models import Case, CaseChild
from haven.cases.schooldays import add_school_days, closures_by_school
from haven.concerns.models import Concern, ConcernChild
from haven.core import clock
from haven.organisations.models import School
from haven.people.models import Pupil
from haven.safety_plans.models import SafetyPlan
from haven.safety_plans.selectors import plan_visibility

from .models import SEND_WITHIN_SCHOOL_DAYS, FileTransfer

if TYPE_CHECKING:
    from haven.accounts.models import User

# Leavers are looked at for this long after they left.
LEAVERS_WINDOW = dt.timedelta(days=365)


def _visibility(user: User) -> Q:
    readers = school_ids_for(user, Capability.READ_SCHOOL_RECORDS)
    return Q(school_id__in=readers) | (Q(to_school_id__in=readers) & ~Q(status=FileTransfer.Status.WITHDRAWN))


def transfers_for(user: User) -> tuple[QuerySet[FileTransfer], QuerySet[FileTransfer]]:
    """(sent by the user's schools, sent to them)."""
    readers = school_ids_for(user, Capability.READ_SCHOOL_RECORDS)
    base = FileTransfer.objects.select_related("pupil", "school", "to_school", "sent_by", "to_pupil")
    outgoing = base.filter(school_id__in=readers)
    incoming = base.filter(to_school_id__in=readers).exclude(status=FileTransfer.Status.WITHDRAWN)
    return outgoing, incoming


def transfer_get_for(user: User, transfer_id: int, *, ctx: AuditContext = COMMAND, audit: bool = True) -> FileTransfer:
    transfer = (
        FileTransfer.objects.filter(_visibility(user), pk=transfer_id)
        .select_related("pupil", "school", "to_school", "sent_by", "received_by", "to_pupil")
        .first()
    )
    if transfer is None:
        school = FileTransfer.objects.filter(pk=transfer_id).values_list("school_id", flat=True).first()
        raise deny(ctx, actor=user, object_type="records.filetransfer", object_id=transfer_id, school=school)
    if audit:
        audit_record(Event.FILE_VIEWED, ctx=ctx, actor=user, obj=transfer, school=_audit_school(user, transfer))
    return transfer


def _audit_school(user: User, transfer: FileTransfer) -> Any:
    """The chain of the school reading it: the sender's, or the new school's."""
    if can(user, Capability.READ_SCHOOL_RECORDS, school=transfer.school):
        return transfer.school
    return transfer.to_school


def side_of(user: User, transfer: FileTransfer) -> dict[str, bool]:
    """What the user may do with this transfer."""
    sender_writes = can(user, Capability.WRITE_SCHOOL_RECORDS, school=transfer.school)
    receiver_writes = transfer.to_school is not None and can(
        user, Capability.WRITE_SCHOOL_RECORDS, school=transfer.to_school
    )
    waiting = transfer.status == FileTransfer.Status.SENT
    return {
        "can_open_file": may_open_file(user, transfer),
        "sender": can(user, Capability.READ_SCHOOL_RECORDS, school=transfer.school),
        "can_confirm": waiting and (receiver_writes if transfer.in_haven else sender_writes),
        "can_withdraw": waiting and sender_writes,
    }


@dataclass
class Leaver:
    pupil: Pupil
    send_by: dt.date

    @property
    def overdue(self) -> bool:
        return self.send_by < clock.localdate()


def _leavers(school_ids: list[int]) -> QuerySet[Pupil]:
    """Children who left these schools in the last year, with something recorded about them
    (named in a concern or a case), whose file has not been sent (or only to be withdrawn)."""
    today = clock.localdate()
    concerned = ConcernChild.objects.filter(pupil_id=OuterRef("pk"))
    in_case = CaseChild.objects.filter(pupil_id=OuterRef("pk"))
    sent = FileTransfer.objects.filter(pupil_id=OuterRef("pk")).exclude(status=FileTransfer.Status.WITHDRAWN)
    return (
        Pupil.objects.filter(school_id__in=school_ids, left_on__isnull=False, left_on__gte=today - LEAVERS_WINDOW)
        .filter(Exists(concerned) | Exists(in_case))
        .exclude(Exists(sent))
    )


def leavers_to_send_for(user: User, *, school_ids: list[int] | None = None) -> list[Leaver]:
    """The file must follow the child: leavers of the user's schools whose file is still to send."""
    ids = school_ids if school_ids is not None else school_ids_for(user, Capability.WRITE_SCHOOL_RECORDS)
    if not ids:
        return []
    pupils = list(_leavers(ids).select_related("school").order_by("left_on", "legal_surname", "pk")[:500])
    if not pupils:
        return []
    left = [(p, p.left_on) for p in pupils if p.left_on is not None]  # all of them (_leavers)
    closures = closures_by_school(ids, since=min(left_on for _, left_on in left))
    return [
        Leaver(p, add_school_days(left_on, SEND_WITHIN_SCHOOL_DAYS, closures.get(p.school_id, [])))
        for p, left_on in left
    ]


def leaver_counts(school_ids: list[int]) -> dict[int, int]:
    """How many leavers of each school have a file still to send (one query)."""
    from django.db.models import Count

    if not school_ids:
        return {}
    return dict(_leavers(school_ids).order_by().values_list("school_id").annotate(n=Count("id")))


def waiting_counts(school_ids: list[int]) -> dict[int, int]:
    """Files sent to each of these schools and not yet confirmed received (one query)."""
    from django.db.models import Count

    if not school_ids:
        return {}
    return dict(
        FileTransfer.objects.filter(to_school_id__in=school_ids, status=FileTransfer.Status.SENT)
        .values_list("to_school_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def file_read_for(user: User, transfer_id: int, *, ctx: AuditContext = COMMAND, part: str = "pdf") -> FileTransfer:
    """The file itself (``part`` "pdf") or its attachments ("archive"): the same people (see
    :func:`may_open_file`), each read recorded as an export."""
    transfer = transfer_get_for(user, transfer_id, ctx=ctx, audit=False)
    if part == "archive" and not transfer.archive:
        raise Http404  # no attachments travel with this file: nothing to download, nothing recorded
    if not may_open_file(user, transfer):
        raise deny(
            ctx,
            actor=user,
            object_type="records.filetransfer.file",
            object_id=transfer.pk,
            school=_audit_school(user, transfer),
            reason="restricted",
        )
    audit_record(
        Event.FILE_DOWNLOADED,
        ctx=ctx,
        actor=user,
        obj=transfer,
        school=_audit_school(user, transfer),
        extra={"format": "zip", "sha256": transfer.archive_sha256}
        if part == "archive"
        else {"format": "pdf", "sha256": transfer.sha256},
    )
    return transfer


def transfers_of_pupil(user: User, pupil: Pupil) -> list[FileTransfer]:
    """For a child's page: files sent from this record, and files received into it."""
    return list(
        FileTransfer.objects.filter(_visibility(user))
        .filter(Q(pupil=pupil) | Q(to_pupil=pupil))
        .select_related("school", "to_school")
        .order_by("-sent_at", "-pk")
    )


@dataclass
class ChildRecords:
    """Everything Haven holds about one child that the reader may see, newest first."""

    concerns: list[Concern]
    cases: list[Case]
    plans: list[SafetyPlan]


def child_records_for(user: User, pupil: Pupil) -> ChildRecords:
    """The concerns naming the child (a pupil's report made into a concern among them), the
    cases the child is in and their safety plans, as far as the reader may see each (a
    restricted case the reader is not named on, and its plans, are left out). Four queries."""
    concerns = list(
        Concern.objects.filter(concern_visibility(user), children__pupil=pupil)
        .select_related("case", "recorded_by")
        .prefetch_related("categories")
        .distinct()
        .order_by("-occurred_at", "-pk")[:200]
    )
    cases = list(
        Case.objects.filter(case_visibility(user), children__pupil=pupil).distinct().order_by("-opened_at", "-pk")
    )
    plans = list(
        SafetyPlan.objects.filter(plan_visibility(user), pupil=pupil)
        .select_related("case")
        .order_by("-created_at", "-pk")
    )
    return ChildRecords(concerns=concerns, cases=cases, plans=plans)


def destination_schools(pupil: Pupil) -> list[Any]:
    """Every other school on Haven, by name: where a child's file can go in the system."""

    return list(School.objects.exclude(pk=pupil.school_id).order_by("name", "pk").only("name", "urn"))
