"""Pupils, as the school's roster (MIS export) knows them.

A pupil always belongs to one school; a child who moves school has a new record there and
their child-protection file is transferred (DESIGN §3 rule 9). Leavers are marked, never
deleted.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from haven.core import clock
from haven.core.fields import ClockDateTimeField, EncryptedTextField, model_field

from .upn import validate_upn


class YearGroup(models.TextChoices):
    N1 = "N1", "Nursery 1"
    N2 = "N2", "Nursery 2"
    R = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"
    Y14 = "14", "Year 14"


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"
    UNKNOWN = "U", "Not known"


class SenStatus(models.TextChoices):
    """The DfE SEN provision codes used in school census returns."""

    NONE = "N", "No special educational need"
    SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "Education, health and care plan"


class Pupil(models.Model):
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="pupils")
    upn = models.CharField("UPN", max_length=13, validators=[validate_upn])
    legal_forename = models.CharField(max_length=100)
    legal_surname = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    year_group = models.CharField(max_length=2, choices=YearGroup.choices)
    sex = models.CharField(max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    gender_identity = models.CharField(
        max_length=100, blank=True, help_text="Only if the child has shared it and wants it used."
    )
    sen_status = models.CharField("SEN status", max_length=1, choices=SenStatus.choices, default=SenStatus.NONE)
    # Vulnerability flags from the policy (§5 and §9).
    looked_after = models.BooleanField(default=False)
    child_in_need = models.BooleanField("child in need", default=False)
    child_protection_plan = models.BooleanField("child protection plan", default=False)
    young_carer = models.BooleanField(default=False)
    missing_education = models.BooleanField("missing education", default=False)
    left_on = models.DateField(null=True, blank=True, help_text="Set when the pupil leaves the roster.")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        ordering = ["legal_surname", "legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="pupil_upn_unique_in_school"),
        ]
        indexes = [
            models.Index(fields=["school", "legal_surname", "legal_forename"]),
            models.Index(fields=["school", "year_group"]),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def display_name(self) -> str:
        return f"{self.forename} {self.legal_surname}"

    @property
    def is_send(self) -> bool:
        return self.sen_status != SenStatus.NONE

    @property
    def on_roll(self) -> bool:
        return self.left_on is None

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years

    @property
    def vulnerability_labels(self) -> list[str]:
        labels = []
        if self.is_send:
            labels.append("SEND")
        for field in ("looked_after", "child_in_need", "child_protection_plan", "young_carer", "missing_education"):
            if getattr(self, field):
                labels.append(str(model_field(self, field).verbose_name).capitalize())
        return labels


class RosterImport(models.Model):
    """One upload of a school's roster from its MIS, and what became of it.

    The file's bytes are kept only until the import has run (``content`` is then emptied):
    the pupils table holds the result, and a second copy of every child's details would
    outlive its purpose (UK GDPR data minimisation). ``errors`` holds at most
    :data:`ERRORS_KEPT` problems as ``{"line", "column", "message"}``; ``errors_total``
    says how many there were in all.
    """

    ERRORS_KEPT = 1000
    STUCK_AFTER = dt.timedelta(minutes=15)

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        VALIDATING = "validating", "Checking the file"
        APPLYING = "applying", "Saving the changes"
        DONE = "done", "Imported"
        FAILED = "failed", "Not imported"

    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="roster_imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the import was run from the command line.",
    )
    uploaded_at = models.DateTimeField(default=clock.now)
    filename = models.CharField(max_length=255)
    content = models.BinaryField(default=b"", help_text="The uploaded bytes, emptied once the import has run.")
    allow_many_leavers = models.BooleanField(
        default=False, help_text="The uploader expects more than half the pupils on roll to leave."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.QUEUED)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    left_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    errors_total = models.PositiveIntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]
        indexes = [models.Index(fields=["school", "-uploaded_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rows_done__lte=models.F("rows_total")), name="roster_done_le_total"
            )
        ]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.VALIDATING, self.Status.APPLYING}

    @property
    def looks_stuck(self) -> bool:
        """Still not finished long after a 50,000-line file would have been: most likely the
        background worker is not running. The page stops reloading and says so."""
        return self.is_running and clock.now() - self.uploaded_at > self.STUCK_AFTER

    @property
    def errors_not_shown(self) -> int:
        return max(0, self.errors_total - len(self.errors))


# What a member of staff writes about a contact (the form's fields, and what contact_add keeps).
CONTACT_FIELDS = (
    "name",
    "relationship",
    "parental_responsibility",
    "lives_with_child",
    "phone",
    "email",
    "priority",
    "note",
)


class Contact(models.Model):
    """Someone to contact about a child, as the school's MIS or the DSL records them: who they
    are to the child, whether they hold parental responsibility, whether the child lives with
    them, and how to reach them. Never deleted: a contact who no longer applies is ended,
    with who ended it and why, so the child's page can say who was a contact when."""

    class Relationship(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        PARENT = "parent", "Parent"
        STEP_PARENT = "step_parent", "Step-parent"
        CARER = "carer", "Foster carer or carer"
        GRANDPARENT = "grandparent", "Grandparent"
        OTHER_RELATIVE = "relative", "Other relative"
        SOCIAL_WORKER = "social_worker", "Social worker"
        OTHER = "other", "Other"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="contacts")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=20, choices=Relationship.choices)
    parental_responsibility = models.BooleanField(default=False)
    lives_with_child = models.BooleanField("the child lives with them", default=False)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    priority = models.PositiveSmallIntegerField(default=1, help_text="1 is the first to call.")
    note = EncryptedTextField(max_length=500, blank=True, help_text="For example: not to collect the child.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    end_reason = EncryptedTextField(max_length=300, blank=True)

    class Meta:
        ordering = ["priority", "name", "pk"]
        indexes = [models.Index(fields=["pupil", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_relationship_display()})"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None


class PupilLink(models.Model):
    """Two children linked by family (brothers and sisters, one household), recorded by a DSL.
    Kept once a pair, the lower id first; ended, never deleted. Each reader sees a linked
    child only if they may read that child's school's records."""

    class Kind(models.TextChoices):
        SIBLING = "sibling", "Brother or sister"
        HALF_SIBLING = "half_sibling", "Half-brother or half-sister"
        STEP_SIBLING = "step_sibling", "Step-brother or step-sister"
        HOUSEHOLD = "household", "Lives in the same household"
        FAMILY = "family", "Other family"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="links_as_first")
    other = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="links_as_second")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = EncryptedTextField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["recorded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(pupil__lt=models.F("other")), name="pupil_link_lower_id_first"),
            models.UniqueConstraint(
                fields=["pupil", "other"], condition=models.Q(ended_at__isnull=True), name="pupil_link_one_current"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pupil_id} and {self.other_id}"

    def other_than(self, pupil: Pupil) -> Pupil:
        return self.other if self.pupil_id == pupil.pk else self.pupil
