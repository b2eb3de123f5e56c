"""DSL network meetings (county review: local and pyramid DSL meetings to share practice).

An LA officer schedules a meeting for a pyramid (or the whole authority); the DSLs and
deputies of its schools are invited, attendance and minutes are recorded after it, and
actions with an owner and a due date stay open, carried to each later meeting of the same
pyramid, until they are done. Times are stored in UTC and shown in Europe/London.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.crypto import constant_time_compare, salted_hmac

from haven.core import clock


def new_feed_key() -> str:
    return secrets.token_hex(16)


class Meeting(models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="network_meetings")
    pyramid = models.ForeignKey(
        "organisations.Pyramid",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        help_text="Empty for a meeting of the whole authority.",
    )
    title = models.CharField(max_length=200)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    agenda = models.TextField(blank=True)
    venue = models.CharField(max_length=300, blank=True)
    online_link = models.URLField(blank=True, max_length=500)
    schools = models.ManyToManyField("organisations.School", related_name="network_meetings", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    minutes = models.TextField(blank=True)
    minutes_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    minutes_at = models.DateTimeField(null=True, blank=True)
    # A stable identifier for calendar apps (RFC 5545 UID).
    uid = models.CharField(max_length=64, unique=True, default=secrets.token_hex)

    class Meta:
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="meeting_ends_after_start"),
        ]
        indexes = [models.Index(fields=["authority", "pyramid", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def group_name(self) -> str:
        return self.pyramid.name if self.pyramid_id and self.pyramid else "Whole authority"

    @property
    def is_past(self) -> bool:
        return self.starts_at <= clock.now()


class Invitation(models.Model):
    class Attendance(models.TextChoices):
        UNKNOWN = "", "Not recorded"
        PRESENT = "present", "Present"
        APOLOGIES = "apologies", "Apologies"
        ABSENT = "absent", "Absent"

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="network_invitations")
    school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attendance = models.CharField(max_length=12, choices=Attendance.choices, blank=True, default="")

    class Meta:
        ordering = ["user__full_name", "pk"]
        constraints = [models.UniqueConstraint(fields=["meeting", "user"], name="invitation_once_per_meeting")]

    def __str__(self) -> str:
        return f"{self.user} to {self.meeting}"


class ActionItem(models.Model):
    """An action agreed at a meeting; open ones appear on every later meeting of the pyramid."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DROPPED = "dropped", "No longer needed"

    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="actions")
    text = models.CharField(max_length=500)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="network_actions")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["status", "due_on"])]

    def __str__(self) -> str:
        return self.text


class Reminder(models.Model):
    """Each reminder email sent, so none is sent twice."""

    class Kind(models.TextChoices):
        MEETING = "meeting", "Meeting tomorrow"
        ACTION_DUE = "action_due", "Action due"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    action = models.ForeignKey(ActionItem, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "recipient"], condition=Q(kind="meeting"), name="reminder_meeting_once"
            ),
            models.UniqueConstraint(
                fields=["action", "recipient"], condition=Q(kind="action_due"), name="reminder_action_once"
            ),
            models.CheckConstraint(
                condition=(Q(kind="meeting", meeting__isnull=False, action__isnull=True))
                | Q(kind="action_due", action__isnull=False, meeting__isnull=True),
                name="reminder_names_its_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient}"


class FeedToken(models.Model):
    """A secret for a person's calendar links: calendar apps cannot sign in.

    The database keeps only the token's public half (``key``); the secret half is an HMAC of
    it under the site's SECRET_KEY, so a copy of the database alone opens no feed. Revoking
    marks the token revoked; the page then offers a new one.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feed_tokens")
    key = models.CharField(max_length=32, unique=True, default=new_feed_key)
    created_at = models.DateTimeField(default=clock.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(revoked_at__isnull=True), name="feed_token_one_live")
        ]

    def __str__(self) -> str:
        return f"Calendar link of {self.user}"

    @staticmethod
    def _signature(key: str) -> str:
        return salted_hmac("haven.network.FeedToken", key, algorithm="sha256").hexdigest()[:32]

    @property
    def token(self) -> str:
        return f"{self.key}{self._signature(self.key)}"

    @classmethod
    def split(cls, token: str) -> str | None:
        """The key of a well-signed token, or None."""
        if len(token) != 64:
            return None
        key, signature = token[:32], token[32:]
        return key if constant_time_compare(signature, cls._signature(key)) else None
