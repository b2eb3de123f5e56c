"""School days for deadlines (10 school days for a referral outcome, 5 for a file transfer).

Weekends are never school days. Term dates and closures are not yet recorded per school,
so holidays count as school days for now; a deadline may therefore show as overdue early
in a holiday, never late.
"""

from __future__ import annotations

import datetime as dt


def add_school_days(start: dt.date, days: int) -> dt.date:
    day = start
    added = 0
    while added < days:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            added += 1
    return day
