"""Reads of pupil reports for an acting user, scoped by haven.access."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest

from haven.access.policy import Capability, deny, schools_for
from haven.audit.models import Action
from haven.audit.services import audit_record

from .models import PupilReport

FILTERS = {
    "new": ("New", Q(status=PupilReport.Status.NEW)),
    "waiting": ("Pupil waiting for an answer", Q(pupil_wrote_last=True) & ~Q(status=PupilReport.Status.NEW)),
    "urgent": ("Urgent", Q(urgent=True)),
    "open": ("Open", Q(status__in=[PupilReport.Status.NEW, PupilReport.Status.OPEN])),
    "converted": ("Made into a concern", Q(status=PupilReport.Status.CONVERTED)),
    "closed": ("Closed", Q(status__in=[PupilReport.Status.CLOSED, PupilReport.Status.MALICIOUS])),
    "all": ("All", Q()),
}


def report_list_for(user: Any, *, show: str = "open", school_id: int | None = None) -> QuerySet[PupilReport]:
    """Reports at the schools whose inbox the user keeps: urgent first, newest first."""
    qs = PupilReport.objects.filter(school__in=schools_for(user, Capability.PUPIL_VOICE_INBOX))
    if school_id:
        qs = qs.filter(school_id=school_id)
    qs = qs.filter(FILTERS.get(show, FILTERS["open"])[1])
    return (
        qs.select_related("school", "concern")
        .annotate(message_count=Count("messages"))
        .order_by("-urgent", "-created_at", "-pk")
    )


def new_report_count_for(user: Any) -> int:
    return PupilReport.objects.filter(
        school__in=schools_for(user, Capability.PUPIL_VOICE_INBOX), status=PupilReport.Status.NEW
    ).count()


def report_get_for(user: Any, report_id: int, *, request: HttpRequest | None = None) -> PupilReport:
    """One report, or the same 404 as a missing one; every read is audited."""
    report = PupilReport.objects.select_related("school", "concern", "closed_by").filter(pk=report_id).first()
    if report is None or not schools_for(user, Capability.PUPIL_VOICE_INBOX).filter(pk=report.school_id).exists():
        raise deny(
            request,
            object_type="pupil_voice.pupilreport",
            object_id=report_id,
            school=report.school if report else None,
            reason="pupil voice inbox",
        )
    audit_record(action=Action.VIEW, actor=user, request=request, obj=report, school=report.school_id)
    return report
