"""The roles a person can hold in an organisation: the vocabulary of haven.access.

A membership (haven.accounts) gives a person one of these roles at one school, trust or
authority; :mod:`haven.access.policy` decides what each role may do there.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    STAFF = "staff", "Member of staff"
    DSL = "dsl", "Designated safeguarding lead"
    DEPUTY_DSL = "deputy_dsl", "Deputy DSL"
    HEAD = "head", "Headteacher"
    TRUST_LEAD = "trust_lead", "Trust safeguarding lead"
    LA_OFFICER = "la_officer", "Local-authority advice officer"
    GOVERNOR = "governor", "Governor / trustee"
    ADMIN = "admin", "Administrator"


SCHOOL_ROLES = {Role.STAFF, Role.DSL, Role.DEPUTY_DSL, Role.HEAD}
# Roles that may see safeguarding content or aggregates must use two factors (DESIGN §11).
TWO_FACTOR_ROLES = {
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEAD,
    Role.TRUST_LEAD,
    Role.LA_OFFICER,
    Role.GOVERNOR,
}
