"""Every sign-in, failed sign-in and sign-out goes into the audit log; and the signal that
an account's credentials were reset, for the apps above that hold credentials of their own."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import Signal, receiver

from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record

from . import notices, sessions

if TYPE_CHECKING:
    from django.http import HttpRequest

    from haven.accounts.models import User

# Sent (sender=User, user=, by=) inside the transaction that ends every session of an account
# (sign out everywhere, an administrator's reset or deactivation): the account may be in other
# hands. Each receiver revokes the credentials its app keeps for the user (the API its tokens)
# and returns how many, for the audit event.
credentials_reset = Signal()


@receiver(user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: User, **kwargs: Any) -> None:
    """Every way in (password, passkey, a set-up link) passes here: the session learns when it
    began, and the person's sessions beyond the limit end, the one used longest ago first."""
    sessions.begin(request)
    ended = sessions.sessions_trim(user, keep_key=request.session.session_key)
    audit_record(
        Event.SIGNED_IN,
        ctx=AuditContext.of(request),
        actor=user,
        obj=user,
        extra={"sessions_ended": ended, "sessions_limit": sessions.SESSIONS_PER_PERSON} if ended else None,
    )


@receiver(user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: User | None, **kwargs: Any) -> None:
    if user is None:
        return
    lifetime_ended = getattr(request, sessions.ENDED_AT_LIFETIME, None)
    if lifetime_ended is not None:
        audit_record(
            Event.SESSION_LIFETIME_ENDED,
            ctx=AuditContext.of(request),
            actor=user,
            obj=user,
            extra={**lifetime_ended, "session_max_seconds": settings.SESSION_MAX_SECONDS},
        )
        return
    audit_record(Event.SIGNED_OUT, ctx=AuditContext.of(request), actor=user, obj=user)


@receiver(user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    email = str(credentials.get("email") or credentials.get("username") or "")[:254]
    locked = bool(getattr(request, "axes_locked_out", False))
    audit_record(
        Event.LOCKED_OUT if locked else Event.SIGN_IN_FAILED,
        ctx=AuditContext.of(request) if request is not None else COMMAND,
        object_type="accounts.user",
        extra={"email": email.strip().lower()},
    )
    notices.sign_in_failed(email=email.strip().lower())
