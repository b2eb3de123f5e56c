from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.cases.services import case_open
from haven.police import services


@pytest.fixture
def police_case(world, make_concern, second_child):
    """An open case at school A: pupil a affected, Jordan Lee alleged to have harmed."""
    concern = make_concern(
        children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")], codes=("sexual_harassment",)
    )
    return case_open(by=world.users["dsl_a"], concern=concern, title="Messages and comments")


@pytest.fixture
def investigation(world, police_case):
    return services.investigation_record(
        by=world.users["dsl_a"],
        case=police_case,
        force="Midshire Police",
        officer_name="Priya Shah",
        officer_rank="DC",
        phone="01632 960 123",
        email="priya.shah@midshire.police.uk",
        crime_reference="MP/2026/004512",
    )


@pytest.fixture
def bail(world, police_case, second_child):
    return services.bail_condition_record(
        by=world.users["dsl_a"],
        case=police_case,
        pupil=second_child,
        condition="Not to contact the child affected, directly or online.",
        until=timezone.localdate() + dt.timedelta(days=28),
    )
