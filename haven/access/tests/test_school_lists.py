"""school_ids_for and school_list_for give what schools_for gives: from the loaded memberships
when only school memberships grant the capability, with a query when a trust or authority does."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.access.policy import Capability, school_ids_for, school_list_for, schools_for
from haven.access.roles import Role
from haven.testing import factories as f


@pytest.mark.parametrize(
    ("key", "capability"),
    [
        ("dsl_a", Capability.READ_SCHOOL_RECORDS),
        ("staff_a", Capability.RECORD_CONCERN),
        ("admin_a", Capability.READ_SCHOOL_RECORDS),  # none
        ("trust_lead_a", Capability.READ_SHARED_CASES),  # through the trust: a query
        ("trust_admin_a", Capability.MANAGE_PEOPLE),
    ],
)
def test_they_give_the_schools_schools_for_gives(world, key, capability):
    user = world.users[key]
    expected = list(schools_for(user, capability).order_by("name", "pk"))
    assert school_list_for(user, capability) == expected
    assert school_ids_for(user, capability) == sorted(s.pk for s in expected)


def test_school_memberships_cost_no_query_once_loaded(world):
    user = world.users["dsl_a"]
    f.MembershipFactory(user=user, role=Role.DSL, school=world.school_m)
    user.active_memberships  # noqa: B018 (loaded once per request)
    with CaptureQueriesContext(connection) as ctx:
        ids = school_ids_for(user, Capability.READ_SCHOOL_RECORDS)
        schools = school_list_for(user, Capability.RECORD_CONCERN)
    assert ctx.captured_queries == []
    assert ids == sorted([world.school_a.pk, world.school_m.pk])
    assert [s.name for s in schools] == ["Alder Academy", "Northshire Primary"]
