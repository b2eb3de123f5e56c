"""Calendar months as the first day of each: what monthly tables and roll-ups count by."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return (day.replace(day=1) + dt.timedelta(days=32)).replace(day=1)


def midnight(day: dt.date) -> dt.datetime:
    """The start of ``day`` where the service is: a range of days as a range on a time column
    itself, which its index can serve (a filter on the column's local date cannot)."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=timezone.get_current_timezone())


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first day of every month from ``first``'s month to ``last``'s, both included."""
    months, month, last = [], month_start(first), month_start(last)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months
