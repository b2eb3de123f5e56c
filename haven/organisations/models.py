"""Organisations: the tenants of Haven.

A local authority holds schools (maintained or academies in its area); a multi-academy
trust holds academies; a pyramid is a local DSL network group of schools. Every
safeguarding row carries the school it belongs to, so access and sharding follow it.
"""

from __future__ import annotations

import secrets

from django.db import models

from .validators import validate_urn

# Letters and digits that are hard to confuse when a child types them from a poster.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def new_report_code() -> str:
    """An unguessable code for the school's pupil-reporting link (about 60 bits)."""
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(12))


class Authority(models.Model):
    """A local authority (for example Midshire County Council)."""

    name = models.CharField(max_length=200, unique=True)
    la_code = models.CharField(
        "LA code", max_length=3, unique=True, help_text="The DfE three-digit local authority number."
    )

    class Meta:
        verbose_name_plural = "authorities"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Trust(models.Model):
    """A multi-academy trust."""

    name = models.CharField(max_length=200, unique=True)
    authority = models.ForeignKey(
        Authority,
        on_delete=models.PROTECT,
        related_name="trusts",
        help_text="The authority where the trust's head office is.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Pyramid(models.Model):
    """A local group of schools whose DSLs meet as a network."""

    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="pyramids")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["authority", "name"], name="pyramid_name_unique_in_authority")]

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"
        ALTERNATIVE = "alternative", "Alternative provision"
        POST16 = "post16", "Sixth form / post-16"

    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=6, unique=True, validators=[validate_urn])
    phase = models.CharField(max_length=20, choices=Phase.choices)
    authority = models.ForeignKey(Authority, on_delete=models.PROTECT, related_name="schools")
    trust = models.ForeignKey(
        Trust,
        on_delete=models.PROTECT,
        related_name="schools",
        null=True,
        blank=True,
        help_text="Empty for a maintained school.",
    )
    pyramid = models.ForeignKey(Pyramid, on_delete=models.SET_NULL, related_name="schools", null=True, blank=True)
    report_code = models.CharField(
        max_length=32,
        unique=True,
        default=new_report_code,
        help_text="The unguessable code in the school's pupil-reporting link (/tell/<code>/).",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(urn__regex=r"^[0-9]{6}$"), name="school_urn_six_digits"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_maintained(self) -> bool:
        return self.trust_id is None


class SchoolClosure(models.Model):
    """Days a school is closed (holidays, training days), so deadlines counted in school
    days (10 for a referral outcome, 5 for a file transfer) skip them. Weekends are never
    school days and need no entry."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="closures")
    name = models.CharField(max_length=100, help_text="For example: Autumn half term.")
    first_day = models.DateField()
    last_day = models.DateField()

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_day__gte=models.F("first_day")), name="closure_ends_after_it_starts"
            ),
        ]
        indexes = [models.Index(fields=["school", "first_day"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%d %b %Y} to {self.last_day:%d %b %Y})"
