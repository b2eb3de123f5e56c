"""Alerts for urgent pupil reports, as for urgent concerns (haven.concerns.alerts): every DSL
and deputy of the school, through the outbox (haven.alerts), written in the transaction that
saves the report or the pupil's message. Each alert sent is kept as a :class:`ReportAlert`
(the report page shows who was alerted and when). The email says where to look, never what
the pupil wrote."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from haven.access.policy import Capability, holders_of
from haven.alerts.handlers import register
from haven.alerts.models import OutboxAlert
from haven.alerts.services import alerts_enqueue
from haven.core import clock
from haven.core.links import site_url

if TYPE_CHECKING:
    from .models import PupilReport


def urgent_report_alerts_write(report: PupilReport) -> list[OutboxAlert]:
    inbox = holders_of(Capability.PUPIL_VOICE_INBOX, school_ids=[report.school_id])
    memberships = inbox.select_related("user").order_by("user_id")
    return alerts_enqueue(
        kind=OutboxAlert.Kind.URGENT_REPORT,
        school_id=report.school_id,
        about_id=report.pk,
        reference=report.reference,
        recipients=[m.user for m in memberships],
        subject=f"Urgent pupil report {report.reference} at {report.school.name}",
        body=(
            f"A pupil's report to {report.school.name} ({report.reference}) has words that suggest someone may be "
            f"in danger now. It came in at {timezone.localtime(report.last_activity_at):%H:%M on %d %B %Y}.\n\n"
            f"Open it in Haven: {site_url(reverse('pupil_voice:detail', args=[report.pk]))}\n"
        ),
    )


def _keep_history(alert: OutboxAlert) -> None:
    from .models import ReportAlert

    ReportAlert.objects.create(
        report_id=alert.about_id, recipient_id=alert.recipient_id, sent_at=alert.finished_at or clock.now()
    )


def register_alerts() -> None:
    register(OutboxAlert.Kind.URGENT_REPORT, on_sent=_keep_history)
