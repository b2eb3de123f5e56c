"""Every read about the Section 175 audit, scoped through haven.access.policy."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, QuerySet

from haven.access.policy import Capability, authorities_for, can, deny, may_collect_s175, schools_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.numbers import percent

from . import standards
from .models import AuditRound, SchoolAudit

if TYPE_CHECKING:
    from haven.accounts.models import User


def audits_for(user: User) -> QuerySet[SchoolAudit]:
    """Audits of the schools the user completes or reads (not the authority-wide list)."""
    return (
        SchoolAudit.objects.filter(school__in=schools_for(user, Capability.S175_READ).values("pk"))
        .select_related("round", "school")
        .order_by("-round__opens_on", "school__name", "pk")
    )


def rounds_for(user: User) -> QuerySet[AuditRound]:
    """Rounds of the authorities whose audit the user collects, with completion counts."""
    ids = [a.pk for a in authorities_for(user, Capability.S175_COLLECT)]
    return (
        AuditRound.objects.filter(authority_id__in=ids)
        .select_related("authority")
        .annotate(
            total=Count("audits", distinct=True),
            submitted=Count("audits", filter=Q(audits__status=SchoolAudit.Status.SUBMITTED), distinct=True),
        )
        .order_by("-opens_on", "-pk")
    )


def round_get_for(user: User, round_id: int, *, ctx: AuditContext = COMMAND) -> AuditRound:
    audit_round = AuditRound.objects.select_related("authority").filter(pk=round_id).first()
    if audit_round is None or not may_collect_s175(user, audit_round.authority_id):
        raise deny(ctx, actor=user, object_type="compliance.auditround", object_id=round_id)
    return audit_round


def audit_get_for(user: User, audit_id: int, *, ctx: AuditContext = COMMAND) -> SchoolAudit:
    """One school's audit for its completers and readers and the authority's officers; 404
    (recorded) for anyone else. The read is audited."""
    audit = SchoolAudit.objects.select_related("round", "school", "submitted_by").filter(pk=audit_id).first()
    if audit is None:
        raise deny(ctx, actor=user, object_type="compliance.schoolaudit", object_id=audit_id)
    # The round's authority, not the school's today: a school that moves authority stays in
    # the round it was audited in, for that round's officers.
    if not (can(user, Capability.S175_READ, school=audit.school) or may_collect_s175(user, audit.round.authority_id)):
        raise deny(ctx, actor=user, object_type="compliance.schoolaudit", object_id=audit_id, school=audit.school)
    audit_record(Event.S175_VIEWED, ctx=ctx, actor=user, obj=audit, school=audit.school_id)
    return audit


def history_of(audit: SchoolAudit) -> list[tuple[str, Any]]:
    """Submissions and returns, oldest first, as ("submitted", row) and ("returned", row)."""
    rows: list[tuple[Any, str, Any]] = [
        (s.submitted_at, "submitted", s) for s in audit.submissions.select_related("submitted_by")
    ]
    rows += [(r.returned_at, "returned", r) for r in audit.returns.select_related("returned_by")]
    return [(kind, row) for _, kind, row in sorted(rows, key=lambda r: (r[0], r[1] == "returned"))]


@dataclass
class StandardTally:
    standard: dict[str, Any]
    met: int = 0
    partly: int = 0
    not_met: int = 0
    of: int = 0

    def share(self, n: int) -> Decimal | None:
        return percent(n, self.of)

    @property
    def met_percent(self) -> Decimal | None:
        return self.share(self.met)

    @property
    def partly_percent(self) -> Decimal | None:
        return self.share(self.partly)

    @property
    def not_met_percent(self) -> Decimal | None:
        return self.share(self.not_met)


@dataclass
class RoundSummary:
    audits: list[SchoolAudit]
    tallies: list[StandardTally] = field(default_factory=list)

    @property
    def submitted(self) -> list[SchoolAudit]:
        return [a for a in self.audits if a.status == SchoolAudit.Status.SUBMITTED]


def round_summary(audit_round: AuditRound) -> RoundSummary:
    """Each school's status and, across the submitted audits, how many schools met each
    standard. Two queries, whatever the number of schools."""
    audits = list(audit_round.audits.select_related("school").order_by("school__name", "pk"))
    for a in audits:
        a.round = audit_round  # already loaded: is_late reads the due date
    summary = RoundSummary(audits=audits)
    for standard in audit_round.standards:
        tally = StandardTally(standard=standard)
        for a in summary.submitted:
            answer = (a.answers.get(standard["key"]) or {}).get("answer")
            if answer == standards.MET:
                tally.met += 1
            elif answer == standards.PARTLY:
                tally.partly += 1
            elif answer == standards.NOT_MET:
                tally.not_met += 1
            tally.of += 1
        summary.tallies.append(tally)
    return summary


def open_audits_to_complete(user: User, school_ids: list[int]) -> list[SchoolAudit]:
    """Open audits not yet submitted at these schools (for the home page): one query."""

    if not school_ids:
        return []
    return list(
        SchoolAudit.objects.filter(
            school_id__in=school_ids,
            status__in=(SchoolAudit.Status.DRAFT, SchoolAudit.Status.RETURNED),
            round__opens_on__lte=clock.localdate(),
        )
        .select_related("round", "school")
        .order_by("round__due_on", "school__name")
    )
