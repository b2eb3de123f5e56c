"""Writes for the administrator's people pages: add a person, grant and end roles, reset a
password, end someone's sessions, deactivate and reactivate an account. Each is one transaction with its audit row.

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

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from haven.access.roles import CONTENT_ROLES, Role
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record

from . import enrolment as enrol
from . import notices
from .manage_selectors import ManagedPerson, Organisation, organisation_kind
from .models import Enrolment, Membership, User
from .services import membership_end, membership_grant, sign_out_everywhere
from .sessions import sessions_delete

# The roles each kind of organisation can hold (the database's membership_role_fits_organisation).
ROLES_BY_KIND: dict[str, tuple[Role, ...]] = {
    "school": (Role.STAFF, Role.DSL, Role.DEPUTY_DSL, Role.HEAD, Role.GOVERNOR, Role.ADMIN),
    "trust": (Role.TRUST_LEAD, Role.GOVERNOR, Role.ADMIN),
    "authority": (Role.LA_OFFICER, Role.ADMIN),
}
_KIND_NAMES = {"school": "a school", "trust": "a trust", "authority": "a local authority"}


class ManageRefused(Exception):
    """A request the rules refuse; the message is written for the administrator. ``field``
    names the input the refusal is about ("role" or "email"), when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
        membership = membership_grant(by=by, user=user, role=role, ctx=ctx, **kwargs)
    except ValidationError as exc:  # a concurrent grant of the same role won the race
        raise ManageRefused(" ".join(exc.messages)) from exc
    enrol.grant_notice_record(by=by, membership=membership, ctx=ctx)
    if membership.role in CONTENT_ROLES and not enrol.has_own_password(user):
        _enrolment_instead_of_password(by=by, user=user, membership=membership, ctx=ctx)
    return membership


def _enrolment_instead_of_password(*, by: User, user: User, membership: Membership, ctx: AuditContext) -> None:
    """DESIGN §3 rule 19: whoever gets a content role chooses their own password. A temporary
    password an administrator was shown stops working; the person is emailed a set-up link."""
    if user.has_usable_password():
        user.set_unusable_password()
        user.password_must_change = False
        user.save(update_fields=["password", "password_must_change"])
        sign_out_everywhere(user=user, by=by, ctx=ctx)
    enrol.enrolment_send(by=by, user=user, purpose=Enrolment.Purpose.ACCOUNT, membership=membership, ctx=ctx)


@dataclass
class PersonAdded:
    user: User
    membership: Membership
    created: bool


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

    A new email address makes a new account with no password: the person is emailed a
    single-use link to choose their own (and set up two-factor sign-in), so nobody else ever
    knows it (DESIGN §3 rule 19). An email address that already has an account gets the role
    added instead: one person, one login, whatever the number of their roles; their name and
    job title are left as they are.
    """
    refusal = role_fit_refusal(organisation, role)
    if refusal:
        raise ManageRefused(refusal, field="role")
    email = email.strip().lower()
    existing = User.objects.filter(email__iexact=email).first()
    if existing is not None:
        membership = role_grant(by=by, user=existing, role=role, organisation=organisation, ctx=ctx)
        return PersonAdded(user=existing, membership=membership, created=False)
    user = User(email=email, full_name=full_name.strip(), job_title=job_title.strip())
    user.set_unusable_password()
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
        extra={"email": user.email, "password": "set-up link emailed"},
        **_organisation_kwargs(organisation),
    )
    membership = role_grant(by=by, user=user, role=role, organisation=organisation, ctx=ctx)
    if membership.role not in CONTENT_ROLES:  # a content role's grant has sent it already
        enrol.enrolment_send(by=by, user=user, purpose=Enrolment.Purpose.ACCOUNT, membership=membership, ctx=ctx)
    return PersonAdded(user=user, membership=membership, created=True)


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


def holds_content_role(user: User) -> bool:
    return Membership.objects.filter(user=user, role__in=CONTENT_ROLES, ended_at__isnull=True).exists()


@transaction.atomic
def password_reset_by_admin(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> Enrolment:
    """Reset the person's password and sign them out everywhere.

    For someone who forgot their password or whose account may be in other hands. Nobody is
    shown a password, whatever the person's roles (ASVS V6.4.1, V6.4.6; DESIGN §3 rule 19):
    the old one stops working, every session and API token of theirs ends, and they are
    emailed a single-use link (72 hours) with which they choose a new one themselves. Their
    second factor does not change, so the link alone does not sign anyone in to records.
    """
    _refuse_account_change(by=by, person=person)
    user = User.objects.select_for_update().get(pk=person.user.pk)
    must_change = user.password_must_change
    user.set_unusable_password()
    user.password_must_change = False
    user.save(update_fields=["password", "password_must_change"])
    # The account may be in other hands: its sessions end and its API tokens stop.
    revoked = sign_out_everywhere(user=user, by=by, ctx=ctx)
    audit_record(
        Event.PASSWORD_RESET,
        ctx=ctx,
        actor=by,
        obj=user,
        changes={"password_must_change": (True, False)} if must_change else None,
        extra={
            "password": "reset by administrator: link emailed",
            "sessions": "ended",
            "api_tokens_revoked": revoked,
        },
        **person.audit_organisation,
    )
    enrolment = enrol.enrolment_send(by=by, user=user, purpose=Enrolment.Purpose.PASSWORD, ctx=ctx)
    notices.password_reset(user=user, by=by)
    person.user = user
    return enrolment


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


def sessions_end_refusal(*, by: User, person: ManagedPerson) -> str:
    """Why the administrator may not end this person's sessions ("" when they may).

    Unlike a password reset, it is allowed when the person also has roles in organisations
    this administrator does not manage: ending sessions hands the account to nobody, it only
    asks the person to sign in again, which is what an administrator needs when a computer was
    left signed in."""
    if person.user.pk == by.pk:
        return "To sign yourself out of your other devices, use “Where you are signed in” on your account page."
    if person.user.is_superuser:
        return "This account belongs to a system operator. Only the Haven service team can change it."
    return ""


@transaction.atomic
def sessions_end_by_admin(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> int:
    """End every session of the person (ASVS V7.4.5): they are signed out on every device at
    their next request. Their password, second factor, roles and API tokens stay (a password
    reset or a deactivation stops the tokens too). Returns how many sessions ended."""
    refusal = sessions_end_refusal(by=by, person=person)
    if refusal:
        raise ManageRefused(refusal)
    ended = sessions_delete(person.user)
    audit_record(
        Event.SESSIONS_ENDED,
        ctx=ctx,
        actor=by,
        obj=person.user,
        extra={"sessions_ended": ended},
        **person.audit_organisation,
    )
    return ended


@transaction.atomic
def user_deactivate(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> User:
    """Stop the person signing in, and end their sessions; their roles and records stay."""
    return _active_set(by=by, person=person, active=False, ctx=ctx)


@transaction.atomic
def user_reactivate(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> User:
    """Let a deactivated person sign in again, with the roles they still hold."""
    return _active_set(by=by, person=person, active=True, ctx=ctx)


@transaction.atomic
def enrolment_resend(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> Enrolment:
    """Email a new set-up link to someone who has not chosen a password yet; the old one stops."""
    _refuse_account_change(by=by, person=person)
    user = person.user
    if enrol.has_own_password(user):
        raise ManageRefused(f"{user.full_name or user.email} has already set up their account.")
    last = Enrolment.objects.filter(user=user, membership__isnull=False).order_by("-created_at").first()
    membership = last.membership if last is not None and last.membership and last.membership.is_current else None
    return enrol.enrolment_send(by=by, user=user, purpose=Enrolment.Purpose.ACCOUNT, membership=membership, ctx=ctx)


@transaction.atomic
def second_factor_reset_request(*, by: User, person: ManagedPerson, ctx: AuditContext = COMMAND) -> None:
    """Ask for the person's lost second factor to be replaced; a second person must approve."""
    _refuse_account_change(by=by, person=person)
    try:
        enrol.second_factor_reset_request(by=by, user=person.user, ctx=ctx)
    except enrol.CheckRefused as exc:
        raise ManageRefused(exc.message) from exc
