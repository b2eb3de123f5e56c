"""The annual Section 175 safeguarding audit: a round the local authority opens, one audit per
school, and every submission and return kept as it was (append-only)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from haven.core import clock
from haven.core.numbers import percent


class AuditRound(models.Model):
    """One year's audit for an authority's schools, with the standards as they were when it opened."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="s175_rounds")
    title = models.CharField(max_length=200)
    opens_on = models.DateField()
    due_on = models.DateField()
    standards = models.JSONField(help_text="The standards, copied from haven.compliance.standards when it opened.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "title"], name="s175_round_title_unique"),
            models.CheckConstraint(condition=Q(due_on__gt=F("opens_on")), name="s175_round_due_after_open"),
        ]

    def __str__(self) -> str:
        return self.title


class SchoolAudit(models.Model):
    """A school's self-audit in a round: a draft the school changes (refusing a stale save),
    submitted to the authority, perhaps returned with comments and submitted again."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Not yet submitted"
        SUBMITTED = "submitted", "Submitted"
        RETURNED = "returned", "Returned with comments"

    round = models.ForeignKey(AuditRound, on_delete=models.PROTECT, related_name="audits")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="s175_audits")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # standard key -> {"answer", "evidence", "action", "owner", "due"}
    answers = models.JSONField(default=dict, blank=True)
    staff_total = models.PositiveIntegerField("number of staff", null=True, blank=True)
    staff_trained = models.PositiveIntegerField("staff trained in the last 12 months", null=True, blank=True)
    training_needs = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=clock.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    # Lateness is judged on the first submission: a return after the due date, and the
    # submission that answers it, do not make a school that submitted on time late.
    first_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["school__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "school"], name="s175_one_audit_per_school"),
            models.CheckConstraint(
                condition=Q(staff_trained__isnull=True)
                | Q(staff_total__isnull=True)
                | Q(staff_trained__lte=F("staff_total")),
                name="s175_trained_within_total",
            ),
            models.CheckConstraint(
                condition=~Q(status="submitted") | Q(submitted_at__isnull=False), name="s175_submitted_has_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} – {self.school_id}"

    @property
    def training_percent(self) -> Decimal | None:
        return percent(self.staff_trained, self.staff_total)

    def is_late(self, today: date | None = None) -> bool:
        """First submitted after the due date; or past it and never submitted."""
        if self.first_submitted_at is not None:
            return timezone.localdate(self.first_submitted_at) > self.round.due_on
        return (today or clock.localdate()) > self.round.due_on


class SchoolAuditSubmission(models.Model):
    """One submission exactly as it was sent (append-only)."""

    audit = models.ForeignKey(SchoolAudit, on_delete=models.PROTECT, related_name="submissions")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    answers = models.JSONField()
    staff_total = models.PositiveIntegerField()
    staff_trained = models.PositiveIntegerField()
    training_needs = models.TextField(blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=clock.now)
    late = models.BooleanField(default=False)

    class Meta:
        ordering = ["audit", "number"]
        constraints = [models.UniqueConstraint(fields=["audit", "number"], name="s175_submission_number_unique")]

    def __str__(self) -> str:
        return f"Submission {self.number}"

    @property
    def training_percent(self) -> Decimal | None:
        return percent(self.staff_trained, self.staff_total)


class SchoolAuditReturn(models.Model):
    """The local authority sent a submission back with comments (append-only)."""

    audit = models.ForeignKey(SchoolAudit, on_delete=models.PROTECT, related_name="returns")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    submission = models.ForeignKey(SchoolAuditSubmission, on_delete=models.PROTECT, related_name="returns")
    comments = models.TextField()
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    returned_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["audit", "returned_at", "pk"]

    def __str__(self) -> str:
        return f"Returned {self.returned_at:%d %b %Y}"
