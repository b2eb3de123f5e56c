"""Rate limits and the check-page lockout, held only in this process's memory.

Nothing here touches the database or a shared cache: a network address is kept only as a
salted hash (the salt is made fresh when the process starts) and only for the length of
its window. A restart forgets everything, which is the point: no record of who wrote.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from django.http import HttpRequest

from haven.audit.context import client_ip

_SALT = secrets.token_bytes(16)
_lock = threading.Lock()
_hits: dict[str, list[float]] = {}


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int


# A school's link is shared with every pupil; a class might all write after an assembly.
REPORTS_PER_SCHOOL = Limit("school", 60, 60 * 60)
REPORTS_PER_ADDRESS = Limit("address", 5, 60 * 60)
CHECKS_PER_ADDRESS = Limit("check-address", 30, 15 * 60)
# Surveys: a whole school may answer in one tutor time, often from one school network address.
SURVEYS_PER_SCHOOL = Limit("survey-school", 1500, 60 * 60)
SURVEYS_PER_ADDRESS = Limit("survey-address", 300, 60 * 60)
# Wrong passphrases for one reference (known or not: both count the same way).
CHECK_FAILURES = Limit("check-failures", 5, 15 * 60)


def _key(limit: Limit, value: str) -> str:
    return limit.name + ":" + hashlib.blake2b(value.encode(), key=_SALT, digest_size=16).hexdigest()


def _recent(key: str, window: int, now: float) -> list[float]:
    times = [t for t in _hits.get(key, ()) if t > now - window]
    if times:
        _hits[key] = times
    else:
        _hits.pop(key, None)
    return times


def over(limit: Limit, value: str) -> bool:
    """Has ``value`` used up ``limit`` (without counting this call)?"""
    with _lock:
        return len(_recent(_key(limit, value), limit.seconds, time.monotonic())) >= limit.count


def hit(limit: Limit, value: str) -> None:
    with _lock:
        now = time.monotonic()
        key = _key(limit, value)
        _hits[key] = [*_recent(key, limit.seconds, now), now]
        if len(_hits) > 100_000:  # a flood of addresses must not exhaust memory
            for k in list(_hits)[:50_000]:
                _hits.pop(k, None)


def clear(limit: Limit, value: str) -> None:
    with _lock:
        _hits.pop(_key(limit, value), None)


def reset_all() -> None:
    """For tests."""
    with _lock:
        _hits.clear()


def network_address(request: HttpRequest) -> str:
    """The address used only as a rate-limit key; never stored (see haven.audit.services)."""

    return client_ip(request) or "unknown"
