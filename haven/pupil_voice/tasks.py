"""Alerts for urgent pupil reports, as for urgent concerns (haven.concerns.tasks)."""

from __future__ import annotations

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from haven.access.policy import Capability, holders_of
from haven.core.links import site_url


@task()
def urgent_report_alert(report_id: int) -> int:
    """Email every DSL and deputy of the school at once and record each alert. The email
    says where to look, never what the pupil wrote."""
    from .models import PupilReport, ReportAlert

    report = PupilReport.objects.select_related("school").get(pk=report_id)
    recipients = (
        holders_of(Capability.PUPIL_VOICE_INBOX, school_ids=[report.school_id])
        .select_related("user")
        .order_by("user_id")
    )
    subject = f"Urgent pupil report {report.reference} at {report.school.name}"
    body = (
        f"A pupil's report to {report.school.name} ({report.reference}) has words that suggest someone may be "
        f"in danger now. It came in at {timezone.localtime(report.last_activity_at):%H:%M on %d %B %Y}.\n\n"
        f"Open it in Haven: {site_url(reverse('pupil_voice:detail', args=[report.pk]))}\n"
    )
    sent = 0
    seen: set[int] = set()
    with transaction.atomic():
        for membership in recipients:
            if membership.user_id in seen or not membership.user.is_active:
                continue
            seen.add(membership.user_id)
            send_mail(subject, body, None, [membership.user.email])
            ReportAlert.objects.create(report=report, recipient=membership.user)
            sent += 1
    return sent
