"""The chronology's one total order (issue 17): by the day things happened; within a day, the
timed entries by their time, then the entries known only to the day, which follow from what
happened earlier that day; the time each was recorded always shown. On both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases import services
from haven.chronology.selectors import case_chronology, pupil_chronology_for
from haven.concerns.models import Category
from haven.concerns.services import ChildInConcern, concern_submit

pytestmark = pytest.mark.django_db


def _at(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _concern(world, occurred_at: dt.datetime, what: str):
    return concern_submit(
        by=world.users["staff_a"],
        school=world.school_a,
        children=[ChildInConcern(world.pupils["a"].pk, "affected")],
        occurred_at=occurred_at,
        location="corridor",
        category_ids=[Category.objects.get(code="bullying").pk],
        what_happened=what,
        child_told_next_steps="yes",
    )


@pytest.fixture
def one_day(world):
    """A concern at 14:05 and another at 16:30 on the same day; that day, known only to the day,
    the parents told and a referral made; the day before, a timed concern; the day after, one more."""
    dsl = world.users["dsl_a"]
    day = timezone.localdate() - dt.timedelta(days=5)
    first = _concern(world, _at(day, 14, 5), "Pushed against the lockers at lunch.")
    case = services.case_open(by=dsl, concern=first)
    case.refresh_from_db()
    services.referral_make(by=dsl, case=case, agency="camhs", referred_on=day)
    services.parents_informed_record(
        by=dsl, case=case, pupil=world.pupils["a"], informed=True, informed_on=day, rationale="Told mum by phone."
    )
    later = _concern(world, _at(day, 16, 30), "Followed home from the bus stop.")
    before = _concern(world, _at(day - dt.timedelta(days=1), 23, 50), "A message late at night.")
    after = _concern(world, _at(day + dt.timedelta(days=1), 0, 10), "Another message after midnight.")
    for c in (later, before, after):
        case = services.case_add_concern(by=dsl, case=case, concern=c)
    return day, case


def _titles(entries) -> list[str]:
    return [e.title for e in entries]


def test_a_day_only_entry_follows_the_timed_entries_of_its_day(world, one_day):
    day, _case = one_day
    _, entries = pupil_chronology_for(world.users["dsl_a"], world.pupils["a"].pk)
    days = [timezone.localtime(e.at).date() for e in entries]
    assert days == sorted(days), "by the day it happened"
    same_day = [e for e in entries if timezone.localtime(e.at).date() == day]
    timed = [e for e in same_day if not e.all_day]
    day_only = [e for e in same_day if e.all_day]
    assert len(timed) >= 2 and len(day_only) == 2
    assert same_day == timed + day_only, "the timed entries first, then those known only to the day"
    assert [e.at for e in timed] == sorted(e.at for e in timed)
    assert [e.kind for e in day_only] == ["referral", "parents"], "in the order they were recorded"
    assert "Pushed against the lockers at lunch." in next(e.text for e in timed)
    # The entries of the day before and after stay on their own side of the day.
    assert timezone.localtime(entries[0].at).date() == day - dt.timedelta(days=1)
    after = next(i for i, e in enumerate(entries) if "Another message after midnight." in e.text)
    assert after == entries.index(day_only[-1]) + 1, "00:10 the next day comes after the day before's day-only entries"


def test_the_recorded_time_is_always_shown(client, world, one_day):
    _, case = one_day
    entries = case_chronology(case)
    assert entries and all(e.recorded_when for e in entries)
    for e in entries:
        recorded = timezone.localtime(e.recorded_at)
        assert e.recorded_when == f"{recorded.day} {recorded:%b %Y, %H:%M}"
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:chronology", args=[case.reference])).text
    assert page.count("(recorded ") == len(entries)


def test_the_page_lists_the_day_in_the_same_order(client, world, one_day):
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("pupil_chronology", args=[world.pupils["a"].pk])).text
    lunch = page.index("Pushed against the lockers at lunch.")
    bus = page.index("Followed home from the bus stop.")
    told = page.index("Told mum by phone.")
    assert lunch < bus < told
