"""Reads of the outbox: is email delivery failing, for the banner and for /healthz.

Delivery is failing when an alert still waiting has failed for more than five minutes, or
three times (the waits between tries are 1, 2 and 4 minutes, so three failures is about
seven minutes of trying). The outbox holds no record's words, so these reads are
operational, not reads of safeguarding content, and are not audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from haven.access.policy import Capability, has_any, school_ids_for
from haven.accounts.models import User
from haven.core import clock

from .models import Attempt, OutboxAlert

FAILING_AFTER = dt.timedelta(minutes=5)
FAILING_ATTEMPTS = 3
# The sweep runs every minute: an alert due ten minutes ago and never tried means no sweep runs.
UNSENT_STALE_AFTER = dt.timedelta(minutes=10)


def failing_q(now: dt.datetime) -> Q:
    return Q(status=OutboxAlert.Status.PENDING) & (
        Q(first_failed_at__lte=now - FAILING_AFTER) | Q(attempts__gte=FAILING_ATTEMPTS)
    )


@dataclass(frozen=True)
class DeliveryBanner:
    """What the banner says: when an alert was last sent, and whether the reader has a dashboard."""

    last_sent_at: dt.datetime | None
    reads_dashboard: bool


def delivery_banner_for(user: User) -> DeliveryBanner | None:
    """The failing-email banner for a DSL, deputy or administrator of a school whose alerts are
    failing (haven.access: ALERT_DELIVERY_STATUS); ``None`` for everyone else. One query on a
    page where nothing is failing."""
    school_ids = school_ids_for(user, Capability.ALERT_DELIVERY_STATUS)
    if not school_ids:
        return None
    now = clock.now()
    if not OutboxAlert.objects.filter(failing_q(now), school_id__in=school_ids).exists():
        return None
    last = (
        OutboxAlert.objects.filter(status=OutboxAlert.Status.SENT, school_id__in=school_ids)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    return DeliveryBanner(last_sent_at=last, reads_dashboard=has_any(user, Capability.READ_SCHOOL_RECORDS))


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def outbox_health(now: dt.datetime) -> dict[str, Any]:
    """The outbox's part of /healthz ``alerts``: the oldest unsent alert and failing delivery.
    No addresses, references or error text: /healthz answers anyone."""
    waiting = OutboxAlert.objects.filter(status=OutboxAlert.Status.PENDING, due_at__lte=now)
    oldest = waiting.order_by("due_at").values_list("due_at", flat=True).first()
    failing = OutboxAlert.objects.filter(failing_q(now)).count()
    last_sent = (
        OutboxAlert.objects.filter(status=OutboxAlert.Status.SENT)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )
    last_failed = (
        Attempt.objects.filter(outcome=Attempt.Outcome.FAILED).order_by("-at").values_list("at", flat=True).first()
    )
    if failing:
        delivery = "failing"
    elif oldest is not None and now - oldest > UNSENT_STALE_AFTER:
        delivery = "stale"
    else:
        delivery = "ok"
    return {
        "delivery": delivery,
        "unsent": waiting.count(),
        "oldest_unsent_since": _iso(oldest),
        "oldest_unsent_seconds": int((now - oldest).total_seconds()) if oldest else None,
        "failing_deliveries": failing,
        "last_sent_at": _iso(last_sent),
        "last_failed_at": _iso(last_failed),
    }
