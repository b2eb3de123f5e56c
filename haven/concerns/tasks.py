"""Background work about concerns, through the django-tasks API (DESIGN §6).

Urgent concerns' alerts go through the outbox (haven.concerns.alerts, haven.alerts). These two
tasks remain for tasks queued before it: each writes what the outbox lacks and sends it."""

from __future__ import annotations

from django_tasks import task

from haven.alerts.delivery import send_due
from haven.alerts.models import OutboxAlert

from .alerts import ESCALATE_AFTER, escalate_overdue_urgent_concerns, urgent_concern_alerts_write

__all__ = ["ESCALATE_AFTER", "escalate_overdue_urgent_concerns", "urgent_concern_alert", "urgent_concern_escalate"]


@task()
def urgent_concern_alert(concern_id: int) -> int:
    """DESIGN §3 rule 2 (queued before the outbox): write the concern's alerts if it has none, send what is due."""
    from django.db import transaction

    from .models import Concern

    kinds = [OutboxAlert.Kind.URGENT_CONCERN, OutboxAlert.Kind.ESCALATION]
    with transaction.atomic():
        concern = Concern.objects.select_related("school").get(pk=concern_id)
        if not concern.alerts.exists() and not OutboxAlert.objects.filter(kind__in=kinds, about_id=concern_id).exists():
            urgent_concern_alerts_write(concern)
    return send_due(kinds=kinds).sent


@task()
def urgent_concern_escalate(concern_id: int) -> int:
    """The hour-later check (queued before the outbox): the escalation safety net."""
    return escalate_overdue_urgent_concerns()
