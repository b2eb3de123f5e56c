"""Reads of a case's police investigation. The case comes from
:func:`haven.cases.selectors.case_get_for`, which decides (through haven.access) whether the
reader may see it at all and audits the read; what is read here is only that case's rows, in
a constant number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from haven.audit.context import COMMAND, AuditContext
from haven.cases.selectors import case_get_for
from haven.core import clock

from .models import BailCondition, ChargingDecision, CourtDate, Investigation

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.cases.models import Case


@dataclass
class PolicePosition:
    """Where the police investigation on a case stands, and how it got there."""

    versions: list[Investigation] = field(default_factory=list)  # oldest first
    bail: list[BailCondition] = field(default_factory=list)  # every condition, newest first
    charges: list[ChargingDecision] = field(default_factory=list)  # newest first
    court_dates: list[CourtDate] = field(default_factory=list)  # by date
    today: dt.date = field(default_factory=clock.localdate)

    @property
    def investigation(self) -> Investigation | None:
        """The current details: the newest version."""
        return self.versions[-1] if self.versions else None

    @property
    def bail_in_force(self) -> list[BailCondition]:
        """Conditions not ended nor varied, soonest to end first."""
        return sorted((b for b in self.bail if bail_is_in_force(b)), key=lambda b: (b.until, b.pk))

    @property
    def latest_charge(self) -> ChargingDecision | None:
        return self.charges[0] if self.charges else None

    @property
    def next_court_date(self) -> CourtDate | None:
        return next((c for c in self.court_dates if c.on >= self.today), None)

    @property
    def recorded(self) -> bool:
        return bool(self.versions or self.bail or self.charges or self.court_dates)


def bail_is_in_force(bail: BailCondition) -> bool:
    """Not ended and not varied. With ``end`` and ``varied_by`` selected (as below) this asks
    no query: a missing reverse row is cached as missing."""
    return not hasattr(bail, "end") and not hasattr(bail, "varied_by")


def police_position(case: Case) -> PolicePosition:
    """The police investigation of a case the reader was allowed to open (four queries)."""
    return PolicePosition(
        versions=list(Investigation.objects.filter(case=case).select_related("by").order_by("version")),
        bail=list(
            BailCondition.objects.filter(case=case)
            .select_related("pupil", "by", "end__by", "varied_by", "varies")
            .order_by("-at", "-pk")
        ),
        charges=list(ChargingDecision.objects.filter(case=case).select_related("pupil", "by").order_by("-at", "-pk")),
        court_dates=list(CourtDate.objects.filter(case=case).select_related("pupil", "by").order_by("on", "pk")),
    )


def police_get_for(user: User, reference: str, *, ctx: AuditContext = COMMAND) -> tuple[Case, PolicePosition]:
    """The case (by the case's access rules: 404 otherwise, the refusal audited; the read
    audited) and its police investigation."""
    case = case_get_for(user, reference, ctx=ctx)
    return case, police_position(case)


def bail_in_force_on(case: Case, bail_id: int) -> BailCondition | None:
    """One condition of this case still in force (for the pages that end or vary it)."""
    bail = BailCondition.objects.filter(case=case, pk=bail_id).select_related("pupil", "end", "varied_by").first()
    return bail if bail is not None and bail_is_in_force(bail) else None
