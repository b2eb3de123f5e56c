"""DESIGN §3 rule 2: an urgent concern alerts every DSL and deputy of the school at once, and
the headteacher if no DSL has acknowledged it an hour after it was recorded.

Both are written to the outbox (haven.alerts) in the transaction that records the concern:
the DSLs' rows due now, the head's due at recorded_at + 1 hour. At that moment the head's row
is not sent, and recorded as not needed, if a DSL acknowledged the concern meanwhile. Each
alert sent is also kept as an :class:`~haven.concerns.models.Alert`, the concern's own history
of who was told and when."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from haven.access.policy import Capability, holders_of
from haven.alerts.delivery import send_due
from haven.alerts.handlers import register
from haven.alerts.models import OutboxAlert
from haven.alerts.services import alerts_enqueue
from haven.core import clock
from haven.core.links import site_url

if TYPE_CHECKING:
    from haven.accounts.models import User

    from .models import Concern

ESCALATE_AFTER = dt.timedelta(hours=1)
_KIND: dict[str, str] = {OutboxAlert.Kind.URGENT_CONCERN: "urgent", OutboxAlert.Kind.ESCALATION: "escalation"}


def _email(concern: Concern, *, escalation: bool) -> tuple[str, str]:
    # The email says where to look, never what happened: email is not a safe place for it.
    subject = (
        f"Not yet acknowledged: urgent concern {concern.reference}"
        if escalation
        else f"Urgent concern {concern.reference} at {concern.school.name}"
    )
    # The record itself: the DSLs act on it on its triage page, the head reads the concern.
    link = site_url(reverse("concerns:detail" if escalation else "cases:triage", args=[concern.reference]))
    body = (
        f"An urgent safeguarding concern ({concern.reference}) was recorded at {concern.school.name} "
        f"at {timezone.localtime(concern.recorded_at):%H:%M on %d %B %Y}.\n\n"
        + ("No safeguarding lead has acknowledged it within an hour.\n\n" if escalation else "")
        + f"Open it in Haven: {link}\n"
    )
    return subject, body


def _holders(concern: Concern, capability: Capability) -> list[User]:
    memberships = holders_of(capability, school_ids=[concern.school_id]).select_related("user").order_by("user_id")
    return [m.user for m in memberships]


def _write(concern: Concern, *, escalation: bool, due_at: dt.datetime | None = None) -> list[OutboxAlert]:
    subject, body = _email(concern, escalation=escalation)
    return alerts_enqueue(
        kind=OutboxAlert.Kind.ESCALATION if escalation else OutboxAlert.Kind.URGENT_CONCERN,
        school_id=concern.school_id,
        about_id=concern.pk,
        reference=concern.reference,
        recipients=_holders(concern, Capability.URGENT_ESCALATION if escalation else Capability.WRITE_SCHOOL_RECORDS),
        subject=subject,
        body=body,
        due_at=due_at,
    )


def urgent_concern_alerts_write(concern: Concern) -> None:
    """Inside concern_submit's transaction: the DSLs' alerts now, the head's in an hour."""
    _write(concern, escalation=False)
    _write(concern, escalation=True, due_at=concern.recorded_at + ESCALATE_AFTER)


def _escalation_not_needed(alert: OutboxAlert) -> str | None:
    from .models import Concern

    acknowledged = Concern.objects.filter(pk=alert.about_id).values_list("acknowledged_at", flat=True).first()
    return "A safeguarding lead acknowledged the concern first." if acknowledged else None


def _keep_history(alert: OutboxAlert) -> None:
    from .models import Alert

    Alert.objects.create(
        concern_id=alert.about_id,
        kind=_KIND[alert.kind],
        recipient_id=alert.recipient_id,
        sent_at=alert.finished_at or clock.now(),
    )


def register_alerts() -> None:
    register(OutboxAlert.Kind.URGENT_CONCERN, on_sent=_keep_history)
    register(OutboxAlert.Kind.ESCALATION, not_needed=_escalation_not_needed, on_sent=_keep_history)


def escalate_overdue_urgent_concerns() -> int:
    """The escalation safety net (``manage.py escalate_concerns``): write the head's alert for
    any urgent concern still unacknowledged an hour on that has none (one recorded before the
    outbox), then send the escalations due. Returns how many were sent."""
    from .models import Alert, Concern

    missing = (
        Concern.objects.filter(urgent=True, acknowledged_at__isnull=True, recorded_at__lte=clock.now() - ESCALATE_AFTER)
        .exclude(alerts__kind=Alert.Kind.ESCALATION)
        .exclude(pk__in=OutboxAlert.objects.filter(kind=OutboxAlert.Kind.ESCALATION).values("about_id"))
        .select_related("school")
    )
    for concern in missing:
        _write(concern, escalation=True)
    return send_due(kinds=[OutboxAlert.Kind.ESCALATION]).sent
