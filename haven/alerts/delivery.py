"""Sending the outbox (haven.alerts.models): one row at a time, each in its own transaction.

A sender claims a row with a short lease before sending it, so two sweeps (cron and the
worker, or two servers) never send the same row at once: on PostgreSQL the claim takes the
row with ``SELECT ... FOR UPDATE SKIP LOCKED``; on SQLite, which has one writer at a time, an
``UPDATE ... WHERE`` the lease is free. The email goes outside any transaction; its outcome
is then recorded with the row (an :class:`Attempt` each time). So a failure for the third of
three recipients leaves the first two recorded as told and only the third to try again.

A failed row waits 1, 2, 4, 8 then 15 minutes between tries, for ever: an urgent alert is
never given up; after a few failures the banner on DSLs' and administrators' pages and
/healthz say so (haven.alerts.selectors). While rows wait, each sweep (every minute) tries one
of them early as a probe; when the mail server answers again, every row waiting because the
server was away is due at once, so alerts go out within a minute or two of it coming back,
not up to 15 minutes later.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Q

from haven.accounts.models import User
from haven.core import clock

from .handlers import handler_for
from .models import Attempt, OutboxAlert

logger = logging.getLogger(__name__)

LEASE = dt.timedelta(minutes=5)  # longer than an SMTP try can take (settings.EMAIL_TIMEOUT)
BACKOFF_CAP = dt.timedelta(minutes=15)
# Several failures in a row that are not one address's refusal mean the mail server is down:
# stop this sweep there rather than wait on it for every row (the next sweep tries again).
STOP_AFTER_SERVER_FAILURES = 3
REFUSED = "refused"  # deliver()'s outcome when the server refused the address: recorded as failed


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the ``attempts``-th failure: 1, 2, 4, 8, then 15 minutes."""
    return min(dt.timedelta(minutes=2 ** (max(attempts, 1) - 1)), BACKOFF_CAP)


@dataclass
class SweepResult:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    cancelled: int = 0


def _due(now: dt.datetime) -> Q:
    return Q(status=OutboxAlert.Status.PENDING, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )


def _probe(now: dt.datetime) -> Q:
    """A row waiting out its backoff after the server was away (not refused by it); never
    one not yet due at all (the head's escalation waits its hour)."""
    return Q(
        status=OutboxAlert.Status.PENDING, next_attempt_at__gt=now, first_failed_at__isnull=False, last_refused=False
    ) & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))


def _claim(now: dt.datetime, kinds: Sequence[str] | None, *, probe: bool = False) -> OutboxAlert | None:
    """Take the next due row (or, as a probe, the next waiting one) with a lease, or ``None``."""
    lease_free = _probe(now) if probe else _due(now)
    due = OutboxAlert.objects.filter(lease_free)
    if kinds:
        due = due.filter(kind__in=kinds)
    due = due.order_by("next_attempt_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            row = due.select_for_update(skip_locked=True).first()
            if row is not None:
                row.claimed_until = now + LEASE
                row.save(update_fields=["claimed_until"])
            return row
    for pk in due.values_list("pk", flat=True)[:50]:
        if OutboxAlert.objects.filter(lease_free, pk=pk).update(claimed_until=now + LEASE):
            return OutboxAlert.objects.get(pk=pk)
    return None


def _finish(row: OutboxAlert, *, status: str, outcome: str, error: str = "") -> None:
    now = clock.now()
    with transaction.atomic():
        row.status = status
        row.finished_at = now
        row.claimed_until = None
        row.save(update_fields=["status", "finished_at", "claimed_until"])
        Attempt.objects.create(alert=row, at=now, outcome=outcome, error=error[:500])
        on_sent = handler_for(row.kind).on_sent
        if status == OutboxAlert.Status.SENT and on_sent is not None:
            on_sent(row)


def _failed(row: OutboxAlert, error: str, *, refused: bool) -> None:
    now = clock.now()
    with transaction.atomic():
        row.attempts += 1
        row.first_failed_at = row.first_failed_at or now
        row.last_error = error[:500]
        row.last_refused = refused
        row.next_attempt_at = now + backoff(row.attempts)
        row.claimed_until = None
        row.save(
            update_fields=[
                "attempts",
                "first_failed_at",
                "last_error",
                "last_refused",
                "next_attempt_at",
                "claimed_until",
            ]
        )
        Attempt.objects.create(alert=row, at=now, outcome=Attempt.Outcome.FAILED, error=error[:500])


def deliver(row: OutboxAlert) -> str:
    """Send one claimed row and record what came of it; returns the attempt's outcome."""
    recipient = User.objects.get(pk=row.recipient_id)
    if not recipient.is_active:
        _finish(
            row, status=OutboxAlert.Status.SKIPPED, outcome=Attempt.Outcome.SKIPPED, error="The account is inactive."
        )
        return Attempt.Outcome.SKIPPED
    not_needed = handler_for(row.kind).not_needed
    reason = not_needed(row) if not_needed is not None else None
    if reason:
        _finish(row, status=OutboxAlert.Status.CANCELLED, outcome=Attempt.Outcome.CANCELLED, error=reason)
        return Attempt.Outcome.CANCELLED
    try:
        send_mail(row.subject, row.body, None, [recipient.email])
    except Exception as exc:  # any failure to hand the email over is retried, never dropped
        logger.warning("Alert %s to user %s not sent: %s", row.pk, row.recipient_id, type(exc).__name__)
        refused = isinstance(exc, smtplib.SMTPRecipientsRefused)
        _failed(row, f"{type(exc).__name__}: {exc}", refused=refused)
        return REFUSED if refused else Attempt.Outcome.FAILED
    _finish(row, status=OutboxAlert.Status.SENT, outcome=Attempt.Outcome.SENT)
    return Attempt.Outcome.SENT


def send_due(*, kinds: Sequence[str] | None = None, limit: int | None = None) -> SweepResult:
    """Send every row due now (of ``kinds``, or all), one at a time; safe to run concurrently.

    With nothing due, one row waiting out its backoff is tried as a probe; if the server
    takes it (or took any due row), every row waiting because the server was away is made
    due and sent in this sweep."""
    result = SweepResult()
    server_up = _send_loop(result, kinds=kinds, limit=limit)
    if server_up is None:  # nothing was due: probe
        row = _claim(clock.now(), kinds, probe=True)
        if row is not None:
            server_up = _tally(result, deliver(row)) == Attempt.Outcome.SENT
    if server_up:
        waiting = OutboxAlert.objects.filter(_probe(clock.now()))
        if kinds:
            waiting = waiting.filter(kind__in=kinds)
        if waiting.update(next_attempt_at=clock.now()):
            _send_loop(result, kinds=kinds, limit=limit)
    return result


def _tally(result: SweepResult, outcome: str) -> str:
    if outcome == Attempt.Outcome.SENT:
        result.sent += 1
    elif outcome in (Attempt.Outcome.FAILED, REFUSED):
        result.failed += 1
    elif outcome == Attempt.Outcome.SKIPPED:
        result.skipped += 1
    else:
        result.cancelled += 1
    return outcome


def _send_loop(result: SweepResult, *, kinds: Sequence[str] | None, limit: int | None) -> bool | None:
    """Send due rows until none is left (or ``limit``, or the server looks down). Returns
    whether the server took an email (``True``), failed (``False``), or was not asked (``None``)."""
    server_up: bool | None = None
    server_failures = 0
    handled = 0
    while limit is None or handled < limit:
        row = _claim(clock.now(), kinds)
        if row is None:
            break
        handled += 1
        outcome = _tally(result, deliver(row))
        if outcome == Attempt.Outcome.SENT:
            server_up, server_failures = True, 0
        elif outcome == Attempt.Outcome.FAILED:
            server_up = server_up or False
            server_failures += 1
            if server_failures >= STOP_AFTER_SERVER_FAILURES:
                break
        elif outcome == REFUSED:
            server_up, server_failures = True, 0  # the server answered: it is up
    return server_up
