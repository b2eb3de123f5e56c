"""Who may use the API at all, and how often.

What a user may read or write is decided by haven.access through the selectors and
services, exactly as for the pages; this module only turns away users whose roles never
touch safeguarding records (haven.access.policy.uses_the_api), with the same 404 the
pages give them.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from haven.access.policy import uses_the_api
from haven.core import ratelimit


class UsesTheApi(BasePermission):
    """Signed in (401 otherwise) with a role that uses the API (404 otherwise, as pages do)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 with the WWW-Authenticate challenge
        if not uses_the_api(request.user):
            raise NotFound()
        return True


class _MethodThrottle(SimpleRateThrottle):
    """Per user (by id), safe and unsafe methods counted apart, in the rate-limit store every
    worker shares (haven.core.ratelimit: the database, or Redis), so three workers give the
    rate once, not three times, and a restart does not reset it. The window is fixed: it
    starts at the user's first request, and a refused request tries again after it ends."""

    safe: bool
    window = 60

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if user and user.is_authenticated:
            return f"user:{user.pk}"
        return f"address:{self.get_ident(request)}"

    def allow_request(self, request: Request, view: Any) -> bool:
        allowed, seconds = self.parse_rate(self.rate)
        if (request.method in SAFE_METHODS) != self.safe or allowed is None or seconds is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        self.window = seconds
        return ratelimit.incr(f"api-{self.scope}", key, seconds=seconds) <= allowed

    def wait(self) -> float | None:
        # The store keeps no window's start: the whole window is the longest wait.
        return float(self.window)


class ReadThrottle(_MethodThrottle):
    scope = "api_read"
    safe = True


class WriteThrottle(_MethodThrottle):
    scope = "api_write"
    safe = False
