"""Cases: the DSL's working file for an incident or pattern (policy §6-§11).

Everything a DSL decides is a new row with who decided, when and why: decisions, answers
to the considerations checklist, parents-informed decisions, referral outcomes, case
events. Nothing is overwritten; the latest row of each kind is the current position and
the rest is the chronology.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.concerns.models import ChildRole
from haven.core import clock

USER = settings.AUTH_USER_MODEL


class AppendOnly(models.Model):
    """Rows the law expects to be kept: written once, never changed or deleted."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError(f"{type(self).__name__} records are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: object, **kwargs: object) -> tuple[int, dict[str, int]]:
        raise ValueError(f"{type(self).__name__} records are append-only")


class Recorded(AppendOnly):
    """An append-only record of something someone did on a case: who, and when."""

    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        abstract = True
        ordering = ["at", "pk"]


class Case(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="cases")
    reference = models.CharField(max_length=24, unique=True, help_text="K-<school URN>-<number>, unique everywhere.")
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    restricted = models.BooleanField(
        default=False, help_text="Only the people named may open it (DESIGN §8), besides who restricted it."
    )
    restricted_to = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="restricted_cases")
    shared_with_trust = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1, help_text="Refuses a save based on a stale page.")

    if TYPE_CHECKING:
        # Set by the API's case detail for its serializer.
        decision_list: list[Decision]
        referral_list: list[Referral]
        route_list: list[str]

    class Meta:
        ordering = ["-opened_at"]
        indexes = [models.Index(fields=["school", "status", "opened_at"])]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"


class CaseChild(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="children")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="case_links")
    role = models.CharField(max_length=20, choices=ChildRole.choices)
    added_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "pupil"], name="case_child_once")]
        indexes = [models.Index(fields=["pupil"])]

    def __str__(self) -> str:
        return f"{self.pupil} ({self.get_role_display()})"


class CaseEvent(Recorded):
    """Opening, closing (with rationale), reopening, restricting and sharing a case."""

    class Kind(models.TextChoices):
        OPENED = "opened", "Case opened"
        CONCERN_ADDED = "concern_added", "Concern added"
        CHILD_ADDED = "child_added", "Child added"
        CLOSED = "closed", "Case closed"
        REOPENED = "reopened", "Case reopened"
        RESTRICTED = "restricted", "Access restricted"
        UNRESTRICTED = "unrestricted", "Restriction lifted"
        SHARED = "shared", "Shared with the trust"
        UNSHARED = "unshared", "No longer shared with the trust"
        WISHES = "wishes", "Wishes of the child affected recorded"
        NOTE = "note", "Note"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    text = models.TextField(blank=True)
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta(Recorded.Meta):
        constraints = [
            models.CheckConstraint(condition=~Q(kind="closed") | ~Q(text=""), name="case_close_needs_rationale"),
            models.CheckConstraint(condition=~Q(kind="reopened") | ~Q(text=""), name="case_reopen_needs_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.case.reference})"


class Consideration(models.TextChoices):
    """What the DSL considers (policy §7; DESIGN §3 rule 6), each answered with notes."""

    WISHES = "wishes", "The wishes of the child affected, and how much control they can have"
    CRIME = "crime", "Might a crime have been committed? Any harmful sexual behaviour?"
    AGES = "ages", "The ages of the children involved"
    DEVELOPMENT = "development", "Their developmental stages"
    POWER = "power", "Any power imbalance (e.g. age, disability, learning difficulty)"
    PATTERN = "pattern", "A one-off incident or a sustained pattern of abuse"
    RELATIONSHIP = "relationship", "Within an intimate personal relationship between peers"
    ONGOING_RISK = "ongoing_risk", "Ongoing risk to the child affected, other children, adult students or staff"
    EXPLOITATION = "exploitation", "Links to exploitation (CCE, CSE, county lines) or radicalisation"


class ConsiderationAnswer(Recorded):
    class Answer(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNSURE = "unsure", "Not yet known"
        CONSIDERED = "considered", "Considered (see notes)"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="consideration_answers")
    item = models.CharField(max_length=20, choices=Consideration.choices)
    answer = models.CharField(max_length=12, choices=Answer.choices)
    notes = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.get_item_display()}: {self.get_answer_display()}"


class Route(models.TextChoices):
    """The DSL's routes (policy §7 a-d). Several may apply."""

    INTERNAL = "internal", "Manage internally"
    EARLY_HELP = "early_help", "Early help"
    POLICE = "police", "Report to the police"
    SOCIAL_CARE = "social_care", "Refer to children's social care (advice and support service / MASH)"


class Decision(Recorded):
    """A route decision with its rationale. ``withdrawn`` rows end an earlier decision."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="decisions")
    route = models.CharField(max_length=12, choices=Route.choices)
    rationale = models.TextField()
    withdrawn = models.BooleanField(default=False)
    statutory_override = models.TextField(
        blank=True,
        help_text="Why the police / social-care starting point (policy §8, the under-13 rule) was not followed.",
    )

    class Meta(Recorded.Meta):
        constraints = [models.CheckConstraint(condition=~Q(rationale=""), name="decision_needs_rationale")]

    def __str__(self) -> str:
        return self.get_route_display()


class ParentsInformed(Recorded):
    """Per child: were parents/carers informed, or why not (policy §10, DESIGN §3 rule 5)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="parents_informed")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="+")
    informed = models.BooleanField()
    informed_on = models.DateField(null=True, blank=True)
    rationale = models.TextField(blank=True)

    class Meta(Recorded.Meta):
        constraints = [
            models.CheckConstraint(
                condition=Q(informed=True, informed_on__isnull=False) | (Q(informed=False) & ~Q(rationale="")),
                name="parents_informed_date_or_rationale",
            )
        ]

    def __str__(self) -> str:
        return f"Parents of {self.pupil}: {'informed' if self.informed else 'not informed'}"


class Agency(models.TextChoices):
    POLICE = "police", "Police"
    SOCIAL_CARE = "social_care", "Children's social care / MASH"
    EARLY_HELP = "early_help", "Early help"
    CAMHS = "camhs", "CAMHS"
    YOUTH_OFFENDING = "yos", "Youth offending service"
    EXTERNAL = "external", "External support organisation"
    INTERNAL = "internal", "Internal support"


class Referral(Recorded):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="referrals")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    agency = models.CharField(max_length=12, choices=Agency.choices)
    organisation_name = models.CharField(max_length=200, blank=True)
    referred_on = models.DateField()
    agency_reference = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)

    class Meta(Recorded.Meta):
        ordering = ["referred_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(agency="external") | ~Q(organisation_name=""), name="referral_external_names_organisation"
            )
        ]

    def __str__(self) -> str:
        return f"Referral to {self.organisation_name or self.get_agency_display()}"


class ReferralOutcome(Recorded):
    referral = models.ForeignKey(Referral, on_delete=models.PROTECT, related_name="outcomes")
    outcome = models.TextField()
    outcome_on = models.DateField()
    agency_reference = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"Outcome of {self.referral}"


class Support(Recorded):
    """Support for a child in the case, the child alleged to have harmed included (policy §6)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="support")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()

    def __str__(self) -> str:
        return f"Support for {self.pupil}"


class Sanction(Recorded):
    """A sanction under the behaviour policy, kept apart from safeguarding decisions (policy §11)."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="sanctions")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="+")
    description = models.TextField()
    decided_on = models.DateField()

    class Meta(Recorded.Meta):
        ordering = ["decided_on", "pk"]

    def __str__(self) -> str:
        return f"Sanction for {self.pupil}"


class Task(models.Model):
    """A task on a case. Completion is recorded (by whom, when), never erased."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    title = models.CharField(max_length=200)
    assignee = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="case_tasks")
    due_on = models.DateField()
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["assignee", "done_at", "due_on"]),
            # The dashboard's overdue tasks: open tasks by due date, not every task ever set.
            models.Index(fields=["due_on", "case"], condition=Q(done_at__isnull=True), name="task_open_by_due"),
        ]

    def __str__(self) -> str:
        return self.title
