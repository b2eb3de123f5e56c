"""The chronology's entry and the interface through which each app contributes its entries.

The read model (:mod:`haven.chronology`) asks each contributing app for the entries of one
scope (a case, or a child across the cases and concerns the reader may see) and puts them
in the order things happened. An app contributes a ``KINDS`` mapping (kind to the label a
reader sees) and a :data:`Source`: a function of a :class:`Scope` that reads its own tables
in a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone


@dataclass
class Entry:
    at: dt.datetime  # when it happened: chronologies sort by this (DESIGN §11)
    recorded_at: dt.datetime
    kind: str
    title: str
    text: str = ""
    by: str = ""
    link: str = ""
    case: str = ""
    all_day: bool = False  # known to the day only (a referral date), shown without a time
    figure: Any = None  # a drawing the PDFs print with it (a concern's body map), or None
    # How the pages print it, in UK time: set once per entry by the read model (formatting a
    # date in the template costs a time-zone conversion and a format parse every time).
    iso: str = ""  # <time datetime="...">
    when: str = ""  # "3 Nov 2026, 14:05", or "3 Nov 2026" for an all-day entry
    recorded_when: str = ""  # "(recorded ...)": when it was written down, always shown
    label: str = ""  # the kind as a reader sees it named ("Referral")


@dataclass(frozen=True)
class Scope:
    """What one chronology covers, already limited to what its reader may see."""

    concerns: QuerySet[Any]  # the concerns (of haven.concerns) in it
    case_refs: Mapping[int, str] = field(default_factory=dict)  # the cases in it: id to reference
    pupil_id: int | None = None  # one child's chronology: only the entries about that child

    @property
    def case_ids(self) -> list[int]:
        return list(self.case_refs)


Source = Callable[[Scope], list[Entry]]


def start_of_day(day: dt.date) -> dt.datetime:
    """A record known only to the day (a referral date) sits at the start of that day."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(0, 0)))


def choices_of(model: type[Any], field_name: str) -> dict[Any, str]:
    """A model field's choices as value to label (for rows read as dictionaries)."""
    return {value: str(label) for value, label in model._meta.get_field(field_name).flatchoices}
