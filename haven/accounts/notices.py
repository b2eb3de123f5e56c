"""Telling the account holder when how they sign in changed (ASVS V6.3.7), and when someone
keeps failing to sign in as them, or gives their password but fails the second step (V6.3.5).

Each notice is one plain email to the account's own address: what happened, when (UK time),
and what to do if it was not them. Never a password, code, token or link that signs in, and
never anything about a child.

Why not the alerts outbox (haven.alerts): the outbox carries safeguarding alerts about a
school's record (every row names a school and the record), and it sits above accounts on the
floor plan, so accounts cannot write to it. These notices are about an account, which may
belong to a trust or an authority; they go by ``send_mail`` once the change has committed
(``transaction.on_commit``), as the set-up links do. A mail server that is away loses the
notice, never the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from haven.core import clock, ratelimit

from .models import User

UK = ZoneInfo("Europe/London")
IF_NOT_YOU = "If this was not you, tell your DSL or Haven administrator now."
FOOTER = "This email is from Haven, your organisation's safeguarding records system. It is about your account only."

# Failed sign-ins for one account (from any address) that bring one email, counted over a
# window (fixed, from the first failure): the fifth sends it, the sixth and later do not.
FAILED_SIGN_INS = getattr(settings, "AXES_FAILURE_LIMIT", 5)
FAILED_SIGN_INS_WINDOW = ratelimit.SALT_GRACE  # an hour, the longest window the store keeps
_FAILURES = "account-sign-in-failures"


def uk_time(moment: dt.datetime) -> str:
    """``3 December 2026 at 07:05`` in UK time, as the email says it."""
    local = moment.astimezone(UK)
    return f"{local.day} {local:%B %Y} at {local:%H:%M}"


def _name(user: User | None) -> str:
    return (user.full_name or user.email) if user is not None else ""


def _after_commit(send: Callable[[], None]) -> None:
    if not clock.writing_history():  # history written now was told of at the time
        transaction.on_commit(send)


def _send(*, user: User, subject: str, paragraphs: list[str]) -> None:
    if not user.email:
        return
    body = "\n\n".join([f"Hello {_name(user)},", *paragraphs, FOOTER]) + "\n"
    email = user.email

    def send() -> None:
        send_mail(subject, body, None, [email])

    _after_commit(send)


def notice_send(*, user: User, subject: str, what: str, more: str = "") -> None:
    """Email ``user`` that ``what`` happened just now (after the change commits).

    ``what`` is a sentence without its full stop ("Your Haven password was changed"); ``more``
    is an optional further sentence or two, never a secret."""
    at = uk_time(clock.now())
    _send(user=user, subject=subject, paragraphs=[f"{what} on {at} (UK time).", *([more] if more else []), IF_NOT_YOU])


# -- One function per change, so every caller says it the same way ---------------------------


def password_changed(*, user: User) -> None:
    notice_send(user=user, subject="Your Haven password was changed", what="Your Haven password was changed")


def password_reset(*, user: User, by: User) -> None:
    notice_send(
        user=user,
        subject="Your Haven password was reset",
        what=f"Your Haven password was reset by {_name(by)}",
        more="You have been signed out everywhere. A separate email has a link for you to choose a new password.",
    )


def authenticator_set_up(*, user: User, replaced: bool) -> None:
    notice_send(
        user=user,
        subject="A new authenticator app was set up for Haven",
        what="A new authenticator app was set up for your Haven account, with new recovery codes",
        more="The authenticator app you used before no longer works for Haven." if replaced else "",
    )


def recovery_codes_made(*, user: User) -> None:
    notice_send(
        user=user,
        subject="New Haven recovery codes were made",
        what="New recovery codes were made for your Haven account",
        more="The old recovery codes no longer work.",
    )


def passkey_added(*, user: User, name: str) -> None:
    notice_send(
        user=user,
        subject="A passkey was added to your Haven account",
        what=f"A passkey named “{name}” was added to your Haven account",
    )


def passkey_removed(*, user: User, name: str) -> None:
    notice_send(
        user=user,
        subject="A passkey was removed from your Haven account",
        what=f"The passkey named “{name}” was removed from your Haven account",
    )


def second_factor_reset_approved(*, user: User, requested_by: User, approved_by: User) -> None:
    notice_send(
        user=user,
        subject="A reset of your Haven two-factor sign-in was approved",
        what=(
            f"A reset of two-factor sign-in for your Haven account was asked for by {_name(requested_by)} "
            f"and approved by {_name(approved_by)}"
        ),
        more="A separate email has a link for you to set it up again on your new phone or app.",
    )


def api_token_created(*, user: User, name: str, expires_at: dt.datetime) -> None:
    notice_send(
        user=user,
        subject="A Haven API token was made",
        what=f"An API token named “{name}” was made for your Haven account",
        more=f"It stops working on {uk_time(expires_at)} (UK time), unless it is revoked before.",
    )


def api_token_expiring(*, user: User, name: str, expires_at: dt.datetime) -> None:
    """A reminder, not a change: it says when the token stops and what to do before then."""
    _send(
        user=user,
        subject="A Haven API token stops working soon",
        paragraphs=[
            f"Your Haven API token named “{name}” stops working on {uk_time(expires_at)} (UK time).",
            "If the system that uses it still needs it, make a new token on your API tokens page, put it in that "
            "system, then revoke the old one. If you no longer need it, you need do nothing.",
            "If you did not make this token, tell your DSL or Haven administrator now.",
        ],
    )


def sign_in_failed(*, email: str) -> None:
    """Count a failed sign-in for this email address; the one that reaches
    :data:`FAILED_SIGN_INS` within the window emails the account holder, once. Counted in the
    shared store (haven.core.ratelimit: only an HMAC of the address is kept), so every server
    process counts towards the same number."""
    if not email:
        return
    n = ratelimit.incr(_FAILURES, email, seconds=int(FAILED_SIGN_INS_WINDOW.total_seconds()))
    if n != FAILED_SIGN_INS:
        return
    user = User.objects.filter(email__iexact=email, is_active=True).first()
    if user is None:
        return
    notice_send(
        user=user,
        subject="Someone is failing to sign in to your Haven account",
        what=f"Someone tried to sign in to your Haven account with the wrong password {FAILED_SIGN_INS} times, "
        "the last",
        more="If it was you, you can ignore this email; ask your Haven administrator if you have forgotten your "
        "password. Haven stops each place that keeps trying for a while.",
    )


_SECOND_STEP_FAILURES = "account-second-step-failures"


def second_factor_failed(*, user: User) -> None:
    """Count a wrong code given after the right password (a partly successful sign-in: the
    password may be known to someone else); the one that reaches :data:`FAILED_SIGN_INS`
    within the window emails the account holder, once."""
    n = ratelimit.incr(_SECOND_STEP_FAILURES, str(user.pk), seconds=int(FAILED_SIGN_INS_WINDOW.total_seconds()))
    if n != FAILED_SIGN_INS:
        return
    notice_send(
        user=user,
        subject="Someone signed in with your Haven password but not your second step",
        what=f"Someone gave your Haven password, then a wrong code {FAILED_SIGN_INS} times, the last",
        more="If it was not you, someone else may know your password: change it now (Your account, Change your "
        "password).",
    )
