"""The local authority's advice-line enquiry log (the county review's ESAS tables).

An enquiry is what a school asked the authority's safeguarding advice service and what it
was told. It never names a child: the form warns when the summary holds a name from the
school's roster, a UPN or a date of birth. Historic months kept only as counts (before
Haven) are imported as :class:`MonthlyCount` rows, so the monthly table spans both.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.core import clock

USER = settings.AUTH_USER_MODEL


class CallerRole(models.TextChoices):
    DSL = "dsl", "Designated safeguarding lead"
    DEPUTY = "deputy", "Deputy safeguarding lead"
    HEAD = "head", "Headteacher or principal"
    TEACHER = "teacher", "Teacher"
    PASTORAL = "pastoral", "Pastoral or support staff"
    OTHER = "other", "Someone else"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "Email"
    MEETING = "meeting", "In person or online meeting"
    OTHER = "other", "Other"


class Enquiry(models.Model):
    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="enquiries")
    school = models.ForeignKey("organisations.School", on_delete=models.PROTECT, related_name="enquiries")
    at = models.DateTimeField("When", help_text="When the school got in touch.")
    caller_role = models.CharField("Caller's role", max_length=12, choices=CallerRole.choices)
    channel = models.CharField(max_length=12, choices=Channel.choices)
    categories = models.ManyToManyField("concerns.Category", related_name="enquiries")
    summary = models.TextField(help_text="What the school asked. Never name a child.")
    advice = models.TextField("Advice given")
    risk_assessment_supported = models.BooleanField("Risk assessment supported", default=False)
    follow_up_on = models.DateField("Follow up by", null=True, blank=True)
    follow_up_done_at = models.DateTimeField(null=True, blank=True)
    follow_up_done_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=clock.now)
    imported = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "enquiries"
        indexes = [models.Index(fields=["authority", "at"]), models.Index(fields=["school", "at"])]
        constraints = [
            models.CheckConstraint(condition=~Q(summary=""), name="enquiry_has_summary"),
            models.CheckConstraint(condition=~Q(advice=""), name="enquiry_has_advice"),
        ]

    def __str__(self) -> str:
        return f"Enquiry {self.pk} from {self.school}"


class MonthlyCount(models.Model):
    """One month's counts from before Haven: all enquiries, and those about sexual violence,
    sexual harassment or harmful sexual behaviour, under the measure used then."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the month.")
    total = models.PositiveIntegerField()
    sexual = models.PositiveIntegerField()
    measure = models.CharField(
        max_length=60, default="SV&H", help_text='What "sexual" counted then, e.g. "SHB" before May 2021.'
    )
    imported_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["authority", "month"], name="monthly_count_once"),
            models.CheckConstraint(condition=Q(sexual__lte=models.F("total")), name="monthly_count_part_of_total"),
            models.CheckConstraint(condition=Q(month__day=1), name="monthly_count_first_of_month"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%B %Y}: {self.sexual} of {self.total}"


# --- Roll-ups: counts kept per school and month, so dashboards never scan the concerns ----


class ConcernCounts(models.Model):
    """Concerns in a month (by when they happened), by main kind and place."""

    month = models.DateField()
    family = models.CharField(max_length=60, help_text="The code of the concern's main category family.")
    location = models.CharField(max_length=20)
    sexual = models.BooleanField(help_text="Sexual violence, sexual harassment or harmful sexual behaviour.")
    concerns = models.PositiveIntegerField()
    acknowledged = models.PositiveIntegerField(default=0)
    hours_to_acknowledge = models.FloatField(default=0, help_text="Summed over the acknowledged concerns.")

    class Meta:
        abstract = True


class ChildCounts(models.Model):
    """Children named in concerns in a month, as affected or alleged to have harmed."""

    month = models.DateField()
    year_group = models.CharField(max_length=2)
    sex = models.CharField(max_length=1)
    send = models.BooleanField()
    looked_after = models.BooleanField()
    children = models.PositiveIntegerField()

    class Meta:
        abstract = True


class ConcernRollup(ConcernCounts):
    """A school's concerns in a month, by main kind and place."""

    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["school", "month"]), models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.month:%b %Y} school {self.school_id}: {self.concerns} {self.family} in {self.location}"


class ChildRollup(ChildCounts):
    """Children named in a school's concerns in a month, by their role."""

    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["school", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%b %Y} school {self.school_id}: {self.children} {self.role}"


class RouteRollup(models.Model):
    """Route decisions (not withdrawn) of a school's cases in a month."""

    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    route = models.CharField(max_length=12)
    decisions = models.PositiveIntegerField()
    hours_to_decide = models.FloatField(default=0, help_text="From the case's first concern, summed.")

    class Meta:
        indexes = [models.Index(fields=["school", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%b %Y} school {self.school_id}: {self.decisions} {self.route}"


# --- Area roll-ups: what the authority's dashboard reads --------------------------------------
# A county's school roll-ups for a year are hundreds of thousands of rows. These hold the same
# counts without the school (by authority and phase), or without kind and place (by school),
# a few thousand rows a year; each is counted again from the school roll-ups above whenever a
# slice of them is refreshed (haven.insights.rollups).


class AreaConcernRollup(ConcernCounts):
    """Concerns of an authority's schools of one phase in a month, by main kind and place."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["authority", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%b %Y} {self.phase}: {self.concerns} {self.family} in {self.location}"


class AreaChildRollup(ChildCounts):
    """Children named in the concerns of an authority's schools of one phase in a month."""

    authority = models.ForeignKey("organisations.Authority", on_delete=models.CASCADE, related_name="+")
    phase = models.CharField(max_length=20)

    class Meta:
        indexes = [models.Index(fields=["authority", "month"])]

    def __str__(self) -> str:
        return f"{self.month:%b %Y} {self.phase}: {self.children} children"


class SchoolMonthRollup(models.Model):
    """A school's concerns in a month, about sexual violence or harassment or not."""

    school = models.ForeignKey("organisations.School", on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    sexual = models.BooleanField()
    concerns = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["month", "school"])]
        constraints = [models.UniqueConstraint(fields=["school", "month", "sexual"], name="school_month_once")]

    def __str__(self) -> str:
        return f"{self.month:%b %Y} school {self.school_id}: {self.concerns}"
