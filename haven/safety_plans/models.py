"""Safety plans and risk assessments (policy §10 and Annex A; DESIGN §5).

A plan is written for one child of a case. Its content lives in versions: every save
appends a version (who, when, why) and nothing in a version is ever changed, so any
earlier version stays readable and two can be compared. The plan row holds only where
the plan stands (status, its current version and what the dashboard needs from it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.cases.models import AppendOnly, Recorded
from haven.concerns.models import ChildRole
from haven.core import clock

from . import rules

USER = settings.AUTH_USER_MODEL


class SafetyPlan(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        UNDER_REVIEW = "under_review", "Under review"
        CLOSED = "closed", "Closed"

    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="safety_plans")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="safety_plans")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="safety_plans")
    role = models.CharField(
        max_length=20, choices=ChildRole.choices, help_text="The child's role in the case when the plan was written."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    # The current version and what lists need from it, kept by the services.
    current_version = models.PositiveIntegerField(default=0)
    version_at = models.DateTimeField(default=clock.now)
    review_date = models.DateField()
    highest_risk = models.PositiveSmallIntegerField(null=True, blank=True)
    signed_off_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_off_at = models.DateTimeField(null=True, blank=True)
    signed_off_version = models.PositiveIntegerField(null=True, blank=True)

    if TYPE_CHECKING:
        # Set by the plan list for its rows: why a review is due.
        due: list[str]

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["school", "status", "review_date"]),
            models.Index(fields=["pupil", "status"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(highest_risk__isnull=True) | Q(highest_risk__in=[2, 4, 6, 8, 12, 18]),
                name="plan_highest_risk_possible",
            ),
            # Two safeguarding leads writing at once still end with one open plan for the child.
            models.UniqueConstraint(
                fields=["case", "pupil"], condition=~Q(status="closed"), name="plan_one_open_per_child_and_case"
            ),
        ]

    def __str__(self) -> str:
        return f"Safety plan {self.pk} for {self.pupil}"

    @property
    def band(self) -> rules.Band | None:
        return rules.band_for(self.highest_risk) if self.highest_risk else None

    @property
    def is_open(self) -> bool:
        return self.status != self.Status.CLOSED


class ReviewReason(models.TextChoices):
    FIRST = "first", "First version"
    DRAFT = "draft", "Draft changed"
    SCHEDULED = "scheduled", "Scheduled review"
    NEW_INCIDENT = "new_incident", "New incident"
    CHILD_REQUEST = "child_request", "The child asked for a review"
    TRANSITION = "transition", "Transition (a new class, year or school)"
    OTHER = "other", "Other change"


REVIEW_REASONS = [(c.value, c.label) for c in ReviewReason if c not in (ReviewReason.FIRST, ReviewReason.DRAFT)]


class PlanVersion(AppendOnly):
    """Everything Annex A asks for, as it stood at one save."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="versions")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    number = models.PositiveIntegerField()
    reason = models.CharField(max_length=16, choices=ReviewReason.choices)
    reason_notes = models.TextField(blank=True)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=clock.now)

    # Basic information.
    referrer_name_role = models.CharField("Referrer name and role", max_length=200)
    referrer_contact = models.CharField(
        "Referrer contact details", max_length=200, blank=True, help_text="Email address and phone number."
    )
    schools_affected = models.CharField("School(s) of the child or children affected", max_length=300)
    schools_harmed = models.CharField(
        "School(s) of the child or children alleged to have caused harm", max_length=300, blank=True
    )
    on_premises = models.BooleanField("Did the incident happen on school premises?", null=True)
    where_otherwise = models.CharField("If not, where did it happen?", max_length=300, blank=True)
    review_date = models.DateField("Date for the risk assessment and safety plan review")

    # "Action taken by school" and the considerations checklist: fixed rows, kept as data.
    # An action the case records (parents informed, referrals) also holds ``from_case``: the
    # case's records as they stood at this save. An open question (rules.OPEN_QUESTIONS) holds
    # {text}; versions written before it was asked in words hold {answer, notes}, read as text.
    actions = models.JSONField(
        default=dict, help_text="{action: {taken: bool|null, on: ISO date|null, notes, from_case?: [...]}}"
    )
    considerations = models.JSONField(default=dict, help_text="{question: {answer, notes} or {text}}")

    # Needs, supportive factors, actions.
    at_risk = models.JSONField("Who may be at risk", default=list)
    at_risk_others = models.CharField("Others at risk (please specify)", max_length=300, blank=True)
    support_from = models.TextField(
        "Who can the young person go to for support?",
        blank=True,
        help_text="Who does the young person have a good relationship with? Are extra members of staff available?",
    )
    needs_actions = models.TextField("Action required to reduce the risks", blank=True)
    risky_places = models.TextField(
        "Where is the young person more likely to be at risk, or to display harmful behaviour?",
        blank=True,
        help_text="For example break and lunch times, home time, PE (swimming), the toilets, the computers.",
    )
    safe_places = models.TextField(
        "Where are they safe?", blank=True, help_text="For example the classroom during lessons, the inclusion unit."
    )
    places_actions = models.TextField("Actions required to reduce the risks in those places", blank=True)

    # Practical controls.
    controls = models.JSONField("Practical controls", default=list)
    trusted_adult = models.CharField("Named trusted adult", max_length=200, blank=True)
    staff_informed = models.CharField("Staff who have been told about this plan", max_length=300, blank=True)
    controls_notes = models.TextField("How the controls work", blank=True)

    # Views.
    child_disagree = models.TextField(blank=True)
    child_fair = models.TextField(blank=True)
    child_can_do = models.TextField(blank=True)
    parents_disagree = models.TextField(blank=True)
    parents_fair = models.TextField(blank=True)
    parents_can_do = models.TextField(blank=True)

    # The child's own page.
    worried_about = models.TextField("What are we worried about?", blank=True)
    feel_safe = models.TextField("What will help me feel safe?", blank=True)
    go_to = models.TextField("Who can I go to?", blank=True)
    i_can_do = models.TextField("What can I do?", blank=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_version_number_once"),
            models.CheckConstraint(condition=~Q(referrer_name_role=""), name="plan_version_names_referrer"),
        ]

    def __str__(self) -> str:
        return f"Version {self.number} of safety plan {self.plan_id}"


class RiskLine(AppendOnly):
    """One line of the risk table: hazard, A, B, C = A x B, measures, contingency."""

    version = models.ForeignKey(PlanVersion, on_delete=models.PROTECT, related_name="risk_lines")
    position = models.PositiveSmallIntegerField()
    hazard = models.TextField("Risk (hazard)")
    hazard_rating = models.PositiveSmallIntegerField("A: hazard rating", choices=sorted(rules.HAZARD.items()))
    likelihood = models.PositiveSmallIntegerField("B: likelihood", choices=sorted(rules.LIKELIHOOD.items()))
    risk = models.PositiveSmallIntegerField("C: risk (A x B)")
    measures = models.TextField("Measures of control", blank=True)
    contingency = models.TextField("Contingency plan", blank=True)

    class Meta:
        ordering = ["version", "position"]
        constraints = [
            models.CheckConstraint(condition=Q(hazard_rating__in=[1, 2, 3]), name="risk_line_hazard_1_2_3"),
            models.CheckConstraint(condition=Q(likelihood__in=[2, 4, 6]), name="risk_line_likelihood_2_4_6"),
            models.CheckConstraint(
                condition=Q(risk=models.F("hazard_rating") * models.F("likelihood")), name="risk_line_c_is_a_times_b"
            ),
            models.CheckConstraint(condition=~Q(hazard=""), name="risk_line_names_hazard"),
        ]

    def __str__(self) -> str:
        return f"{self.hazard[:40]} ({self.risk}, {self.band})"

    def save(self, *args: object, **kwargs: object) -> None:
        self.risk = rules.risk_rating(self.hazard_rating, self.likelihood)
        super().save(*args, **kwargs)

    @property
    def band(self) -> rules.Band:
        return rules.band_for(self.risk)


class PlanEvent(Recorded):
    """Where the plan stands, as it changed: written, changed, signed off, closed, its review
    brought forward by something outside it (a bail condition)."""

    class Kind(models.TextChoices):
        CREATED = "created", "Safety plan written"
        VERSION = "version", "Safety plan changed"
        SIGNED_OFF = "signed_off", "Safety plan signed off"
        CLOSED = "closed", "Safety plan closed"
        REVIEW_DUE = "review_due", "Safety plan review brought forward"

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="events")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    version = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta(Recorded.Meta):
        constraints = [
            models.CheckConstraint(condition=~Q(kind="closed") | ~Q(text=""), name="plan_close_needs_reason")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (plan {self.plan_id})"


class ReviewReminder(AppendOnly):
    """A reminder emailed to the school's safeguarding leads that a review is due: one for
    each thing that made it due (the review date passed, or a new concern about the child)."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="reminders")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    due_because = models.CharField(max_length=60, help_text="review-date:<date> or concern:<reference>.")
    recipients = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["sent_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "due_because"], name="plan_reminder_once")]

    def __str__(self) -> str:
        return f"Reminder for plan {self.plan_id}: {self.due_because}"
