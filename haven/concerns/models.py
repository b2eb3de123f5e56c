"""Concerns: one member of staff's record of something seen, heard or told (policy §4-§6).

A concern is immutable once submitted; corrections and additions are appended as
amendments. Each child in a concern has their own role (DESIGN §11: one "victim" tag on an
incident must not make every linked child a victim). "When it happened" and "when it was
recorded" are separate fields and chronologies sort by the first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.core import clock
from haven.core.fields import EncryptedTextField

from . import bodymap


class Category(models.Model):
    """One entry of the abuse taxonomy (policy §3/§4, DESIGN §4), versioned by date.

    Categories are data: an authority may add its own (``authority`` set) and retire one by
    setting ``valid_to``. Reports spanning a change say so (DESIGN §3 rule 11).
    """

    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    authority = models.ForeignKey(
        "organisations.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="categories",
        help_text="Empty for the national list every school uses.",
    )
    description = models.TextField(blank=True)
    sexual = models.BooleanField(default=False)
    police_starting_point = models.BooleanField(
        default=False, help_text="Policy §8: the starting point is a report to the police."
    )
    nudes_images = models.BooleanField(default=False, help_text="UKCIS advice: never view, copy or forward images.")
    criminal_exploitation = models.BooleanField(default=False)
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["code", "valid_from"], condition=Q(authority__isnull=True), name="category_code_unique_national"
            ),
            models.UniqueConstraint(
                fields=["authority", "code", "valid_from"],
                condition=Q(authority__isnull=False),
                name="category_code_unique_in_authority",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="category_valid_to_after_valid_from",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name}: {self.name}" if self.parent_id and self.parent else self.name

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


class Location(models.TextChoices):
    """Where it happened: the hot spots of DESIGN §4."""

    CLASSROOM = "classroom", "Classroom"
    CORRIDOR = "corridor", "Corridor"
    TOILETS = "toilets", "Toilets"
    CHANGING_ROOMS = "changing_rooms", "Changing rooms"
    PLAYGROUND = "playground", "Playground or field"
    DINING_HALL = "dining_hall", "Dining hall"
    LIBRARY = "library", "Library or study area"
    TRANSPORT = "transport", "School transport"
    JOURNEY = "journey", "Journey to or from school"
    TRIP = "trip", "School trip"
    ONLINE = "online", "Online"
    COMMUNITY = "community", "Outside school (community)"
    OTHER = "other", "Other"


class ChildRole(models.TextChoices):
    AFFECTED = "affected", "Child affected"
    ALLEGED_HARMER = "alleged_harmer", "Child alleged to have harmed"
    WITNESS = "witness", "Witness"
    OTHER = "other", "Other"


class Concern(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        ACKNOWLEDGED = "acknowledged", "Received by the DSL"
        IN_CASE = "in_case", "Part of a case"
        NO_FURTHER_ACTION = "nfa", "Closed: no further action"

    class ToldNextSteps(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_APPLICABLE = "na", "Not applicable (the child did not tell me)"

    # Content: fixed once submitted (see CONTENT_FIELDS).
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="concerns")
    reference = models.CharField(max_length=24, unique=True, help_text="C-<school URN>-<number>, unique everywhere.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns")
    recorded_at = models.DateTimeField(default=clock.now)
    occurred_at = models.DateTimeField(help_text="When it happened (which may be before it was recorded).")
    occurred_time_known = models.BooleanField(
        default=True, help_text="False when only the day is known: occurred_at is then the start of that day."
    )
    location = models.CharField(max_length=20, choices=Location.choices)
    location_detail = models.CharField(max_length=200, blank=True)
    online_platform = models.CharField(max_length=100, blank=True)
    # Narratives are encrypted at rest (haven.core.fieldcrypt) and searched through SearchEntry.
    what_happened = EncryptedTextField()
    child_words = EncryptedTextField(blank=True, help_text="The child's exact words, as they said them.")
    actions_taken = EncryptedTextField(blank=True)
    child_told_next_steps = models.CharField(max_length=3, choices=ToldNextSteps.choices)
    urgent = models.BooleanField(default=False)
    body_mark_count = models.PositiveSmallIntegerField(
        default=0, help_text="How many marks its body map has (so lists need not count them)."
    )
    categories = models.ManyToManyField(Category, related_name="concerns")
    source = models.CharField(max_length=20, default="web", help_text="web, api or pupil_voice")
    # Workflow: changed only by the DSL's triage services, each change audited.
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NEW)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="concerns")
    closed_rationale = models.TextField(blank=True)

    CONTENT_FIELDS = (
        "school_id",
        "reference",
        "recorded_by_id",
        "recorded_at",
        "occurred_at",
        "occurred_time_known",
        "location",
        "location_detail",
        "online_platform",
        "what_happened",
        "child_words",
        "actions_taken",
        "child_told_next_steps",
        "urgent",
    )

    class Meta:
        ordering = ["-recorded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(occurred_at__lte=models.F("recorded_at")), name="concern_occurred_before_recorded"
            ),
            models.CheckConstraint(
                condition=~Q(status="nfa") | ~Q(closed_rationale=""), name="concern_nfa_needs_rationale"
            ),
        ]
        indexes = [
            models.Index(fields=["school", "status", "urgent", "recorded_at"]),
            models.Index(fields=["school", "occurred_at"]),
            models.Index(fields=["recorded_by", "recorded_at"]),
            # The dashboard's concerns to triage, in its order: only the school's untriaged
            # concerns, not its whole history (bench/README.md).
            models.Index(
                fields=["school", "-urgent", "recorded_at", "id"],
                condition=Q(case__isnull=True) & ~Q(status="nfa"),
                name="concern_to_triage",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or set(update_fields) & {f.removesuffix("_id") for f in self.CONTENT_FIELDS}:
                raise ValueError("A submitted concern cannot be changed: add an amendment instead")
        super().save(*args, **kwargs)


class ConcernChild(models.Model):
    """A child named in a concern, with their own role in it."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="children")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="concern_links")
    role = models.CharField(max_length=20, choices=ChildRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "pupil"], name="concern_child_once")]
        indexes = [models.Index(fields=["pupil", "role"])]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_role_display()})"


class Amendment(models.Model):
    """A correction or addition to a submitted concern, timed and attributed."""

    class Kind(models.TextChoices):
        CORRECTION = "correction", "Correction"
        ADDITION = "addition", "Addition"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="amendments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = EncryptedTextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.concern}"

    def save(self, *args: object, **kwargs: object) -> None:
        if self.pk is not None:
            raise ValueError("Amendments are append-only")
        super().save(*args, **kwargs)


class SearchEntry(models.Model):
    """The blind index of one concern's narrative or one amendment (haven.core.blindindex):
    keyed tokens, no words. Written by the services that save them (haven.concerns.search),
    appended like the text it indexes; ``manage.py rebuild_search_index`` writes it afresh.
    PostgreSQL searches it with a GIN index on ``to_tsvector('simple', tokens)``, SQLite
    with an FTS5 table kept by triggers (migration 0007)."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="+")
    tokens = models.TextField()

    class Meta:
        verbose_name_plural = "search entries"

    def __str__(self) -> str:
        return f"Search entry for concern {self.concern_id}"


class Attachment(models.Model):
    """A file kept with a concern, outside the web root; served only by an audited view."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="attachments")
    file = models.FileField(upload_to="concerns/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100, help_text="Detected from the content, not the name.")
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.original_name


class BodyMark(models.Model):
    """One injury or mark seen on a child, on the concern's body map (haven.concerns.bodymap):
    where, by a named part of the body, and what was seen, in words. Never a photo. Recorded
    with the concern, like the rest of it never changed afterwards."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="body_marks")
    # Whose body: one of the concern's children. Each child's chronology and file carry only
    # the marks on that child.
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveSmallIntegerField(help_text="1, 2, 3... as the map numbers them.")
    region = models.CharField(max_length=40)  # a code of haven.concerns.bodymap.REGIONS
    description = EncryptedTextField(help_text="What was seen: size, colour, shape, what the child said of it.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["concern", "number"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "number"], name="body_mark_number_once"),
            models.CheckConstraint(condition=Q(number__gte=1), name="body_mark_number_from_one"),
        ]

    def __str__(self) -> str:
        return f"Mark {self.number}: {bodymap.label(self.region)}"


class Alert(models.Model):
    """A record of every alert sent about an urgent concern (DESIGN §3 rule 2)."""

    class Kind(models.TextChoices):
        URGENT = "urgent", "Urgent concern"
        ESCALATION = "escalation", "Not acknowledged within an hour"

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sent_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} about {self.concern}"
