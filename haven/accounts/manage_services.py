"""Writes for the administrator's people pages: add a person, grant and end roles, reset a
password, deactivate and reactivate an account. Each is one transaction with its audit row.

Callers pass objects they obtained through :mod:`haven.accounts.manage_selectors`, which
has already decided that the administrator manages them. What remains here are the rules of
the use case, refused with :class:`ManageRefused` and a message fit to show:

- an administrator never changes their own roles or account here, except ending one of
  their own roles that is not their last administrator role (separation of duties: an
  administrator must not give themselves a safeguarding role, DESIGN §8);
- an account is one login shared by every organisation it has roles in, so a password reset
  or a deactivation is refused when the person also has current roles in organisations this
  administrator does not manage (otherwise adding a role to someone's email, then resetting
  their password, would take over their account elsewhere).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from haven.access.roles import Role
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record

from .manage_selectors import ManagedPerson, Organisation, organisation_kind
from .models import Membership, User
from .services import membership_end, membership_grant, sign_out_everywhere

# The roles each kind of organisation can hold (the database's membership_role_fits_organisation).
ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    "school": (Role.STAFF, Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.GOVERNOR, Role.ADMIN),
    "trust": (Role.TRUST_LEAD, Role.GOVERNOR, Role.ADMIN),
    "authority": (Role.LA_OFFICER, Role.ADMIN),
}
_KIND_NAMES = {"school": "a school", "trust": "a trust", "authority": "a local authority"}

# Letters and digits that are hard to confuse when read out or copied from a screen.
_UNAMBIGUOUS_CHARACTERS = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PASSWORD_GROUPS = 4
_PASSWORD_GROUP_LENGTH = 5


class ManageRefused(Exception):
    """A request the rules refuse; the message is written for the administrator. ``field``
    names the input the refusal is about ("role" or "email"), when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def temporary_password_new() -> str:
    """A random password to hand over once (about 115 bits), like ``aB3kx-Pq7mZ-...``."""
    return "-".join(
        "".join(secrets.choice(_UNAMBIGUOUS_CHARACTERS) for _ in range(_PASSWORD_GROUP_LENGTH))
        for _ in range(_PASSWORD_GROUPS)
    )


def roles_for(organisation: Organisation) -> tuple[Role, ...]:
    return ROLES_BY_KIND[organisation_kind(organisation)]


def role_fit_refusal(organisation: Organisation, role: str) -> str:
    """Why this role cannot be held at this kind of organisation ("" when it can)."""
    allowed = roles_for(organisation)
    if role in allowed:
        return ""
    kind = organisation_kind(organisation)
    names = ", ".join(str(r.label) for r in allowed)
    return f"That role cannot be held at {_KIND_NAMES[kind]}. Choose one of: {names}."


def _organisation_kwargs(organisation: Organisation) -> dict[str, Any]:
    return {organisation_kind(organisation): organisation}


@transaction.atomic
def role_grant(
    *, by: User, user: User, role: str, organisation: Organisation, ctx: AuditContext = COMMAND
) -> Membership:
    """Give the person a role in one of the administrator's organisations (audited)."""
    refusal = role_fit_refusal(organisation, role)
    if refusal:
        raise ManageRefused(refusal, field="role")
    if user.pk == by.pk:
        raise ManageRefused("You cannot give yourself a role. Ask another administrator.", field="email")
    kwargs = _organisation_kwargs(organisation)
    if Membership.objects.filter(user=user, role=role, ended_at__isnull=True, **kwargs).exists():
        raise ManageRefused(
            f"{user.full_name or user.email} is already {Role(role).label} at {organisation}.", field="email"
        )
    try:
        return membership_grant(by=by, user=user, role=role, ctx=ctx, **kwargs)
    except ValidationError as exc:  # a concurrent grant of the same role won the race
        raise ManageRefused(" ".join(exc.messages)) from exc


@dataclass
class PersonAdded:
    user: User
    membership: Membership
    created: bool
    temporary_password: str = ""


@transaction.atomic
def person_add(
    *,
    by: User,
    organisation: Organisation,
    email: str,
    full_name: str,
    job_title: str,
    role: str,
    ctx: AuditContext = COMMAND,
) -> PersonAdded:
    """Add a person to the organisation with a role.

    A new email address makes a new account with a temporary password, returned once for
    the administrator to hand over (never stored or audited in clear). An email address that
    already has an account gets the role added instead: one person, one login, whatever the
    number of their roles; their name and job title are left as they are.
    """
    refusal = role_fit_refusal(organisation, role)
    if refusal:
        raise ManageRefused(refusal, field="role")
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        membership = role_grant(by=by, user=existing, role=role, organisation=organisation, ctx=ctx)
        return PersonAdded(user=existing, membership=membership, created=False)
    password = temporary_password_new()
    user = User(email=email, full_name=full_name.strip(), job_title=job_title.strip(), password_must_change=True)
    user.set_password(password)
    try:
        user.full_clean()
    except ValidationError as exc:  # the form checks these; a concurrent add of the same email can still lose
        raise ManageRefused(" ".join(exc.messages), field="email") from exc
    user.save()
    audit_record(
        Event.ACCOUNT_CREATED,
        ctx=ctx,
        actor=by,
        obj=user,
        extra={"email": user.email, "temporary_password": "issued"},
        **_organisation_kwargs(organisation),
    )
    membership = role_grant(by=by, user=user, role=role, organisation=organisation, ctx=ctx)
    return PersonAdded(user=user, membership=membership, created=True, temporary_password=password)


def role_end_refusal(*, by: User, membership: Membership) -> str:
    """Why the administrator may not end this role ("" when they may).

    An administrator cannot end their own last administrator role: nobody would be left to
    undo it, and it is how a lone administrator would lock a school out of its own accounts.
    """
    if membership.user_id == by.pk and membership.role == Role.ADMIN:
        admin_roles = Membership.objects.filter(user=by, role=Role.ADMIN, ended_at__isnull=True).count()
        if admin_roles <= 1:
            return "You cannot end your own last administrator role. Ask another administrator to do it."
    return ""


@transaction.atomic
def role_end(*, by: User, membership: Membership, ctx: AuditContext = COMMAND) -> Membership:
    """End one role; the person loses what it gave them at their next page (audited)."""
    refusal = role_end_refusal(by=by, membership=membership)
    if refusal:
        raise ManageRefused(refusal)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        raise ManageRefused("That role has already ended.")
    return membership_end(by=by, membership=membership, ctx=ctx)


def account_change_refusal(*, by: User, person: ManagedPerson) -> str:
    """Why the administrator may not reset this person's password or (de)activate their
    account ("" when they may). See the module docstring for why."""
    user = person.user
    if user.pk == by.pk:
        return "You cannot do this to your own account. Ask another administrator."
    if user.is_superuser:
        return "This account belongs to a system operator. Only the Haven service team can change it."
    if person.roles_elsewhere:
        return (
            f"{user.full_name or user.email} also has roles in organisations you do not manage, so their account "
            "is shared with them. Ask the Haven service team, or end their roles here instead."
        )
    return ""


def _refuse_account_change(*, by: User, person: ManagedPerson) -> None:
    refusal = account_change_refusal(by=by, person=person)
    if refusal:
        raise ManageRefused(refusal)


@transaction.atomic
def password_reset_by_admin(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> str:
    """Give the person a new temporary password and sign them out everywhere.

    For someone who forgot their password or whose account may be in other hands. Returns
    the password to show once; it is never stored in clear or audited.
    """
    _refuse_account_change(by=by, person=person)
    user = User.objects.select_for_update().get(pk=person.user.pk)
    password = temporary_password_new()
    must_change = user.password_must_change
    user.set_password(password)
    user.password_must_change = True
    user.save(update_fields=["password", "password_must_change"])
    # The account may be in other hands: its sessions end and its API tokens stop.
    revoked = sign_out_everywhere(user=user, by=by, ctx=ctx)
    # Never the password itself: only that it was reset, and the flag that makes it temporary.
    audit_record(
        Event.PASSWORD_RESET,
        ctx=ctx,
        actor=by,
        obj=user,
        changes=None if must_change else {"password_must_change": (False, True)},
        extra={"password": "reset by administrator", "sessions": "ended", "api_tokens_revoked": revoked},
        **person.audit_organisation,
    )
    person.user = user
    return password


def _active_set(*, by: User, person: ManagedPerson, active: bool, ctx: AuditContext) -> User:
    _refuse_account_change(by=by, person=person)
    user = User.objects.select_for_update().get(pk=person.user.pk)
    if user.is_active == active:
        return user
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        sign_out_everywhere(user=user, by=by, ctx=ctx)
    audit_record(
        Event.ACCOUNT_REACTIVATED if active else Event.ACCOUNT_DEACTIVATED,
        ctx=ctx,
        actor=by,
        obj=user,
        changes={"is_active": (not active, active)},
        extra={"is_active": [not active, active]},
        **person.audit_organisation,
    )
    person.user = user
    return user


@transaction.atomic
def user_deactivate(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> User:
    """Stop the person signing in, and end their sessions; their roles and records stay."""
    return _active_set(by=by, person=person, active=False, ctx=ctx)


@transaction.atomic
def user_reactivate(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> User:
    """Let a deactivated person sign in again, with the roles they still hold."""
    return _active_set(by=by, person=person, active=True, ctx=ctx)
