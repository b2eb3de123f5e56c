"""Chronologies of a case and of a child, in the order things happened, from the entries
each app contributes (``KINDS`` and ``entries`` of its ``chronology`` module)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone
from django.utils.dates import MONTHS_3

from haven.access.policy import case_visibility, concern_visibility
from haven.accounts.models import User
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases import chronology as cases_chronology
from haven.cases.models import Case
from haven.concerns import chronology as concerns_chronology
from haven.concerns.models import Concern
from haven.core.chronology import Entry, Scope, Source
from haven.people.models import Pupil
from haven.people.selectors import pupil_get_for
from haven.police import chronology as police_chronology
from haven.safety_plans import chronology as plans_chronology

# Every kind of entry, as a reader sees it named, in the order the filters offer them.
KINDS: dict[str, str] = {
    **concerns_chronology.KINDS,
    **cases_chronology.KINDS,
    **police_chronology.KINDS,
    **plans_chronology.KINDS,
}
SOURCES: tuple[Source, ...] = (
    concerns_chronology.entries,
    cases_chronology.entries,
    police_chronology.entries,
    plans_chronology.entries,
)


def _entries(scope: Scope) -> list[Entry]:
    """Every entry of the scope in one total order, as a court would read it: by the day it
    happened (UK time); within a day, the timed entries by their time, then the entries known
    only to the day (parents told, a referral made "on 3 Nov"), which follow from what happened
    earlier that day rather than come before it; ties in the order they were recorded."""
    entries = [entry for source in SOURCES for entry in source(scope)]
    uk = timezone.get_current_timezone()
    entries.sort(key=lambda e: (e.at.astimezone(uk).date(), e.all_day, e.at, e.recorded_at))
    return entries


def _displayed(entries: list[Entry]) -> list[Entry]:
    """Set each entry's printed times, as the date filter would print them in UK time:
    "j M Y, H:i" ("j M Y" all day), ISO 8601 for <time>, and always the time it was recorded
    (a reader must be able to tell what was written at the time from what was written later),
    and the label of its kind."""
    months = [""] + [MONTHS_3[m].title() for m in range(1, 13)]
    uk = timezone.get_current_timezone()  # timezone.localtime looks it up again for each call

    def day(d: dt.datetime) -> str:
        return f"{d.day} {months[d.month]} {d.year:04d}"

    for e in entries:
        at = e.at.astimezone(uk)
        e.iso = at.isoformat()
        e.when = day(at) if e.all_day else f"{day(at)}, {at.hour:02d}:{at.minute:02d}"
        recorded = e.recorded_at.astimezone(uk)
        e.recorded_when = f"{day(recorded)}, {recorded.hour:02d}:{recorded.minute:02d}"
        e.label = KINDS.get(e.kind, e.kind)
    return entries


def _filter_entries(entries: list[Entry], filters: dict[str, str]) -> list[Entry]:
    kinds = {k for k in filters.get("kinds", "").split(",") if k in KINDS}
    out = [e for e in entries if not kinds or e.kind in kinds]
    keeps: tuple[tuple[str, Callable[[Entry, dt.date], bool]], ...] = (
        ("from", lambda e, d: timezone.localtime(e.at).date() >= d),
        ("to", lambda e, d: timezone.localtime(e.at).date() <= d),
    )
    for key, keep in keeps:
        try:
            day = dt.date.fromisoformat(filters.get(key, ""))
        except ValueError:
            continue
        out = [e for e in out if keep(e, day)]
    return out


def case_chronology(case: Case, *, filters: dict[str, str] | None = None) -> list[Entry]:
    entries = _entries(Scope(Concern.objects.filter(case=case), {case.pk: case.reference}))
    return _displayed(_filter_entries(entries, filters or {}))


def pupil_chronology_for(
    user: User, pupil_id: int, *, ctx: AuditContext = COMMAND, filters: dict[str, str] | None = None
) -> tuple[Pupil, list[Entry]]:
    """One child's chronology across every concern and case that touches them, as far as the
    user may see (a restricted case the user is not named on is left out). Audited."""
    pupil = pupil_get_for(user, pupil_id, ctx=ctx, audit=False)
    concerns = Concern.objects.filter(concern_visibility(user), children__pupil_id=pupil_id).distinct()
    # The cases the user may read, evaluated once rather than as a subquery in each source.
    case_refs = dict(
        Case.objects.filter(case_visibility(user), children__pupil_id=pupil_id)
        .order_by()
        .values_list("pk", "reference")
        .distinct()
    )
    audit_record(
        Event.CHRONOLOGY_VIEWED, ctx=ctx, actor=user, obj=pupil, school=pupil.school_id, extra={"chronology": True}
    )
    entries = _entries(Scope(concerns, case_refs, pupil_id=pupil_id))
    return pupil, _displayed(_filter_entries(entries, filters or {}))
