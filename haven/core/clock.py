"""Where Haven takes the time from.

Services, selectors and model defaults ask this module, never ``django.utils.timezone``
directly, so that history can be written through the real services at the moment it
happened: the demo world's two years, and (later) records brought in from the system a
school is leaving. Inside :func:`history`, :func:`now` is the moment the caller sets, and
:func:`writing_history` is true so that nothing is emailed about the past (alerts and
notifications are recorded by whoever writes the history, as they were at the time).

Outside it, :func:`now` is :func:`django.utils.timezone.now`, looked up at each call (a test
that patches Django's clock still moves Haven's).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from contextvars import ContextVar

from django.utils import timezone

_at: ContextVar[dt.datetime | None] = ContextVar("haven_clock_at", default=None)
_history: ContextVar[bool] = ContextVar("haven_clock_history", default=False)


def now() -> dt.datetime:
    """The current moment (aware, UTC), or the moment history is being written at."""
    at = _at.get()
    return timezone.now() if at is None else at


def localtime() -> dt.datetime:
    """:func:`now` in the current time zone (UK time)."""
    return timezone.localtime(now())


def localdate() -> dt.date:
    """Today's date in the current time zone, as of :func:`now`."""
    return timezone.localdate(now())


def writing_history() -> bool:
    """Whether the records being written are history (no one is told of them now)."""
    return _history.get()


class HistoryClock:
    """The moment history is being written at, moved forward by whoever writes it."""

    @property
    def at(self) -> dt.datetime:
        return now()

    @at.setter
    def at(self, moment: dt.datetime) -> None:
        if timezone.is_naive(moment):
            raise ValueError("History is written at aware moments (with a time zone).")
        _at.set(moment)


@contextlib.contextmanager
def history(at: dt.datetime | None = None) -> Iterator[HistoryClock]:
    """Write history: inside, :func:`now` is the clock's ``at`` (set it before each record)
    and :func:`writing_history` is true. Both are put back on the way out, error or not."""
    clock = HistoryClock()
    at_token = _at.set(_at.get())
    history_token = _history.set(True)
    try:
        clock.at = at or timezone.now()
        yield clock
    finally:
        _at.reset(at_token)
        _history.reset(history_token)
