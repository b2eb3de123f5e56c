"""Pupil voice: a child tells the school, with no account, and can read replies later.

A report keeps nothing that identifies the device it came from: no network address, no
user agent (the audit events of pupil actions carry neither). The pupil comes back with a
reference and a passphrase; only a slow hash of the passphrase is stored. Reports are
concerns to triage, never automatic sanctions (DESIGN §11): a DSL may convert one into a
concern, close it with a reason, or mark it as malicious with a reason.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.core import clock
from haven.core.fields import EncryptedTextField

if TYPE_CHECKING:
    from haven.audit.services import AuditOrganisation


class Where(models.TextChoices):
    """Hot spots (DESIGN §2), in words a child uses; mapped to a concern's location."""

    CLASSROOM = "classroom", "In a classroom"
    CORRIDOR = "corridor", "In a corridor or on the stairs"
    TOILETS = "toilets", "In the toilets"
    CHANGING_ROOMS = "changing_rooms", "In the changing rooms"
    PLAYGROUND = "playground", "On the playground or field"
    DINING_HALL = "dining_hall", "In the dining hall"
    TRANSPORT = "transport", "On the bus or on the way to or from school"
    ONLINE = "online", "Online, on a phone, game or app"
    COMMUNITY = "community", "Outside school"
    OTHER = "other", "Somewhere else, or I'm not sure"


# A child's "where" as a concern's location (haven.concerns.models.Location).
WHERE_TO_LOCATION: dict[str, str] = {
    Where.CLASSROOM: "classroom",
    Where.CORRIDOR: "corridor",
    Where.TOILETS: "toilets",
    Where.CHANGING_ROOMS: "changing_rooms",
    Where.PLAYGROUND: "playground",
    Where.DINING_HALL: "dining_hall",
    Where.TRANSPORT: "journey",
    Where.ONLINE: "online",
    Where.COMMUNITY: "community",
    Where.OTHER: "other",
}


class When(models.TextChoices):
    TODAY = "today", "Today"
    YESTERDAY = "yesterday", "Yesterday"
    THIS_WEEK = "this_week", "Earlier this week"
    LONGER = "longer", "Longer ago"
    MANY_TIMES = "many_times", "It keeps happening"
    NOT_SURE = "not_sure", "I'm not sure"


class HappenedTo(models.TextChoices):
    ME = "me", "It happened to me"
    FRIEND = "friend", "It happened to a friend or someone else"
    SAW = "saw", "I saw or heard it happen"


class Contact(models.TextChoices):
    IN_PERSON = "in_person", "Yes, I would like an adult to talk to me at school"
    REPLY_HERE = "reply_here", "Yes, but write back to me here"
    NO = "no", "No, I just want you to know"


class PupilReport(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        OPEN = "open", "Being looked at"
        CONVERTED = "converted", "Made into a concern"
        CLOSED = "closed", "Closed"
        MALICIOUS = "malicious", "Closed: marked as malicious"

    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="pupil_reports")
    reference = models.CharField(max_length=12, unique=True, help_text="The pupil's reference, e.g. K7MQ-4XB2.")
    passphrase_hash = models.CharField(max_length=200, help_text="A slow hash; the passphrase itself is never kept.")
    created_at = models.DateTimeField(default=clock.now)
    # What the pupil wrote, kept exactly as written, encrypted at rest (haven.core.fieldcrypt).
    what_happened = EncryptedTextField()
    where = models.CharField(max_length=20, choices=Where.choices, blank=True)
    when = models.CharField(max_length=20, choices=When.choices, blank=True)
    who_involved = EncryptedTextField(blank=True)
    happened_to = models.CharField(max_length=10, choices=HappenedTo.choices, blank=True)
    contact = models.CharField(max_length=12, choices=Contact.choices, blank=True)
    pupil_name = models.CharField(max_length=200, blank=True)
    # Triage.
    urgent = models.BooleanField(default=False)
    danger_words = models.JSONField(default=list, blank=True, help_text="Words that made the report urgent.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.NEW)
    closed_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    concern = models.OneToOneField(
        "concerns.Concern", on_delete=models.PROTECT, null=True, blank=True, related_name="pupil_report"
    )
    last_activity_at = models.DateTimeField(default=clock.now)
    pupil_wrote_last = models.BooleanField(default=True, help_text="The pupil is waiting for an answer.")

    class Meta:
        ordering = ["-urgent", "-created_at"]
        indexes = [models.Index(fields=["school", "status", "-urgent", "-created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status__in=["closed", "malicious"]) | ~Q(closed_reason=""),
                name="pupil_report_closed_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(status="converted") | Q(concern__isnull=False),
                name="pupil_report_converted_has_concern",
            ),
        ]

    def __str__(self) -> str:
        return f"Pupil report {self.reference}"

    @property
    def is_closed(self) -> bool:
        return self.status in (self.Status.CLOSED, self.Status.MALICIOUS)


class ReportMessage(models.Model):
    """One message in a report's conversation, appended, never edited."""

    class Kind(models.TextChoices):
        PUPIL = "pupil", "From the pupil"
        REPLY = "reply", "Reply"
        QUESTION = "question", "Question"

    report = models.ForeignKey(PupilReport, on_delete=models.PROTECT, related_name="messages")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff; empty for the pupil.",
    )
    body = EncryptedTextField()  # the pupil's words, or the DSL's: encrypted at rest
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="pupil", author__isnull=True) | (~Q(kind="pupil") & Q(author__isnull=False)),
                name="report_message_author_matches_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.report_id}"


class ReportAlert(models.Model):
    """An urgent report's alert to one DSL or deputy (as for urgent concerns)."""

    report = models.ForeignKey(PupilReport, on_delete=models.PROTECT, related_name="alerts")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Alert for report {self.report_id}"


class VoiceSettings(models.Model):
    """What a school adds to its pupil pages: its own reporting email and trusted adults."""

    school = models.OneToOneField("organisations.School", on_delete=models.CASCADE, related_name="voice_settings")
    reporting_email = models.EmailField(blank=True)
    trusted_adults = models.TextField(blank=True, help_text="One a line, e.g. 'Mrs Patel, Head of Year 8, Room 12'.")
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Pupil voice settings for school {self.school_id}"

    def adults(self) -> list[str]:
        return [line.strip() for line in self.trusted_adults.splitlines() if line.strip()]


# -- Culture surveys ----------------------------------------------------------------------------
class Survey(models.Model):
    """An anonymous culture survey for one or more schools (county review: evidence of how
    safe children feel). The questions are copied onto the survey when it is opened
    (:func:`haven.pupil_voice.survey_questions.snapshot`), so later changes to the wording
    never change an old round. Never deleted; closing early keeps everything."""

    class Scope(models.TextChoices):
        SCHOOL = "school", "A school"
        TRUST = "trust", "A trust's schools"
        AUTHORITY = "authority", "The authority's schools"

    title = models.CharField(max_length=200)
    opens_on = models.DateField()
    closes_on = models.DateField()
    closed_early_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    scope = models.CharField(max_length=10, choices=Scope.choices)
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="surveys")
    trust = models.ForeignKey(
        "organisations.Trust", on_delete=models.PROTECT, null=True, blank=True, related_name="surveys"
    )
    schools = models.ManyToManyField("organisations.School", related_name="surveys")
    questions = models.JSONField(help_text="The questions and answer scales as they were when it opened.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-opens_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gt=models.F("opens_on")), name="survey_closes_after_opens"),
            models.CheckConstraint(
                condition=~Q(scope="trust") | Q(trust__isnull=False), name="survey_trust_scope_has_trust"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def last_day(self) -> dt.date:
        """The last day pupils could answer: the closing date, or the day before it was closed
        early (closing takes effect at once)."""
        if self.closed_early_on is not None:
            return min(self.closes_on, self.closed_early_on - dt.timedelta(days=1))
        return self.closes_on

    def status_on(self, day: dt.date) -> str:
        if self.closed_early_on is not None and self.closed_early_on <= day:
            return "closed"
        if day < self.opens_on:
            return "upcoming"
        return "open" if day <= self.closes_on else "closed"

    @property
    def status(self) -> str:
        return self.status_on(clock.localdate())

    def audit_organisation(self) -> AuditOrganisation:
        """The audit chain of the survey: its school's, its trust's or its authority's."""
        if self.scope == self.Scope.SCHOOL:
            return {"school": self.schools.values_list("pk", flat=True).first()}
        if self.scope == self.Scope.TRUST:
            return {"trust": self.trust_id}
        return {"authority": self.authority_id}

    def question(self, key: str) -> dict[str, Any] | None:
        return next((q for q in self.questions if q["key"] == key), None)


class SurveyResponse(models.Model):
    """One pupil's answers. Only the date is kept (no time, address or device), and the year
    group only as a broad band the pupil chose to give. Never edited or deleted."""

    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    answered_on = models.DateField()
    year_band = models.CharField(max_length=10, blank=True)

    class Meta:
        indexes = [models.Index(fields=["survey", "school"])]

    def __str__(self) -> str:
        return f"Survey answers {self.pk}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(SurveyResponse, on_delete=models.PROTECT, related_name="answers")
    question = models.CharField(max_length=40)
    answer = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once")]

    def __str__(self) -> str:
        return f"{self.question}: {self.answer}"


class SurveyFormUse(models.Model):
    """A survey form's single-use token, spent: a refresh or second press of "Send" is not
    counted twice. Holds a random value and the date only; nothing links it to the answers."""

    nonce = models.CharField(max_length=32, unique=True)
    used_on = models.DateField()

    def __str__(self) -> str:
        return "Used survey form"
