"""The demo world's calendar: its "today", the time zone and the school terms of its story."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
# The demo's "today": the world stands still at the end of the school day on Friday 20
# November 2026, half-way through the autumn term of 2026/27.
DEMO_TODAY = dt.date(2026, 11, 20)
DEMO_NOW = dt.datetime(2026, 11, 20, 16, 30, tzinfo=LONDON)
# Term dates of a typical English county, half terms and Easter taken out.
TERMS = (
    (dt.date(2024, 9, 3), dt.date(2024, 10, 25)),
    (dt.date(2024, 11, 4), dt.date(2024, 12, 20)),
    (dt.date(2025, 1, 6), dt.date(2025, 2, 14)),
    (dt.date(2025, 2, 24), dt.date(2025, 4, 4)),
    (dt.date(2025, 4, 22), dt.date(2025, 5, 23)),
    (dt.date(2025, 6, 2), dt.date(2025, 7, 22)),
    (dt.date(2025, 9, 3), dt.date(2025, 10, 24)),
    (dt.date(2025, 11, 3), dt.date(2025, 12, 19)),
    (dt.date(2026, 1, 5), dt.date(2026, 2, 13)),
    (dt.date(2026, 2, 23), dt.date(2026, 3, 27)),
    (dt.date(2026, 4, 13), dt.date(2026, 5, 22)),
    (dt.date(2026, 6, 1), dt.date(2026, 7, 21)),
    (dt.date(2026, 9, 3), dt.date(2026, 10, 23)),
    (dt.date(2026, 11, 2), DEMO_TODAY),
)
_BANK_HOLIDAYS = frozenset({dt.date(2025, 5, 5), dt.date(2026, 5, 4)})
TERM_DAYS: tuple[dt.date, ...] = tuple(
    start + dt.timedelta(days=n)
    for start, end in TERMS
    for n in range((end - start).days + 1)
    if (start + dt.timedelta(days=n)).weekday() < 5 and start + dt.timedelta(days=n) not in _BANK_HOLIDAYS
)
