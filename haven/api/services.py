"""Writes of the API app: creating and revoking personal API tokens, audited.

The audit log records the token's id, name and display prefix, never the token itself.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import F

from haven.access.policy import uses_the_api
from haven.accounts import notices
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError

from .models import DEFAULT_LIFETIME, DISPLAY_PREFIX_LENGTH, TOKEN_PREFIX, ApiToken, token_hash

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_LIFETIME = dt.timedelta(days=366)
MAX_LIVE_TOKENS = 20
# ASVS V6.4.5: the owner is told this long before a token runs out, so the system using it
# can be given a new one in time.
REMIND_BEFORE = dt.timedelta(days=14)


@transaction.atomic
def token_create(
    *, by: User, name: str, lifetime: dt.timedelta = DEFAULT_LIFETIME, ctx: AuditContext = COMMAND
) -> tuple[ApiToken, str]:
    """Create a token for ``by`` and return it with the token text, which is shown once and
    never again: only its hash is kept. Refused for roles that do not use the API."""
    if not uses_the_api(by):
        raise ApplicationError("Your role does not use the Haven API.", code="forbidden")
    name = (name or "").strip()
    if not name:
        raise ApplicationError("Say what the token is for, e.g. the name of the system that will use it.", field="name")
    if len(name) > 100:
        raise ApplicationError("Keep the name under 100 characters.", field="name")
    if not dt.timedelta(minutes=1) <= lifetime <= MAX_LIFETIME:
        raise ApplicationError("A token lasts at most a year.", field="lifetime")
    if ApiToken.objects.usable().filter(user=by).count() >= MAX_LIVE_TOKENS:
        raise ApplicationError(f"You have {MAX_LIVE_TOKENS} tokens in use: revoke one you no longer need first.")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    token = ApiToken.objects.create(
        user=by,
        name=name,
        prefix=raw[:DISPLAY_PREFIX_LENGTH],
        key_hash=token_hash(raw),
        created_at=now,
        expires_at=now + lifetime,
    )
    audit_record(
        Event.API_TOKEN_CREATED,
        ctx=ctx,
        actor=by,
        object_type="api.token",
        object_id=token.pk,
        extra={"name": token.name, "prefix": token.prefix, "expires_at": token.expires_at.isoformat()},
    )
    notices.api_token_created(user=by, name=token.name, expires_at=token.expires_at)
    return token, raw


@transaction.atomic
def token_revoke(*, by: User, token: ApiToken, ctx: AuditContext = COMMAND) -> ApiToken:
    """Revoke one of the user's own tokens at once. The row stays, so the audit trail and
    the tokens page can still say which token it was."""
    if token.user_id != by.pk:
        raise ApplicationError("You can only revoke your own tokens.", code="forbidden")
    if token.revoked_at is None:
        revoked_at = clock.now()
        token.revoked_at = revoked_at
        token.revoked_by = by
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit_record(
            Event.API_TOKEN_REVOKED,
            ctx=ctx,
            actor=by,
            object_type="api.token",
            object_id=token.pk,
            changes={"revoked_at": (None, revoked_at.isoformat())},
            extra={"revoked": True, "name": token.name, "prefix": token.prefix},
        )
    return token


def token_expiry_reminders() -> int:
    """Email the owner of each token that stops working within :data:`REMIND_BEFORE`, once
    per token (run hourly by ``manage.py remind_api_tokens``). Not for revoked or expired
    tokens, inactive owners, or tokens made to last no longer than the notice itself (their
    owner knew when they made it). Returns how many were sent.

    Each token is marked reminded in its own transaction before the email goes (after it
    commits): two sweeps at once send one, and a mail server away loses that reminder
    rather than sending it every hour."""
    now = clock.now()
    due = (
        ApiToken.objects.usable(now)
        .filter(expires_at__lte=now + REMIND_BEFORE, expiry_reminded_at__isnull=True, user__is_active=True)
        .filter(expires_at__gt=F("created_at") + REMIND_BEFORE)
        .select_related("user")
    )
    sent = 0
    for token in due:
        with transaction.atomic():
            if not ApiToken.objects.filter(pk=token.pk, expiry_reminded_at__isnull=True).update(expiry_reminded_at=now):
                continue  # another sweep took it
            notices.api_token_expiring(user=token.user, name=token.name, expires_at=token.expires_at)
        sent += 1
    return sent
