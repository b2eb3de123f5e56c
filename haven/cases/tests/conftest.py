from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.concerns.models import Category
from haven.concerns.services import ChildInConcern, concern_submit
from haven.testing.factories import PupilFactory


@pytest.fixture
def make_concern(world):
    """Record a concern at school A through the real service."""

    def _make(*, codes=("bullying",), children=None, by=None, urgent=False, location="corridor", days_ago=1, **kw):
        children = children or [(world.pupils["a"], "affected")]
        return concern_submit(
            by=by or world.users["staff_a"],
            school=children[0][0].school,
            children=[ChildInConcern(p.pk, role) for p, role in children],
            occurred_at=timezone.now() - dt.timedelta(days=days_ago),
            location=location,
            category_ids=[Category.objects.get(code=c).pk for c in codes],
            what_happened=kw.pop("what_happened", "A boy pushed another boy in the corridor."),
            child_told_next_steps="yes",
            urgent=urgent,
            **kw,
        )

    return _make


@pytest.fixture
def second_child(world):
    return PupilFactory(
        school=world.school_a, legal_forename="Jordan", legal_surname="Lee", date_of_birth=dt.date(2011, 3, 1)
    )
