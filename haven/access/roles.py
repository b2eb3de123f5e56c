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
# Roles that must sign in with two factors (DESIGN §11): every role that may see
# safeguarding content or aggregates, and administrators, who can give those roles and reset
# the credentials of those who hold them (so a password alone never leads to a child's records).
TWO_FACTOR_ROLES = {
    Role.ADMIN,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEAD,
    Role.TRUST_LEAD,
    Role.LA_OFFICER,
    Role.GOVERNOR,
}
