"""Who may use the API at all, and how often.

What a user may read or write is decided by haven.access through the selectors and
services, exactly as for the pages; this module only turns away users whose roles never
touch safeguarding records, with the same 404 the pages give them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.throttling import UserRateThrottle

from haven.access.policy import Capability, has_any

if TYPE_CHECKING:
    from haven.accounts.models import User


def uses_the_api(user: User) -> bool:
    """Roles that record concerns or read safeguarding records (DESIGN §8): school staff,
    DSLs, deputies and heads, and trust leads (who read the cases schools share with them).
    Administrators, governors and advice officers never see safeguarding content."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        has_any(user, Capability.RECORD_CONCERN)
        or has_any(user, Capability.READ_SCHOOL_RECORDS)
        or reads_shared_cases(user)
    )


def reads_cases(user: User) -> bool:
    """Who has a case list: the school's readers (as the dashboard) and trust leads."""
    return has_any(user, Capability.READ_SCHOOL_RECORDS) or reads_shared_cases(user)


def reads_shared_cases(user: User) -> bool:
    """Trust leads read the cases schools share with their trust (access.case_visibility)."""
    return has_any(user, Capability.READ_SHARED_CASES)


class UsesTheApi(BasePermission):
    """Signed in (401 otherwise) with a role that uses the API (404 otherwise, as pages do)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False  # DRF answers 401 with the WWW-Authenticate challenge
        if not uses_the_api(request.user):
            raise NotFound()
        return True


class _MethodThrottle(UserRateThrottle):
    """Per user (by id), through the cache; safe and unsafe methods counted apart."""

    safe: bool

    def allow_request(self, request: Request, view: Any) -> bool:
        if (request.method in SAFE_METHODS) != self.safe:
            return True
        return super().allow_request(request, view)


class ReadThrottle(_MethodThrottle):
    scope = "api_read"
    safe = True


class WriteThrottle(_MethodThrottle):
    scope = "api_write"
    safe = False
