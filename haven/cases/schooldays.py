"""School days for deadlines (10 school days for a referral outcome, 5 for a file transfer).

Weekends are never school days; nor are the days a school has recorded as closed
(holidays, training days: organisations.SchoolClosure).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from haven.organisations.models import SchoolClosure

Closure = tuple[dt.date, dt.date]


def add_school_days(start: dt.date, days: int, closures: Iterable[Closure] = ()) -> dt.date:
    """The date ``days`` school days after ``start``."""
    closed = sorted(closures)
    day, added = start, 0
    while added < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and not any(first <= day <= last for first, last in closed):
            added += 1
    return day


def closures_by_school(school_ids: Iterable[int], *, since: dt.date) -> dict[int, list[Closure]]:
    """Closures from ``since`` on, for several schools, in one query."""

    found: dict[int, list[Closure]] = {}
    rows = SchoolClosure.objects.filter(school_id__in=list(school_ids), last_day__gte=since)
    for school_id, first, last in rows.values_list("school_id", "first_day", "last_day"):
        found.setdefault(school_id, []).append((first, last))
    return found
