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
# Roles that must sign in with two factors (ASVS 5.0 V6.3.3; DESIGN §11: "two-factor sign-in
# that users may skip is not protection"): every role. A member of staff's password alone
# would record concerns in their name and read the ones they recorded, which hold children's
# own words; administrators give the roles that read records and reset the credentials of those
# who hold them. The second factor is an authenticator app's code, a recovery code, or a
# passkey; a passkey that verified the person (PIN or biometric) is both factors at once.
TWO_FACTOR_ROLES = frozenset(Role)
# Someone holding no current role is held to the same rule: a role may be given any day, and
# the account's pages (passkeys, sessions, API tokens) are worth protecting too.
TWO_FACTORS_WITHOUT_A_ROLE = True
# Roles that reach safeguarding content or aggregates (DESIGN §3 rule 19): granting one never
# shows anyone a password (the person enrols by a link emailed to them), the organisation's
# leads are told of it and may revoke it, and a lost second factor of someone holding one is
# replaced only when a second person approves.
CONTENT_ROLES = frozenset({Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.TRUST_LEAD, Role.LA_OFFICER, Role.GOVERNOR})


def needs_two_factors(roles: set[str]) -> bool:
    """Whether a person holding these current roles must sign in with two factors."""
    return bool(roles & TWO_FACTOR_ROLES) if roles else TWO_FACTORS_WITHOUT_A_ROLE
