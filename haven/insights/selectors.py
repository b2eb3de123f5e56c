"""Reads of the enquiry log for an LA officer, scoped to their authority (DESIGN §8)."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncMonth

from haven.access.policy import Capability, authorities_for, deny
from haven.audit.context import COMMAND, AuditContext
from haven.concerns.models import Category
from haven.core.converters import parse_id
from haven.core.months import midnight, month_start, month_starts, next_month
from haven.core.numbers import percent
from haven.organisations.models import Authority

from .models import Enquiry, MonthlyCount

if TYPE_CHECKING:
    from haven.accounts.models import User


def authority_for(user: User) -> Authority | None:
    """The authority whose enquiry log the user keeps (an officer has one)."""
    found = authorities_for(user, Capability.ENQUIRY_LOG)
    return found[0] if found else None


def enquiry_list_for(user: User, *, filters: dict[str, str] | None = None) -> QuerySet[Enquiry]:
    filters = filters or {}
    authorities = [a.pk for a in authorities_for(user, Capability.ENQUIRY_LOG)]
    qs = Enquiry.objects.filter(authority_id__in=authorities).select_related("school", "recorded_by")
    school_id = parse_id(filters.get("school", ""))
    if school_id:
        qs = qs.filter(school_id=school_id)
    if filters.get("category"):
        qs = qs.filter(Q(categories__code=filters["category"]) | Q(categories__parent__code=filters["category"]))
    for key, lookup in (("from", "at__date__gte"), ("to", "at__date__lte")):
        with contextlib.suppress(ValueError):
            qs = qs.filter(**{lookup: dt.date.fromisoformat(filters.get(key, ""))})
    if filters.get("follow_up") == "due":
        qs = qs.filter(follow_up_on__isnull=False, follow_up_done_at__isnull=True)
    if filters.get("q"):
        qs = qs.filter(Q(summary__icontains=filters["q"]) | Q(advice__icontains=filters["q"]))
    return qs.distinct().prefetch_related("categories").order_by("-at", "-pk")


def enquiry_get_for(user: User, enquiry_id: int, *, ctx: AuditContext = COMMAND) -> Enquiry:
    enquiry = enquiry_list_for(user).filter(pk=enquiry_id).first()
    if enquiry is None:
        raise deny(ctx, actor=user, object_type="insights.enquiry", object_id=enquiry_id)
    return enquiry


# --- The monthly table --------------------------------------------------------------------


@dataclass
class MonthRow:
    month: dt.date
    total: int
    sexual: int
    measure: str
    source: str  # "imported" or "recorded"

    @property
    def percent(self) -> Decimal | None:
        return percent(self.sexual, self.total)


@dataclass
class MeasurePart:
    """The months of a period counted under one measure, in a row: its own subtotal, since a
    total across a change of measure is not like for like (the review: SHB 2.3 %, then SV&H
    4.1 %, not 3.1 %)."""

    measure: str
    rows: list[MonthRow]

    @property
    def first(self) -> dt.date:
        return self.rows[0].month

    @property
    def last(self) -> dt.date:
        return self.rows[-1].month

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def sexual(self) -> int:
        return sum(r.sexual for r in self.rows)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.sexual, self.total)

    @property
    def label(self) -> str:
        return f"{self.measure}, {self.first:%B %Y} to {self.last:%B %Y}"


@dataclass
class MonthlyTable:
    rows: list[MonthRow]
    notes: list[str] = field(default_factory=list)

    @property
    def parts(self) -> list[MeasurePart]:
        """The period cut where the measure changes; one part when it never does."""
        parts: list[MeasurePart] = []
        for r in self.rows:
            if parts and parts[-1].measure == r.measure:
                parts[-1].rows.append(r)
            else:
                parts.append(MeasurePart(r.measure, [r]))
        return parts

    @property
    def total(self) -> int:
        return sum(r.total for r in self.rows)

    @property
    def sexual(self) -> int:
        return sum(r.sexual for r in self.rows)

    @property
    def percent(self) -> Decimal | None:
        return percent(self.sexual, self.total)


def monthly_table(authority: Authority, start: dt.date, end: dt.date) -> MonthlyTable:
    """Month by month from ``start`` to ``end`` (inclusive): enquiries, those about sexual
    violence, sexual harassment or harmful sexual behaviour (a category marked sexual), and
    the percentage to one decimal; imported counts where a month has them, otherwise the
    enquiries logged. Notes say where the categories changed within the period."""
    start, end = month_start(start), month_start(end)
    imported = {
        m.month: m
        for m in MonthlyCount.objects.filter(authority=authority, month__gte=start, month__lte=end).order_by("month")
    }
    sexual = Category.objects.filter(enquiries=OuterRef("pk"), sexual=True)
    logged = {
        row["m"].date() if isinstance(row["m"], dt.datetime) else row["m"]: row
        for row in Enquiry.objects.filter(
            authority=authority, at__gte=midnight(start), at__lt=midnight(next_month(end))
        )
        .annotate(m=TruncMonth("at"), is_sexual=Exists(sexual))
        .values("m")
        .annotate(total=Count("pk"), sexual=Count("pk", filter=Q(is_sexual=True)))
        .order_by("m")
    }
    rows = []
    for month in month_starts(start, end):
        if month in imported:
            m = imported[month]
            rows.append(MonthRow(month, m.total, m.sexual, m.measure, "imported"))
        elif month in logged:
            rows.append(MonthRow(month, logged[month]["total"], logged[month]["sexual"], "SV&H", "recorded"))
    table = MonthlyTable(rows)
    measures = list(dict.fromkeys(r.measure for r in rows))
    if len(measures) > 1:
        table.notes.append(
            "What was counted changed within this period: "
            + "; then ".join(
                f"{m} ({min(r.month for r in rows if r.measure == m):%B %Y} to "
                f"{max(r.month for r in rows if r.measure == m):%B %Y})"
                for m in measures
            )
            + ". Figures either side of the change are not like for like."
        )
    changed = (
        Category.objects.filter(Q(authority__isnull=True) | Q(authority=authority), parent__isnull=True)
        .filter(Q(valid_from__gt=start, valid_from__lte=end) | Q(valid_to__gte=start, valid_to__lt=end))
        .order_by("valid_from", "name")
    )
    for c in changed:
        if start < c.valid_from <= end:
            table.notes.append(
                f"“{c.name}” was not a recording option until {c.valid_from:%B %Y}: earlier months "
                "may count related concerns under other categories."
            )
        if c.valid_to and start <= c.valid_to < end:
            table.notes.append(f"“{c.name}” stopped being a recording option after {c.valid_to:%B %Y}.")
    return table
