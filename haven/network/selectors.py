"""Reads of pyramids and network meetings for an acting user, scoped by haven.access."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from haven.access.policy import (
    deny,
    may_manage_network,
    may_use_network,
    meeting_visibility,
)
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns.models import Category, Concern, Location
from haven.core.months import month_starts
from haven.core.suppression import SuppressedTable, suppress_together

from .models import ActionItem, FeedToken, Invitation, Meeting

if TYPE_CHECKING:
    from haven.accounts.models import User

LONDON = ZoneInfo("Europe/London")
# "The last term": the 13 weeks before the meeting.
TREND_WINDOW = dt.timedelta(weeks=13)


def meeting_list_for(user: User) -> QuerySet[Meeting]:
    if not may_use_network(user):
        return Meeting.objects.none()
    return Meeting.objects.filter(meeting_visibility(user)).select_related("pyramid", "authority")


def manages(user: User, meeting: Meeting) -> bool:
    return may_manage_network(user, meeting.authority_id)


def meeting_get_for(user: User, pk: int, *, ctx: AuditContext = COMMAND, audit: bool = True) -> Meeting:
    meeting = (
        meeting_list_for(user)
        .select_related("created_by", "minutes_by")
        .prefetch_related(
            Prefetch(
                "invitations",
                queryset=Invitation.objects.select_related("user", "school").order_by(
                    "school__name", "user__full_name"
                ),
            ),
            Prefetch("actions", queryset=ActionItem.objects.select_related("owner").order_by("due_on", "pk")),
            "schools",
        )
        .filter(pk=pk)
        .first()
    )
    if meeting is None:
        raise deny(ctx, actor=user, object_type="network.meeting", object_id=pk)
    if audit:
        audit_record(Event.MEETING_VIEWED, ctx=ctx, actor=user, obj=meeting, authority=meeting.authority_id)
    return meeting


def carried_actions(meeting: Meeting) -> list[ActionItem]:
    """Open actions raised at earlier meetings of the same pyramid (or of the whole
    authority, for an authority meeting): carried to this one until they are closed."""
    return list(
        ActionItem.objects.filter(
            Q(meeting__pyramid_id=meeting.pyramid_id),  # None: the meetings of no pyramid
            status=ActionItem.Status.OPEN,
            meeting__authority_id=meeting.authority_id,
            meeting__starts_at__lt=meeting.starts_at,
        )
        .select_related("owner", "meeting")
        .order_by("due_on", "pk")
    )


def next_meeting_of(meeting: Meeting) -> Meeting | None:
    return (
        Meeting.objects.filter(
            Q(pyramid_id=meeting.pyramid_id),  # None: the meetings of no pyramid
            authority_id=meeting.authority_id,
            starts_at__gt=meeting.starts_at,
        )
        .order_by("starts_at")
        .first()
    )


def actions_for(user: User) -> QuerySet[ActionItem]:
    """Open actions the user owns, in meetings they may still read."""
    return (
        ActionItem.objects.filter(owner=user, status=ActionItem.Status.OPEN, meeting__in=meeting_list_for(user))
        .select_related("meeting", "meeting__pyramid")
        .order_by("due_on", "pk")
    )


def feed_token_user(token: str) -> Any:
    """The active person whose live calendar token this is, or None."""
    key = FeedToken.split(token or "")
    if key is None:
        return None
    found = (
        FeedToken.objects.filter(key=key, revoked_at__isnull=True, user__is_active=True).select_related("user").first()
    )
    return found.user if found else None


# -- The trend pack --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendTable:
    title: str
    row_label: str
    rows: list[str]
    columns: list[str]
    table: SuppressedTable

    def lines(self) -> list[tuple[str, list[Any]]]:
        """(row label, cells with the row total last), then the totals row."""
        bordered = self.table.bordered()
        return [(label, cells) for label, cells in zip([*self.rows, "Total"], bordered, strict=True)]


@dataclass(frozen=True)
class TrendPack:
    start: dt.date
    end: dt.date  # exclusive
    school_count: int
    by_category: TrendTable
    by_location: TrendTable


def trend_pack(meeting: Meeting) -> TrendPack:
    """Concerns at the meeting's schools in the 13 weeks before it, by month and category and
    by month and location (hot spots), with small numbers suppressed (DESIGN §8). Only counts
    leave the database: no child, reference or text."""
    end = timezone.localtime(meeting.starts_at, LONDON).date()
    start = end - TREND_WINDOW
    months = month_starts(start, end - dt.timedelta(days=1))  # end is exclusive
    month_index = {m: k for k, m in enumerate(months)}
    window = Q(
        occurred_at__gte=dt.datetime.combine(start, dt.time.min, tzinfo=LONDON),
        occurred_at__lt=dt.datetime.combine(end, dt.time.min, tzinfo=LONDON),
    )
    school_ids = [s.pk for s in meeting.schools.all()]
    concerns = Concern.objects.filter(window, school_id__in=school_ids)
    by_location = (
        concerns.annotate(month=TruncMonth("occurred_at", tzinfo=LONDON))
        .values("location", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    location_labels = dict(Location.choices)
    loc_counts: dict[str, list[int]] = {}
    for row in by_location:
        month = _as_date(row["month"])
        if month in month_index:
            loc_counts.setdefault(row["location"], [0] * len(months))[month_index[month]] += row["n"]
    locations = [code for code in Location.values if code in loc_counts]

    # Each concern counted once, under its main kind (the first of its kinds in the list), so
    # both tables count the same concerns and share their month totals.
    through = Concern.categories.through
    links = (
        through.objects.filter(concern__in=concerns)
        .annotate(
            group=Coalesce(F("category__parent_id"), F("category_id")),
            group_position=Coalesce(F("category__parent__position"), F("category__position")),
            month=TruncMonth("concern__occurred_at", tzinfo=LONDON),
        )
        .values_list("concern_id", "group", "group_position", "month")  # type: ignore[misc]  # the plugin loses annotate on an M2M through model
    )
    main: dict[int, tuple[int, int, Any]] = {}
    for concern_id, group, position, month in links:
        if concern_id not in main or (position, group) < main[concern_id][:2]:
            main[concern_id] = (position, group, month)
    cat_counts: dict[int, list[int]] = {}
    for _, group, month in main.values():
        day = _as_date(month)
        if day in month_index:
            cat_counts.setdefault(group, [0] * len(months))[month_index[day]] += 1
    categories = list(Category.objects.filter(pk__in=list(cat_counts)).order_by("position", "name"))
    columns = [f"{m:%B %Y}" for m in months]
    empty = [[0] * len(months)]
    by_kind, by_place = suppress_together(
        [cat_counts[c.pk] for c in categories] or empty, [loc_counts[code] for code in locations] or empty
    )
    return TrendPack(
        start=start,
        end=end,
        school_count=len(school_ids),
        by_category=TrendTable(
            "Concerns by main kind and month",
            "Kind of concern",
            [c.name for c in categories] or ["No concerns"],
            columns,
            by_kind,
        ),
        by_location=TrendTable(
            "Hot spots: concerns by where they happened and month",
            "Where",
            [location_labels[code] for code in locations] or ["No concerns"],
            columns,
            by_place,
        ),
    )


def _as_date(value: dt.date | dt.datetime | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return timezone.localtime(value, LONDON).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value
