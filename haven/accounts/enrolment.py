"""Set-up links, role checks and second-factor resets (DESIGN §3 rule 19: an administrator is
never a path to content).

- A new account, a content role given to someone who has no password of their own yet, and a
  password reset of someone holding a content role: nobody is shown a password. The person
  is emailed a single-use link (:class:`~haven.accounts.models.Enrolment`, 72 hours) with
  which they choose their own password and then set up their second factor.
- Every content role given is told to the organisation's own leads (who, in
  :func:`haven.access.policy.role_checker_tiers`), by email and on their checks page, where
  they may revoke it for 14 days.
- Replacing a lost second factor needs two people: an administrator asks, a lead of the
  person's organisation (not the person, not the one who asked) approves; only then is a
  link sent.

Emails say what Haven is and who acted, never anything about a child.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import timedelta

from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from haven.access.policy import ROLE_CHECK_DAYS, role_checker_tiers
from haven.access.roles import CONTENT_ROLES, Role
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.links import site_url

from . import notices
from .models import (
    ENROLMENT_VALID_HOURS,
    AuthenticatorApp,
    Enrolment,
    Membership,
    Passkey,
    RecoveryCodeDevice,
    RoleGrantNotice,
    SecondFactorReset,
    User,
)
from .services import membership_end


class CheckRefused(Exception):
    """A check, a revocation or an approval the rules refuse; the message is fit to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _email_after_commit(send: Callable[[], None]) -> None:
    if not clock.writing_history():  # history written now was told of at the time
        transaction.on_commit(send)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _organisation_audit(membership: Membership | None) -> dict[str, object]:
    if membership is None:
        return {}
    return {"school": membership.school, "trust": membership.trust, "authority": membership.authority}


def has_own_password(user: User) -> bool:
    """Whether the person has chosen their password themselves (so no administrator knows it)."""
    return user.has_usable_password() and not user.password_must_change


# -- Set-up links ----------------------------------------------------------------------------


_SUBJECTS = {
    Enrolment.Purpose.ACCOUNT: "Set up your Haven account",
    Enrolment.Purpose.PASSWORD: "Choose a new Haven password",
    Enrolment.Purpose.SECOND_FACTOR: "Set up two-factor sign-in for Haven again",
}
_WHAT_TO_DO = {
    Enrolment.Purpose.ACCOUNT: "choose your password and set up two-factor sign-in",
    Enrolment.Purpose.PASSWORD: "choose a new password",
    Enrolment.Purpose.SECOND_FACTOR: "set up two-factor sign-in on your new phone or app",
}


def _enrolment_email(*, user: User, by: User | None, purpose: str, membership: Membership | None, link: str) -> None:
    who = f"{by.full_name or by.email}" if by is not None else "Your Haven administrator"
    if membership is not None:
        why = f"{who} added you to Haven as {membership.get_role_display()} at {membership.organisation}."
    else:
        why = f"{who} asked Haven to send you this link."
    body = (
        f"Hello {user.full_name or user.email},\n\n"
        "Haven is the safeguarding records system your organisation uses to record and act on concerns "
        "about children.\n\n"
        f"{why}\n\n"
        f"Open this link to {_WHAT_TO_DO[Enrolment.Purpose(purpose)]}. It works once, within "
        f"{ENROLMENT_VALID_HOURS} hours:\n{link}\n\n"
        "Nobody else knows your password: Haven never shows it to anyone. If you did not expect this email, "
        "do not open the link, and tell your designated safeguarding lead.\n"
    )
    send_mail(_SUBJECTS[Enrolment.Purpose(purpose)], body, None, [user.email])


@transaction.atomic
def enrolment_send(
    *,
    by: User | None,
    user: User,
    purpose: str,
    membership: Membership | None = None,
    ctx: AuditContext = COMMAND,
) -> Enrolment:
    """Email the person a new single-use link, cancelling any they still have open. The token
    leaves only in the email; the database keeps its SHA-256."""
    now = clock.now()
    Enrolment.objects.filter(user=user, used_at__isnull=True, cancelled_at__isnull=True).update(cancelled_at=now)
    token = secrets.token_urlsafe(32)
    enrolment = Enrolment.objects.create(
        user=user,
        membership=membership,
        purpose=purpose,
        token_hash=_token_hash(token),
        sent_by=by,
        created_at=now,
        expires_at=now + timedelta(hours=ENROLMENT_VALID_HOURS),
    )
    audit_record(
        Event.ENROLMENT_SENT,
        ctx=ctx,
        actor=by,
        obj=enrolment,
        extra={"user": user.pk, "purpose": purpose, "email": user.email},
        **_organisation_audit(membership),  # type: ignore[arg-type]
    )
    link = site_url(reverse("accounts:enrol", args=[token]))
    _email_after_commit(lambda: _enrolment_email(user=user, by=by, purpose=purpose, membership=membership, link=link))
    return enrolment


def enrolment_open(token: str, *, user: User | None = None, ctx: AuditContext = COMMAND) -> Enrolment | None:
    """The open link this token names, or None: unknown, used, cancelled, expired, or another
    person's than the one signed in. A known link refused is audited (someone may be trying
    an old email)."""
    enrolment = (
        Enrolment.objects.select_related("user", "membership").filter(token_hash=_token_hash(token)).first()
        if token
        else None
    )
    if enrolment is None:
        return None
    wrong_person = user is not None and user.is_authenticated and user.pk != enrolment.user_id
    if enrolment.is_open and enrolment.user.is_active and not wrong_person:
        return enrolment
    reason = (
        "used"
        if enrolment.used_at
        else "cancelled"
        if enrolment.cancelled_at
        else "another person signed in"
        if wrong_person
        else "account deactivated"
        if not enrolment.user.is_active
        else "expired"
    )
    audit_record(
        Event.ENROLMENT_REFUSED,
        ctx=ctx,
        actor=user if user is not None and user.is_authenticated else None,
        obj=enrolment,
        extra={"user": enrolment.user_id, "reason": reason},
        **_organisation_audit(enrolment.membership),  # type: ignore[arg-type]
    )
    return None


def _use(enrolment: Enrolment) -> Enrolment:
    locked = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if not locked.is_open:
        raise CheckRefused("This link has already been used or has run out.")
    locked.used_at = clock.now()
    locked.save(update_fields=["used_at"])
    return locked


@transaction.atomic
def enrolment_set_password(*, enrolment: Enrolment, password: str, ctx: AuditContext = COMMAND) -> User:
    """The person chooses their own password through the link (the form has run the settings'
    validators). Every other session of theirs ends."""
    enrolment = _use(enrolment)
    user = User.objects.select_for_update().get(pk=enrolment.user_id)
    user.set_password(password)
    user.password_must_change = False
    user.save(update_fields=["password", "password_must_change"])
    audit_record(
        Event.ENROLMENT_COMPLETED,
        ctx=ctx,
        actor=user,
        obj=enrolment,
        extra={"user": user.pk, "purpose": enrolment.purpose, "password": "chosen by its owner"},
        **_organisation_audit(enrolment.membership),  # type: ignore[arg-type]
    )
    if enrolment.purpose == Enrolment.Purpose.PASSWORD:  # a new account's first password changes nothing
        notices.password_changed(user=user)
    return user


@transaction.atomic
def enrolment_reset_second_factor(*, enrolment: Enrolment, ctx: AuditContext = COMMAND) -> User:
    """The person, with the approved link and their password, removes their lost second factor
    (every authenticator app, recovery code and passkey: whoever has the lost phone or laptop
    must not keep a way in), to set up a new one at once."""
    enrolment = _use(enrolment)
    user = enrolment.user
    apps, _ = AuthenticatorApp.objects.filter(user=user).delete()
    passkeys = list(Passkey.objects.filter(user=user).values_list("name", flat=True))
    Passkey.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    audit_record(
        Event.ENROLMENT_COMPLETED,
        ctx=ctx,
        actor=user,
        obj=enrolment,
        changes={"has_two_factor": (bool(apps or passkeys), False)},
        extra={"user": user.pk, "purpose": enrolment.purpose, "passkeys_removed": passkeys},
    )
    return user


def enrolment_cancel(*, by: User, membership: Membership, ctx: AuditContext = COMMAND) -> int:
    """Cancel the open links a role's grant sent (the role was revoked)."""
    cancelled = Enrolment.objects.filter(membership=membership, used_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=clock.now()
    )
    if cancelled:
        audit_record(
            Event.ENROLMENT_CANCELLED,
            ctx=ctx,
            actor=by,
            obj=membership,
            extra={"user": membership.user_id, "links": cancelled},
            **_organisation_audit(membership),  # type: ignore[arg-type]
        )
    return cancelled


# -- Role checks ---------------------------------------------------------------------------


def role_checkers(membership: Membership, *, leave_out: set[int]) -> list[User]:
    """Who checks this role: the first tier of :func:`role_checker_tiers` holding an active
    person not in ``leave_out`` (the person themself, whoever gave the role or asked)."""
    for tier in role_checker_tiers(membership):
        users = list(
            User.objects.filter(
                is_active=True,
                memberships__in=Membership.objects.filter(tier, ended_at__isnull=True),
            )
            .exclude(pk__in=leave_out)
            .distinct()
            .order_by("full_name", "email")
        )
        if users:
            return users
    return []


def _grant_checkers(notice: RoleGrantNotice) -> list[User]:
    return role_checkers(notice.membership, leave_out={notice.membership.user_id, notice.granted_by_id})


def _grant_email(*, notice: RoleGrantNotice, recipients: list[str]) -> None:
    membership = notice.membership
    body = (
        "Haven is your organisation's safeguarding records system.\n\n"
        f"{notice.granted_by.full_name or notice.granted_by.email} gave "
        f"{membership.user.full_name or membership.user.email} ({membership.user.email}) the role "
        f"{membership.get_role_display()} at {membership.organisation}. It lets them see safeguarding records.\n\n"
        "If you did not expect this, revoke the role on your checks page within "
        f"{ROLE_CHECK_DAYS} days:\n{site_url(reverse('accounts:checks'))}\n"
    )
    for email in recipients:
        send_mail(f"A safeguarding role was given at {membership.organisation}", body, None, [email])


def grant_notice_record(*, by: User, membership: Membership, ctx: AuditContext = COMMAND) -> RoleGrantNotice | None:
    """Tell the role's checkers of a content role given (after the grant commits)."""
    if membership.role not in CONTENT_ROLES:
        return None
    notice = RoleGrantNotice.objects.create(membership=membership, granted_by=by)
    recipients = [u.email for u in _grant_checkers(notice)]
    _email_after_commit(lambda: _grant_email(notice=notice, recipients=recipients))
    return notice


def grants_to_check_for(user: User) -> list[RoleGrantNotice]:
    """The content roles given in the last ``ROLE_CHECK_DAYS`` days that this person checks."""
    mine = [m for m in user.active_memberships if m.role in {Role.DSL, Role.HEAD, Role.TRUST_LEAD, Role.LA_OFFICER}]
    if not mine:
        return []
    near = Q(pk__in=[])
    for m in mine:
        if m.school_id:
            near |= Q(membership__school_id=m.school_id)
        elif m.trust_id:
            near |= Q(membership__trust_id=m.trust_id) | Q(membership__school__trust_id=m.trust_id)
        else:
            near |= Q(membership__authority_id=m.authority_id)
    since = clock.now() - timedelta(days=ROLE_CHECK_DAYS)
    candidates = (
        RoleGrantNotice.objects.filter(near, granted_at__gte=since, revoked_at__isnull=True)
        .filter(membership__ended_at__isnull=True)
        .select_related("membership__user", "membership__school", "membership__trust", "membership__authority")
        .select_related("granted_by")
        .order_by("-granted_at")
    )
    return [n for n in candidates if any(u.pk == user.pk for u in _grant_checkers(n))]


def grant_to_check_get(user: User, notice_id: int) -> RoleGrantNotice | None:
    return next((n for n in grants_to_check_for(user) if n.pk == notice_id), None)


@transaction.atomic
def grant_revoke(*, by: User, notice: RoleGrantNotice, ctx: AuditContext = COMMAND) -> Membership:
    """A checker revokes a content role given: the role ends, its set-up link stops working."""
    notice = RoleGrantNotice.objects.select_for_update().select_related("membership").get(pk=notice.pk)
    membership = Membership.objects.select_for_update().get(pk=notice.membership_id)
    if notice.revoked_at is not None or membership.ended_at is not None:
        raise CheckRefused("That role has already ended.")
    membership_end(by=by, membership=membership, ctx=ctx)
    enrolment_cancel(by=by, membership=membership, ctx=ctx)
    notice.revoked_by, notice.revoked_at = by, clock.now()
    notice.save(update_fields=["revoked_by", "revoked_at"])
    audit_record(
        Event.ROLE_REVOKED_BY_LEAD,
        ctx=ctx,
        actor=by,
        obj=membership,
        extra={"user": membership.user_id, "role": membership.role, "granted_by": notice.granted_by_id},
        **_organisation_audit(membership),  # type: ignore[arg-type]
    )
    return membership


# -- Second-factor resets --------------------------------------------------------------------


def second_factor_approvers(reset: SecondFactorReset) -> list[User]:
    """Who may approve: the checkers of any current role of the person, never the person or
    the administrator who asked."""
    found: dict[int, User] = {}
    leave_out = {reset.user_id, reset.requested_by_id}
    for membership in Membership.objects.filter(user_id=reset.user_id, ended_at__isnull=True).select_related(
        "school", "trust", "authority"
    ):
        for u in role_checkers(membership, leave_out=leave_out):
            found[u.pk] = u
    return sorted(found.values(), key=lambda u: (u.full_name, u.email))


def _reset_email(*, reset: SecondFactorReset, recipients: list[str]) -> None:
    body = (
        "Haven is your organisation's safeguarding records system.\n\n"
        f"{reset.requested_by.full_name or reset.requested_by.email} asked to reset two-factor sign-in for "
        f"{reset.user.full_name or reset.user.email} ({reset.user.email}), who has lost their phone or "
        "authenticator app. It needs a second person: check with them that the request is real (in person or by "
        f"phone, not by email), then approve it on your checks page:\n{site_url(reverse('accounts:checks'))}\n"
    )
    for email in recipients:
        send_mail("A two-factor reset is waiting for your approval", body, None, [email])


@transaction.atomic
def second_factor_reset_request(*, by: User, user: User, ctx: AuditContext = COMMAND) -> SecondFactorReset:
    """An administrator asks for the person's lost second factor to be replaced. Nothing
    changes until someone else approves (:func:`second_factor_reset_approve`)."""
    if user.pk == by.pk:
        raise CheckRefused("You cannot reset your own two-factor sign-in. Ask another administrator.")
    reset = SecondFactorReset.objects.create(user=user, requested_by=by)
    approvers = second_factor_approvers(reset)
    if not approvers:
        raise CheckRefused(
            "Nobody else in their organisation can approve this: it needs a safeguarding lead, headteacher, "
            "trust lead or another administrator. Ask the Haven service team."
        )
    audit_record(
        Event.SECOND_FACTOR_RESET_REQUESTED,
        ctx=ctx,
        actor=by,
        obj=reset,
        extra={"user": user.pk, "approvers": [u.pk for u in approvers]},
    )
    recipients = [u.email for u in approvers]
    _email_after_commit(lambda: _reset_email(reset=reset, recipients=recipients))
    return reset


def resets_to_approve_for(user: User) -> list[SecondFactorReset]:
    if not user.active_memberships:
        return []
    since = clock.now() - timedelta(hours=ENROLMENT_VALID_HOURS)
    pending = (
        SecondFactorReset.objects.filter(approved_at__isnull=True, requested_at__gt=since)
        .exclude(user=user)
        .exclude(requested_by=user)
        .select_related("user", "requested_by")
        .order_by("-requested_at")
    )
    return [r for r in pending if any(u.pk == user.pk for u in second_factor_approvers(r))]


def reset_to_approve_get(user: User, reset_id: int) -> SecondFactorReset | None:
    return next((r for r in resets_to_approve_for(user) if r.pk == reset_id), None)


@transaction.atomic
def second_factor_reset_approve(*, by: User, reset: SecondFactorReset, ctx: AuditContext = COMMAND) -> Enrolment:
    """A second person approves: the person is emailed a link to set up a new second factor."""
    reset = SecondFactorReset.objects.select_for_update().select_related("user").get(pk=reset.pk)
    if not reset.is_pending:
        raise CheckRefused("That request has already been approved or has run out.")
    if by.pk in {reset.user_id, reset.requested_by_id} or all(u.pk != by.pk for u in second_factor_approvers(reset)):
        raise CheckRefused("A second person must approve this: not the person, nor whoever asked.")
    reset.approved_by, reset.approved_at = by, clock.now()
    reset.save(update_fields=["approved_by", "approved_at"])
    audit_record(
        Event.SECOND_FACTOR_RESET_APPROVED,
        ctx=ctx,
        actor=by,
        obj=reset,
        extra={"user": reset.user_id, "requested_by": reset.requested_by_id},
    )
    notices.second_factor_reset_approved(user=reset.user, requested_by=reset.requested_by, approved_by=by)
    return enrolment_send(by=by, user=reset.user, purpose=Enrolment.Purpose.SECOND_FACTOR, ctx=ctx)
