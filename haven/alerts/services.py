"""Writing alerts into the outbox (haven.alerts.models), inside the record's own transaction."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction

from haven.accounts.models import User
from haven.core import clock

from .models import OutboxAlert

logger = logging.getLogger(__name__)


def alerts_enqueue(
    *,
    kind: str,
    school_id: int,
    about_id: int,
    reference: str,
    recipients: Iterable[User],
    subject: str,
    body: str,
    due_at: dt.datetime | None = None,
) -> list[OutboxAlert]:
    """One outbox row per recipient (each person once), due at ``due_at`` (now by default).

    Call it inside the transaction that writes the record: the rows commit with it or not at
    all. After the commit the worker is asked to send them at once (and, for a later
    ``due_at``, at that moment); the minute sweep (``manage.py send_alerts``) sends them
    whatever happens to the worker. Recipients are decided now; one whose account is
    inactive at send time is skipped and that is recorded."""
    now = clock.now()
    due = due_at or now
    seen: set[int] = set()
    rows = []
    for user in recipients:
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        rows.append(
            OutboxAlert(
                kind=kind,
                school_id=school_id,
                about_id=about_id,
                reference=reference,
                recipient=user,
                subject=subject,
                body=body,
                created_at=now,
                due_at=due,
                next_attempt_at=due,
            )
        )
    OutboxAlert.objects.bulk_create(rows)
    if rows:
        transaction.on_commit(lambda: _wake_the_worker(due if due > now else None))
    return rows


def _wake_the_worker(later: dt.datetime | None) -> None:
    """Ask the worker to send now (or at ``later``). A failure here must not fail the request
    that has already saved the record: the rows are in the outbox and the sweep sends them."""
    from .tasks import send_due_alerts

    try:
        if later is None:
            send_due_alerts.enqueue()
        elif send_due_alerts.get_backend().supports_defer:
            send_due_alerts.using(run_after=later).enqueue()
    except Exception:
        logger.exception("Could not ask the worker to send alerts; the minute sweep will send them.")
