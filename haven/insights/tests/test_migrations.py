"""Upgrading an install that already has school roll-ups fills the area roll-ups from them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("insights", "0002_rollups")]
AFTER = [("insights", "0003_area_rollups")]


@pytest.mark.django_db(transaction=True)
def test_the_area_rollups_are_derived_on_upgrade(world):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    rollup = old.get_model("insights", "ConcernRollup")
    children = old.get_model("insights", "ChildRollup")
    month = dt.date(2026, 10, 1)
    for school, family, n in ((world.school_a, "bullying", 3), (world.school_b, "bullying", 2)):
        rollup.objects.create(
            school_id=school.pk, month=month, family=family, location="corridor", sexual=False, concerns=n
        )
    rollup.objects.create(
        school_id=world.school_a.pk,
        month=month,
        family="sexual_harassment",
        location="toilets",
        sexual=True,
        concerns=1,
    )
    children.objects.create(
        school_id=world.school_a.pk,
        month=month,
        role="affected",
        year_group="9",
        sex="F",
        send=False,
        looked_after=False,
        children=4,
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    area = new.get_model("insights", "AreaConcernRollup")
    by_school = new.get_model("insights", "SchoolMonthRollup")
    area_children = new.get_model("insights", "AreaChildRollup")
    same_phase = world.school_a.phase == world.school_b.phase
    bullying = area.objects.filter(authority_id=world.authority.pk, family="bullying")
    assert sorted(bullying.values_list("concerns", flat=True)) == ([5] if same_phase else [2, 3])
    assert area.objects.get(family="sexual_harassment").concerns == 1
    assert sorted(by_school.objects.values_list("school_id", "sexual", "concerns")) == sorted(
        [(world.school_a.pk, False, 3), (world.school_a.pk, True, 1), (world.school_b.pk, False, 2)]
    )
    assert area_children.objects.get().children == 4
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to the latest for the tests after
