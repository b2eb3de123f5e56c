"""Writes about accounts: two-factor enrolment, recovery codes, memberships, signing out
everywhere. Each is one transaction with its audit row."""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING, cast

from django.db import transaction

from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock

from . import notices, recovery, sessions
from .models import AuthenticatorApp, Membership, RecoveryCode, RecoveryCodeDevice, User, _new_session_salt
from .signals import credentials_reset

if TYPE_CHECKING:
    from haven.organisations.models import Authority, School, Trust

RECOVERY_CODE_COUNT = 10


def totp_secret_base32(device: AuthenticatorApp) -> str:
    """The secret as an authenticator app wants it typed (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode().rstrip("=")


def two_factor_device_pending(*, user: User) -> AuthenticatorApp:
    """The unconfirmed authenticator being set up, created on first call."""
    device = AuthenticatorApp.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = AuthenticatorApp.objects.create(user=user, name="Authenticator app", confirmed=False)
    return cast("AuthenticatorApp", device)  # django-otp's Device is untyped


def _new_recovery_code() -> str:
    raw = secrets.token_hex(5)  # 40 bits each, single use
    return f"{raw[:5]}-{raw[5:]}"


@transaction.atomic
def recovery_codes_replace(*, user: User, ctx: AuditContext = COMMAND, notify: bool = True) -> list[str]:
    """Issue a fresh set of single-use recovery codes (kept only as hashes), replacing any old
    ones, and tell the
    person (``notify``: unless the caller tells them of it with more, a new authenticator)."""
    device, _ = RecoveryCodeDevice.objects.get_or_create(user=user, name="Recovery codes", defaults={"confirmed": True})
    left, _ = device.codes.all().delete()
    codes = [_new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    # Only each code's salted hash is kept: the person sees the codes once, now.
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code_hash=recovery.code_hash(c)) for c in codes])
    audit_record(
        Event.RECOVERY_CODES_REPLACED,
        ctx=ctx,
        actor=user,
        obj=user,
        changes={"recovery_codes_left": (left, len(codes))},
        extra={"recovery_codes": "replaced"},
    )
    if notify:
        notices.recovery_codes_made(user=user)
    return codes


@transaction.atomic
def two_factor_confirm(
    *, user: User, device: AuthenticatorApp, token: str, ctx: AuditContext = COMMAND
) -> list[str] | None:
    """Confirm the authenticator if the code is right; returns the new recovery codes."""
    if not device.verify_token(token.replace(" ", "")):
        audit_record(Event.SECOND_FACTOR_FAILED, ctx=ctx, actor=user, obj=user)
        return None
    replaced, _ = AuthenticatorApp.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # A new authenticator replacing an old one is no change to whether the person has one.
    audit_record(
        Event.SECOND_FACTOR_SET_UP,
        ctx=ctx,
        actor=user,
        obj=user,
        changes=None if replaced else {"has_two_factor": (False, True)},
        extra={"authenticators_replaced": replaced} if replaced else None,
    )
    notices.authenticator_set_up(user=user, replaced=bool(replaced))
    return recovery_codes_replace(user=user, ctx=ctx, notify=False)


@transaction.atomic
def sign_out_everywhere(*, user: User, by: User | None = None, ctx: AuditContext = COMMAND) -> int:
    """End every session of this user, on every device, by changing the session salt, and
    stop every credential other apps keep for them (the API's tokens). ``by`` is who did it
    (an administrator resetting a password), the user by default. Returns how many tokens
    were revoked."""
    user.session_salt = _new_session_salt()
    user.save(update_fields=["session_salt"])
    # The salt already makes every session useless; deleting them leaves nothing to list or reuse.
    ended = sessions.sessions_delete(user)
    responses = credentials_reset.send(sender=User, user=user, by=by or user)
    revoked = sum(cast(int, n) for _, n in responses)  # each receiver returns how many it revoked
    audit_record(
        Event.SIGNED_OUT_EVERYWHERE,
        ctx=ctx,
        actor=by or user,
        obj=user,
        extra={"api_tokens_revoked": revoked, "sessions_ended": ended},
    )
    return revoked


@transaction.atomic
def session_end(*, user: User, session: sessions.SessionSummary, ctx: AuditContext = COMMAND) -> None:
    """The person ends one of their own sessions (``/account/sessions/``), found for them by
    :func:`haven.accounts.sessions.session_get`: that browser's next request is signed out."""
    sessions.sessions_delete(user, handle=session.handle)
    audit_record(
        Event.SESSION_ENDED,
        ctx=ctx,
        actor=user,
        obj=user,
        extra={
            "device": session.device,
            "signed_in_at": session.signed_in_at.isoformat() if session.signed_in_at else None,
        },
    )


@transaction.atomic
def membership_grant(
    *,
    by: User,
    user: User,
    role: str,
    school: School | None = None,
    trust: Trust | None = None,
    authority: Authority | None = None,
    ctx: AuditContext = COMMAND,
) -> Membership:
    membership = Membership(user=user, role=role, school=school, trust=trust, authority=authority)
    membership.full_clean()
    membership.save()
    audit_record(
        Event.ROLE_GRANTED,
        ctx=ctx,
        actor=by,
        obj=membership,
        school=school,
        trust=trust,
        authority=authority,
        extra={"user": user.pk, "role": role},
    )
    return membership


@transaction.atomic
def membership_end(*, by: User, membership: Membership, ctx: AuditContext = COMMAND) -> Membership:
    old_end, ended_at = membership.ended_at, clock.now()
    membership.ended_at = ended_at
    membership.save(update_fields=["ended_at"])
    audit_record(
        Event.ROLE_ENDED,
        ctx=ctx,
        actor=by,
        obj=membership,
        school=membership.school,
        trust=membership.trust,
        authority=membership.authority,
        changes={"ended_at": (old_end.isoformat() if old_end else None, ended_at.isoformat())},
        extra={"user": membership.user_id, "role": membership.role},
    )
    return membership


@transaction.atomic
def password_change(*, user: User, password: str, keep_session: str | None = None, ctx: AuditContext = COMMAND) -> None:
    """The person sets their own password (checked by the form against the current one and
    the settings' validators). Every other session of theirs ends, since a session is bound
    to the password (``User.get_session_auth_hash``), and their rows go; the view keeps the one
    in use (``keep_session``, its key)."""
    must_change = user.password_must_change
    user.set_password(password)
    user.password_must_change = False
    user.save(update_fields=["password", "password_must_change"])
    sessions.sessions_delete(user, keep_key=keep_session)
    # Never the password itself: only that it changed, and the flag it clears.
    audit_record(
        Event.PASSWORD_CHANGED,
        ctx=ctx,
        actor=user,
        obj=user,
        changes={"password_must_change": (True, False)} if must_change else None,
        extra={"password": "changed by its owner"},
    )
    notices.password_changed(user=user)
