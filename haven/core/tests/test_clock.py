"""Where Haven takes the time from (haven/core/clock.py): the real time, or the moment
history is being written at, with nothing emailed about the past."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from haven.concerns.models import Alert, Category, Concern
from haven.concerns.services import ChildInConcern, concern_submit
from haven.core import clock
from haven.people.models import Pupil

PAST = dt.datetime(2025, 3, 4, 10, 15, tzinfo=dt.UTC)


def _record(world, *, urgent: bool = False) -> Concern:
    """A concern at school A that happened an hour before the clock's now."""
    return concern_submit(
        by=world.users["staff_a"],
        school=world.school_a,
        children=[ChildInConcern(world.pupils["a"].pk, "affected")],
        occurred_at=clock.now() - dt.timedelta(hours=1),
        location="corridor",
        category_ids=[Category.objects.get(code="bullying").pk],
        what_happened="A boy pushed another boy in the corridor.",
        child_told_next_steps="yes",
        urgent=urgent,
    )


def test_outside_history_it_is_djangos_time_looked_up_at_each_call():
    assert abs(clock.now() - timezone.now()) < dt.timedelta(seconds=5)
    assert not clock.writing_history()
    with mock.patch("django.utils.timezone.now", lambda: PAST):
        assert clock.now() == PAST
        assert clock.localdate() == dt.date(2025, 3, 4)


def test_inside_history_it_is_the_moment_set_and_everything_is_put_back():
    with clock.history(PAST) as story:
        assert clock.now() == PAST
        assert clock.writing_history()
        story.at += dt.timedelta(days=1, hours=8)  # 18:15 UTC on 5 March is 18:15 in London (GMT)
        assert clock.localtime().date() == dt.date(2025, 3, 5)
        assert clock.localtime().hour == 18
    assert not clock.writing_history()
    assert abs(clock.now() - timezone.now()) < dt.timedelta(seconds=5)


def test_history_is_put_back_after_an_error():
    with pytest.raises(RuntimeError), clock.history(PAST):
        raise RuntimeError("the story broke")
    assert not clock.writing_history()
    assert clock.now() != PAST


def test_a_naive_moment_is_refused():
    with clock.history(PAST) as story, pytest.raises(ValueError, match="aware"):
        story.at = dt.datetime(2025, 3, 4, 10, 15)


def test_records_written_in_history_are_stamped_with_its_moment(world):
    with clock.history(PAST + dt.timedelta(days=2)):
        concern = _record(world)
        pupil = Pupil.objects.get(pk=world.pupils["a"].pk)
        pupil.save()  # updated_at is an auto_now field: stamped from the clock too
    concern.refresh_from_db()
    assert concern.recorded_at == PAST + dt.timedelta(days=2)
    assert Pupil.objects.get(pk=pupil.pk).updated_at == PAST + dt.timedelta(days=2)


def test_an_urgent_concern_written_as_history_emails_nobody(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), clock.history(PAST):
        _record(world, urgent=True)
    assert mail.outbox == []
    assert not Alert.objects.exists()
    # The same concern recorded now alerts the school's safeguarding leads at once.
    with django_capture_on_commit_callbacks(execute=True):
        _record(world, urgent=True)
    assert sorted(m.to[0] for m in mail.outbox) == ["deputy_a@example.org", "dsl_a@example.org"]
    assert Concern.objects.count() == 2
