"""Haven's session engine: Django's database sessions, in Haven's own table, saved with one
statement, knowing whose they are; and the rules sessions live by.

The rules (README, "Sessions"; ASVS V7.1.1, V7.1.2, V7.3.1, V7.3.2):

- a session ends after ``SESSION_IDLE_SECONDS`` without a request (30 minutes: school
  computers are shared, and a screen left signed in is the likeliest way in);
- and ``SESSION_MAX_SECONDS`` after sign-in however active it is (12 hours: a school day and
  an evening's work), then the person signs in again (``SessionLifetimeMiddleware``);
- a person may be signed in on several devices at once (a school laptop, a phone), at most
  :data:`SESSIONS_PER_PERSON`: signing in once more ends the one used longest ago. Each is
  listed on ``/account/sessions/`` and can be ended there, or by an administrator.

Saving: every request saves its session (``SESSION_SAVE_EVERY_REQUEST``: each request restarts
the idle timer). Django's database backend wraps even that single UPDATE in a transaction
(BEGIN, UPDATE, COMMIT: three round trips to the database on every page). Outside a
transaction one UPDATE is atomic on its own, so the update is sent alone; creating a session,
or saving one inside a transaction, goes through Django's own code unchanged.

Whose: the row (:class:`~haven.accounts.models.UserSession`) carries the person, the sign-in
time, a short name of the browser and when it was last used, copied from the session's own
data in that same UPDATE: listing someone's sessions costs no page a query.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends import db
from django.contrib.sessions.backends.base import SessionBase, UpdateError
from django.db import DatabaseError, router, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from haven.core import clock
from haven.core.useragent import describe

if TYPE_CHECKING:
    from django.db.models import QuerySet
    from django.http import HttpRequest

    from .models import User, UserSession

# Kept in the session's data from sign-in (see :func:`begin`).
SIGNED_IN_AT = "signed_in_at"
HANDLE = "session_handle"
DEVICE = "session_device"
# Sessions one person may hold at once (README, "Sessions").
SESSIONS_PER_PERSON = 10
# Set on a request whose session is ended at its lifetime, so the sign-out's audit event says
# so (haven/accounts/signals.py): ``{"signed_in_at": <ISO 8601 or None>}``.
ENDED_AT_LIFETIME = "haven_session_lifetime_ended"


class SessionStore(db.SessionStore):
    @classmethod
    def get_model_class(cls) -> type[UserSession]:
        from .models import UserSession

        return UserSession

    def create_model_instance(self, data: dict[str, Any]) -> UserSession:
        obj = cast("UserSession", super().create_model_instance(data))
        obj.user_id = _user_id(data)
        obj.handle = str(data.get(HANDLE) or "")[:24]
        obj.signed_in_at = _moment(data.get(SIGNED_IN_AT))
        obj.device = str(data.get(DEVICE) or "")[:80]
        obj.last_seen_at = clock.now()
        return obj

    async def acreate_model_instance(self, data: dict[str, Any]) -> UserSession:
        return self.create_model_instance(data)

    def save(self, must_create: bool = False) -> None:
        if must_create or self.session_key is None:
            return super().save(must_create)
        obj = self.create_model_instance(self._get_session())  # type: ignore[attr-defined]  # not in django-stubs
        using = router.db_for_write(self.model, instance=obj)
        if transaction.get_connection(using).in_atomic_block:
            return super().save(must_create)
        try:
            obj.save(force_update=True, using=using)
        except DatabaseError as exc:  # the row is gone (signed out elsewhere, ended, expired and cleared)
            raise UpdateError from exc
        return None


def _user_id(data: dict[str, Any]) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


def _moment(raw: object) -> dt.datetime | None:
    if not isinstance(raw, str):
        return None
    try:
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


# -- The rules ------------------------------------------------------------------------------------


def lifetime() -> dt.timedelta:
    return dt.timedelta(seconds=settings.SESSION_MAX_SECONDS)


def duration_words(seconds: int) -> str:
    """``12 hours``, ``1 hour``, ``90 minutes``: for messages and the page footer."""
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = max(1, round(seconds / 60))
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def begin(request: HttpRequest) -> None:
    """At sign-in: when it happened, a handle for the session's pages, the browser's short name."""
    session = request.session
    session[SIGNED_IN_AT] = clock.now().astimezone(dt.UTC).isoformat()
    session[HANDLE] = secrets.token_urlsafe(12)
    session[DEVICE] = describe(request.META.get("HTTP_USER_AGENT", ""))


def signed_in_at(session: SessionBase) -> dt.datetime | None:
    return _moment(session.get(SIGNED_IN_AT))


def past_lifetime(session: SessionBase) -> bool:
    """Whether the session was signed in ``SESSION_MAX_SECONDS`` ago or more. A signed-in
    session with no sign-in time (which :func:`begin` always sets) is past it too."""
    at = signed_in_at(session)
    return at is None or clock.now() - at >= lifetime()


# -- Whose sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionSummary:
    handle: str
    device: str
    signed_in_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    this_device: bool


def _live(user: User) -> QuerySet[UserSession]:
    from .models import UserSession

    return UserSession.objects.filter(user=user, expire_date__gt=timezone.now())


def session_list_for(user: User, *, current_key: str | None) -> list[SessionSummary]:
    """The person's own sessions that would let a browser in now: this one first, then the most
    recently used. A row can outlive its session by a little: after a password change (a session
    is bound to the password, ``User.get_session_auth_hash``) until that browser's next request,
    or past the lifetime until its next request ends it. Neither is listed."""
    expected = user.get_session_auth_hash()
    oldest = clock.now() - lifetime()
    store = SessionStore()
    found = []
    for row in _live(user).filter(signed_in_at__gt=oldest).order_by("-last_seen_at"):
        data = store.decode(row.session_data)
        if not constant_time_compare(str(data.get(HASH_SESSION_KEY, "")), expected) or not row.handle:
            continue
        found.append(
            SessionSummary(
                handle=row.handle,
                device=row.device or "An unknown browser",
                signed_in_at=row.signed_in_at,
                last_seen_at=row.last_seen_at,
                this_device=row.session_key == current_key,
            )
        )
    found.sort(key=lambda s: not s.this_device)  # stable: the rest stay most recent first
    return found


def session_get(user: User, handle: str, *, current_key: str | None) -> SessionSummary | None:
    """One of the person's own sessions, by its handle; None when it is not theirs or not live."""
    return next((s for s in session_list_for(user, current_key=current_key) if s.handle == handle), None)


def sessions_delete(user: User, *, handle: str | None = None, keep_key: str | None = None) -> int:
    """End the person's sessions (one, by handle; or all but ``keep_key``) by deleting their
    rows: the browser's next request has no session. Returns how many. The caller audits."""
    rows = _live(user) if handle is None else _live(user).filter(handle=handle)
    if keep_key:
        rows = rows.exclude(session_key=keep_key)
    deleted, _ = rows.delete()
    return deleted


def sessions_trim(user: User, *, keep_key: str | None) -> int:
    """At sign-in: end the sessions used longest ago beyond :data:`SESSIONS_PER_PERSON`,
    counting the new one (``keep_key``). Returns how many were ended."""
    others = _live(user).exclude(session_key=keep_key) if keep_key else _live(user)
    surplus = list(
        others.order_by("-last_seen_at", "-signed_in_at").values_list("session_key", flat=True)[
            SESSIONS_PER_PERSON - 1 :
        ]
    )
    if not surplus:
        return 0
    deleted, _ = others.filter(session_key__in=surplus).delete()
    return deleted
