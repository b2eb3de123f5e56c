"""Rate limits and the check-page lockout of the pupil pages, shared by every web worker.

The counts live in haven.core.ratelimit's store (the database, or Redis when
``HAVEN_REDIS_URL`` is set), so three workers give the limit once, not three times, and a
restart does not lift a lockout. A network address or a reference is never stored: only an
HMAC of it under a random salt of the day, destroyed an hour after the day ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from haven.audit.context import client_ip
from haven.core import ratelimit
from haven.core.logs import security_event
from haven.core.ratelimit import Limit

if TYPE_CHECKING:
    from django.http import HttpRequest

__all__ = ["Limit", "clear", "hit", "network_address", "over", "reset_all"]

# A school's link is shared with every pupil; a class might all write after an assembly.
REPORTS_PER_SCHOOL = Limit("school", 60, 60 * 60)
REPORTS_PER_ADDRESS = Limit("address", 5, 60 * 60)
CHECKS_PER_ADDRESS = Limit("check-address", 30, 15 * 60)
# Surveys: a whole school may answer in one tutor time, often from one school network address.
SURVEYS_PER_SCHOOL = Limit("survey-school", 1500, 60 * 60)
SURVEYS_PER_ADDRESS = Limit("survey-address", 300, 60 * 60)
# Wrong passphrases for one reference (known or not: both count the same way).
CHECK_FAILURES = Limit("check-failures", 5, 15 * 60)


def over(limit: Limit, value: str) -> bool:
    """Has ``value`` used up ``limit`` (without counting this call)? A refusal is a security
    event in the log, naming the limit only: no address, no reference, no school."""
    if not ratelimit.over(limit, value):
        return False
    security_event("pupil.rate_limited", "A pupil page's limit was reached.", limit=limit.name)
    return True


def hit(limit: Limit, value: str) -> None:
    ratelimit.hit(limit, value)


def clear(limit: Limit, value: str) -> None:
    ratelimit.clear(limit.name, value)


def reset_all() -> None:
    """For tests: forget this process's salts (the database's counts go with each test's
    transaction; Redis's are cleared)."""
    ratelimit.forget_salts()
    if isinstance(ratelimit.store(), ratelimit.RedisStore):
        ratelimit.store().clear()


def network_address(request: HttpRequest) -> str:
    """The address used only as a rate-limit key; never stored (see haven.core.ratelimit)."""

    return client_ip(request) or "unknown"
