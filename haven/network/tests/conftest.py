from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.utils import timezone

from haven.network.models import Meeting
from haven.network.services import meeting_schedule
from haven.organisations.models import Pyramid


@dataclass
class Net:
    pyramid: Pyramid
    meeting: Meeting  # upcoming, for the pyramid holding school A
    past: Meeting  # last week's, same pyramid


@pytest.fixture
def schedule(world):
    def _schedule(*, days: float = 7, pyramid=None, title="North pyramid DSL meeting", by=None, **kw) -> Meeting:
        start = (timezone.now() + dt.timedelta(days=days)).replace(second=0, microsecond=0)
        return meeting_schedule(
            by=by or world.users["la_officer_a"],
            authority=kw.pop("authority", world.authority),
            pyramid=pyramid,
            title=title,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            venue=kw.pop("venue", "County Hall, Room 4"),
            **kw,
        )

    return _schedule


@pytest.fixture
def net(world, schedule) -> Net:
    pyramid = Pyramid.objects.create(authority=world.authority, name="North")
    world.school_a.pyramid = pyramid
    world.school_a.save(update_fields=["pyramid"])
    past = schedule(days=-7, pyramid=pyramid, title="Autumn DSL meeting")
    meeting = schedule(days=7, pyramid=pyramid, title="Winter DSL meeting")
    return Net(pyramid, meeting, past)
