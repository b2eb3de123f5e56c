"""The outbox: one row per alert and recipient, written in the same transaction as the record
that calls for it, so an alert is never lost between the record and the email.

``manage.py send_alerts`` (every minute, and the worker straight after each record) sends
what is due (haven.alerts.delivery). Each try is an :class:`Attempt` with its outcome and
error; a failed alert stays due with a growing wait (1, 2, 4, 8 then every 15 minutes) and is
never given up. The email says where to look, never what happened: the subject and body
written here carry a reference and a link, no narrative.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.core import clock


class OutboxAlert(models.Model):
    """One email alert to one person about one record (a concern, a pupil's report, a transfer)."""

    class Kind(models.TextChoices):
        URGENT_CONCERN = "urgent_concern", "Urgent concern"
        ESCALATION = "escalation", "Urgent concern not acknowledged within an hour"
        URGENT_REPORT = "urgent_report", "Urgent pupil report"
        TRANSFER_WAITING = "transfer_waiting", "Child-protection file waiting"
        OVERDUE_OUTCOME = "overdue_outcome", "Referral outcome overdue"

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENT = "sent", "Sent"
        SKIPPED = "skipped", "Not sent: the account was inactive"
        CANCELLED = "cancelled", "Not sent: no longer needed"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    # The record the alert is about (a concern, report or transfer of ``kind``), by id: the
    # outbox sits below the apps whose records it carries (.importlinter).
    about_id = models.PositiveBigIntegerField()
    reference = models.CharField(max_length=40, blank=True)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=clock.now)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    next_attempt_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # The last failure was the mail server refusing this address (550), not the server away.
    last_refused = models.BooleanField(default=False)
    finished_at = models.DateTimeField(null=True, blank=True)
    # A sender's lease: another sweep leaves the row alone until it runs out.
    claimed_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="alerts_outbox_due"),
            models.Index(fields=["kind", "about_id"], name="alerts_outbox_about"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="pending", finished_at__isnull=True)
                | (~Q(status="pending") & Q(finished_at__isnull=False)),
                name="alerts_outbox_finished_unless_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference} to user {self.recipient_id}"


class Attempt(models.Model):
    """One try at sending an alert: when, what came of it, and the error (never the record's words)."""

    class Outcome(models.TextChoices):
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped: the account is inactive"
        CANCELLED = "cancelled", "Not needed"

    alert = models.ForeignKey(OutboxAlert, on_delete=models.PROTECT, related_name="attempt_log")
    at = models.DateTimeField(default=clock.now)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} at {self.at:%Y-%m-%d %H:%M}"
