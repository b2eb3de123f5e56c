"""The resource bank and the good-practice case-study bank (county review recommendations:
"a one stop shop resource bank ... of support organisations, training, and teaching
resources" and "a bank of case studies ... as a resource tool").

Resources are proposed by school staff and trust leads and curated by the officers of the
authority (``authority``); a row with no authority is the national list seeded from the
policy's appendix. Case studies are written by a school's DSLs, checked for anything that
identifies a child, a member of staff or the school, and published by the authority's
officers. Curation and review decisions are kept as append-only rows.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.core import blindindex, clock
from haven.core.fields import ClockDateTimeField, EncryptedTextField
from haven.organisations.models import School

REVIEW_EVERY = dt.timedelta(days=365)


class Kind(models.TextChoices):
    SUPPORT_ORGANISATION = "support_organisation", "Support organisation"
    HELPLINE = "helpline", "Helpline"
    TEACHING = "teaching", "Teaching resource"
    ASSEMBLY = "assembly", "Assembly"
    TRAINING = "training", "Training"
    GUIDANCE = "guidance", "Guidance"
    POLICY_TEMPLATE = "policy_template", "Policy template"


# Phases and age ranges (EYFS, key stages 1 to 5, further education) as columns, so a
# filter is a plain indexed boolean on both databases.
PHASE_FIELDS: tuple[tuple[str, str], ...] = (
    ("eyfs", "EYFS"),
    ("ks1", "Key stage 1"),
    ("ks2", "Key stage 2"),
    ("ks3", "Key stage 3"),
    ("ks4", "Key stage 4"),
    ("ks5", "Key stage 5"),
    ("fe", "Further education"),
)
# ?phase= accepts a key stage or one of these groups.
PHASE_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "early_years": ("Early years", ("eyfs",)),
    "primary": ("Primary", ("eyfs", "ks1", "ks2")),
    "secondary": ("Secondary", ("ks3", "ks4")),
    "post16": ("Post-16", ("ks5", "fe")),
}
AUDIENCE_FIELDS: tuple[tuple[str, str], ...] = (
    ("for_staff", "Staff"),
    ("for_pupils", "Pupils"),
    ("for_parents", "Parents and carers"),
)


class Resource(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for the local authority"
        CHANGES_REQUESTED = "changes_requested", "Changes asked for"
        APPROVED = "approved", "In the resource bank"
        REJECTED = "rejected", "Not accepted"
        WITHDRAWN = "withdrawn", "Replaced by a newer edition"

    class LinkStatus(models.TextChoices):
        UNCHECKED = "unchecked", "Not checked yet"
        OK = "ok", "Working"
        BROKEN = "broken", "Broken"

    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    description = models.TextField(blank=True)
    provider = models.CharField(max_length=200, blank=True)
    url = models.URLField("link", max_length=500, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    for_staff = models.BooleanField("staff", default=False)
    for_pupils = models.BooleanField("pupils", default=False)
    for_parents = models.BooleanField("parents and carers", default=False)
    eyfs = models.BooleanField("EYFS", default=False)
    ks1 = models.BooleanField("key stage 1", default=False)
    ks2 = models.BooleanField("key stage 2", default=False)
    ks3 = models.BooleanField("key stage 3", default=False)
    ks4 = models.BooleanField("key stage 4", default=False)
    ks5 = models.BooleanField("key stage 5", default=False)
    fe = models.BooleanField("further education", default=False)
    age_from = models.PositiveSmallIntegerField(null=True, blank=True)
    age_to = models.PositiveSmallIntegerField(null=True, blank=True)
    send_suitable = models.BooleanField("suitable for pupils with SEND", default=False)
    ability_notes = models.CharField(
        "different abilities", max_length=300, blank=True, help_text="How it can be adapted for different abilities."
    )
    topics = models.ManyToManyField("concerns.Category", related_name="resources", blank=True)
    authority = models.ForeignKey(
        "organisations.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resources",
        help_text="The authority whose officers curate it; empty for the national list.",
    )
    national = models.BooleanField(default=True, help_text="Useful anywhere, not only in the authority's area.")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    proposed_at = models.DateTimeField(default=clock.now)
    last_reviewed_on = models.DateField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewer_name = models.CharField(max_length=200, blank=True, help_text="Who reviewed it, when not a user here.")
    curator_note = models.TextField(blank=True, help_text="The last changes asked for, or the reason for refusal.")
    link_status = models.CharField(max_length=10, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED)
    link_checked_at = models.DateTimeField(null=True, blank=True)
    link_detail = models.CharField(max_length=200, blank=True)
    seed_key = models.SlugField(max_length=80, unique=True, null=True, blank=True, editable=False)
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "pk"]
        indexes = [models.Index(fields=["status", "authority"]), models.Index(fields=["last_reviewed_on"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(age_from__isnull=True) | Q(age_to__isnull=True) | Q(age_to__gte=models.F("age_from")),
                name="resource_age_range_in_order",
            ),
            models.CheckConstraint(
                condition=Q(authority__isnull=False) | Q(national=True), name="resource_local_needs_authority"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def area(self) -> str:
        return "National" if self.national else (self.authority.name if self.authority else "Local")

    @property
    def phases(self) -> list[str]:
        return [label for name, label in PHASE_FIELDS if getattr(self, name)]

    @property
    def audiences(self) -> list[str]:
        return [label for name, label in AUDIENCE_FIELDS if getattr(self, name)]

    def review_due(self, today: dt.date | None = None) -> bool:
        """Unreviewed for twelve months: flagged for the curators."""
        today = today or clock.localdate()
        return self.status == self.Status.APPROVED and (
            self.last_reviewed_on is None or self.last_reviewed_on <= today - REVIEW_EVERY
        )


class ResourceDecision(models.Model):
    """One curation step (append-only): proposed, approved, changes asked, refused, reviewed."""

    class Action(models.TextChoices):
        PROPOSED = "proposed", "Proposed"
        RESUBMITTED = "resubmitted", "Changed and sent again"
        APPROVED = "approved", "Approved"
        CHANGES_REQUESTED = "changes_requested", "Changes asked for"
        REJECTED = "rejected", "Not accepted"
        REVIEWED = "reviewed", "Reviewed and still right"
        EDITED = "edited", "Edited by a curator"

    resource = models.ForeignKey(Resource, on_delete=models.PROTECT, related_name="decisions")
    action = models.CharField(max_length=20, choices=Action.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%d %b %Y})"


class CaseStudy(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Sent to the local authority"
        RETURNED = "returned", "Returned with comments"
        PUBLISHED = "published", "Published"

    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="case_studies")
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="case_studies")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="case_studies")
    title = models.CharField(max_length=200)
    phase = models.CharField(max_length=20, choices=School.Phase.choices)
    categories = models.ManyToManyField("concerns.Category", related_name="case_studies", blank=True)
    # The school's account, encrypted at rest (haven.core.fieldcrypt): a draft may still name
    # people until the anonymisation check; searched through search_tokens.
    context = EncryptedTextField(help_text="The school and the situation, without names.")
    what_happened = EncryptedTextField()
    school_response = EncryptedTextField("what the school did")
    what_worked = EncryptedTextField()
    outcome = EncryptedTextField()
    differently = EncryptedTextField("what we would do differently", blank=True)
    search_tokens = models.TextField(
        blank=True, editable=False, help_text="The blind index of the text (haven.core.blindindex): no words."
    )
    share_wider = models.BooleanField(
        "share beyond our authority", default=False, help_text="Let DSLs in other authorities read it once published."
    )
    confirmed_terms = models.JSONField(
        default=list, blank=True, help_text="Flagged words the author confirmed do not identify anyone."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = ClockDateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    review_comments = models.TextField(blank=True)

    TEXT_FIELDS = ("title", "context", "what_happened", "school_response", "what_worked", "outcome", "differently")

    class Meta:
        ordering = ["-published_at", "-updated_at", "pk"]
        verbose_name_plural = "case studies"
        indexes = [models.Index(fields=["status", "authority"]), models.Index(fields=["school", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="case_study_published_has_date"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The index follows the text on every save that writes the text.
        update_fields = kwargs.get("update_fields")
        if update_fields is None or set(update_fields) & set(self.TEXT_FIELDS):
            self.search_tokens = blindindex.document_tokens(getattr(self, f) for f in self.TEXT_FIELDS)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "search_tokens"}
        super().save(*args, **kwargs)

    @property
    def body(self) -> str:
        return "\n".join(getattr(self, f) for f in self.TEXT_FIELDS)


class CaseStudyReview(models.Model):
    """One step of a case study's review (append-only): submitted, returned, published."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", "Sent to the local authority"
        RETURNED = "returned", "Returned with comments"
        PUBLISHED = "published", "Published"

    case_study = models.ForeignKey(CaseStudy, on_delete=models.PROTECT, related_name="reviews")
    action = models.CharField(max_length=10, choices=Action.choices)
    comments = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.at:%d %b %Y})"
