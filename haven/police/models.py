"""A police investigation on a case (policy §12): "a central point of contact with the police
for updates and progress", the bail conditions in place and the charging decision.

Append-only like the rest of a case (haven.cases.models.Recorded): the officer's details
change by a new version of :class:`Investigation`; a bail condition is varied by a new
condition that names the one it replaces, and ended by a :class:`BailEnd` row with who, when
and why. Nothing is edited in place or deleted; the newest rows are the current position and
the rest is the chronology.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from haven.cases.models import AppendOnly, Recorded
from haven.core import clock


class Investigation(Recorded):
    """One version of the police's point of contact on a case: the force, the officer in the
    case and how to reach them, and the crime reference. The highest version is current."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="police_versions")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField()
    force = models.CharField("Police force", max_length=100)
    officer_name = models.CharField("Officer in the case", max_length=200)
    officer_rank = models.CharField("Rank", max_length=60, blank=True)
    phone = models.CharField("Phone", max_length=40, blank=True)
    email = models.EmailField("Email", max_length=200, blank=True)
    crime_reference = models.CharField("Crime reference", max_length=60)
    notes = models.TextField("Notes", blank=True)

    class Meta(Recorded.Meta):
        constraints = [
            models.UniqueConstraint(fields=["case", "version"], name="police_version_once"),
            models.CheckConstraint(condition=~Q(crime_reference=""), name="police_needs_crime_reference"),
            models.CheckConstraint(condition=~Q(officer_name=""), name="police_needs_officer"),
            models.CheckConstraint(condition=~Q(phone="") | ~Q(email=""), name="police_officer_reachable"),
        ]

    def __str__(self) -> str:
        return f"{self.force} crime reference {self.crime_reference}"

    @property
    def officer(self) -> str:
        return f"{self.officer_rank} {self.officer_name}".strip()

    @property
    def tel(self) -> str:
        """The phone number as a tel: address (digits and a leading +)."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return ("+" if self.phone.strip().startswith("+") else "") + digits


class BailCondition(Recorded):
    """A condition of police bail on one child of the case, in force until a date. Varied by
    a new condition naming this one (``varies``); ended by a :class:`BailEnd`."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="bail_conditions")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, related_name="+")
    condition = models.TextField("The condition")
    until = models.DateField("In force until")
    varies = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="varied_by",
        help_text="The one it replaces.",
    )
    reason = models.TextField("Why it changed", blank=True)

    class Meta(Recorded.Meta):
        constraints = [
            models.CheckConstraint(condition=~Q(condition=""), name="bail_names_condition"),
            models.CheckConstraint(condition=Q(varies__isnull=True) | ~Q(reason=""), name="bail_variation_says_why"),
        ]
        indexes = [models.Index(fields=["school", "until"])]

    def __str__(self) -> str:
        return f"Bail condition on {self.pupil} until {self.until:%-d %b %Y}"


class BailEnd(Recorded):
    """A bail condition ended before or on its date (bail cancelled, the child charged...):
    who recorded it, when and why."""

    bail = models.OneToOneField(BailCondition, on_delete=models.PROTECT, related_name="end")
    reason = models.TextField("Why it ended")

    class Meta(Recorded.Meta):
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="bail_end_says_why")]

    def __str__(self) -> str:
        return f"End of bail condition {self.bail_id}"


class ChargeOutcome(models.TextChoices):
    AWAITING = "awaiting", "Awaiting a charging decision"
    NO_FURTHER_ACTION = "no_further_action", "No further action"
    CHARGED = "charged", "Charged"
    RELEASED_UNDER_INVESTIGATION = "released_under_investigation", "Released under investigation"
    COMMUNITY_RESOLUTION = "community_resolution", "Out-of-court resolution (community resolution)"
    CAUTION = "caution", "Caution"


class ChargingDecision(Recorded):
    """What the police (or the Crown Prosecution Service) decided, as the school was told.
    The newest is the current position."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="charging_decisions")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    outcome = models.CharField("Decision", max_length=32, choices=ChargeOutcome.choices)
    decided_on = models.DateField("Date of the decision")
    notes = models.TextField("Notes", blank=True)

    def __str__(self) -> str:
        return self.get_outcome_display()


class CourtDate(Recorded):
    """A hearing: when, which court, and what the hearing is."""

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="court_dates")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey("people.Pupil", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    on = models.DateField("Date of the hearing")
    court = models.CharField("Court", max_length=200)
    hearing = models.CharField("What the hearing is", max_length=200)
    notes = models.TextField("Notes", blank=True)

    class Meta(Recorded.Meta):
        constraints = [
            models.CheckConstraint(condition=~Q(court=""), name="court_date_names_court"),
            models.CheckConstraint(condition=~Q(hearing=""), name="court_date_names_hearing"),
        ]

    def __str__(self) -> str:
        return f"{self.hearing} at {self.court}, {self.on:%-d %b %Y}"


class BailReminder(AppendOnly):
    """The email telling the safeguarding leads that a bail condition is about to end: sent
    once for each condition (a varied condition is a new one, with its own reminder)."""

    bail = models.OneToOneField(BailCondition, on_delete=models.PROTECT, related_name="reminder")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="+")
    recipients = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Reminder for bail condition {self.bail_id}"
