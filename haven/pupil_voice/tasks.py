"""Alerts for urgent pupil reports go through the outbox (haven.pupil_voice.alerts). This task
remains for alerts queued before it: it writes the report's alerts and sends what is due."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from haven.alerts.delivery import send_due
from haven.alerts.models import OutboxAlert

from .alerts import urgent_report_alerts_write


@task()
def urgent_report_alert(report_id: int) -> int:
    from .models import PupilReport

    with transaction.atomic():
        urgent_report_alerts_write(PupilReport.objects.select_related("school").get(pk=report_id))
    return send_due(kinds=[OutboxAlert.Kind.URGENT_REPORT]).sent
