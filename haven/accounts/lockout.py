"""Staff sign-in lockout (django-axes): how it names the account being tried (the email,
trimmed and lower-cased, so "DSL@School.org " and "dsl@school.org" count towards the same
lockout), and where it counts (the rate-limit store every worker shares)."""

from __future__ import annotations

import threading
from typing import Any

from axes.handlers.cache import AxesCacheHandler
from django.http import HttpRequest

from haven.core import ratelimit


def username_from(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    source = credentials if credentials else getattr(request, "POST", {})
    return str(source.get("email") or source.get("username") or "").strip().lower()


class _SharedCounts:
    """The few cache methods django-axes' cache handler calls, over the shared rate-limit
    store (haven.core.ratelimit). Axes names a count by a SHA-256 of email and address; the
    store keeps only an HMAC of that under the day's salt."""

    NAME = "staff-sign-in"

    def __init__(self) -> None:
        self._added = threading.local()

    def get(self, key: str, default: int = 0) -> int:
        return ratelimit.count(self.NAME, key) or default

    def add(self, key: str, value: int = 1, timeout: int | None = None) -> bool:
        # Axes asks add(), then incr() when the key was there: count once, answer both.
        n = ratelimit.incr(self.NAME, key, seconds=self._seconds(timeout))
        self._added.last = (key, n)
        return n == 1

    def incr(self, key: str, delta: int = 1) -> int:
        last = getattr(self._added, "last", None)
        self._added.last = None
        if last is not None and last[0] == key:
            return int(last[1])
        return ratelimit.incr(self.NAME, key, seconds=self._seconds(None))

    def touch(self, key: str, timeout: int | None = None) -> bool:
        ratelimit.touch(self.NAME, key, seconds=self._seconds(timeout))
        return True

    def delete(self, key: str) -> bool:
        ratelimit.clear(self.NAME, key)
        return True

    @staticmethod
    def _seconds(timeout: int | None) -> int:
        return int(timeout or ratelimit.SALT_GRACE.total_seconds())


class SharedLockoutHandler(AxesCacheHandler):  # type: ignore[misc]
    """django-axes' cache handler, counting in the shared store (settings.AXES_HANDLER)."""

    def __init__(self) -> None:
        self.cache = _SharedCounts()
