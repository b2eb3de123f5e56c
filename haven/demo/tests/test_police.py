"""The demo world's police investigation: one case sent to the police, with its officer (and
the officer before), a bail condition ending soon after the demo's "today" and a charging
decision awaited, in the case's chronology."""

from __future__ import annotations

import pytest

from haven.chronology.selectors import case_chronology
from haven.demo.dates import DEMO_NOW
from haven.demo.police import BAIL_ENDS, demo_police_investigation
from haven.demo.world import demo_world_build
from haven.police.models import BailCondition, Investigation
from haven.police.selectors import police_position

STEPS = ("haven.demo.story.demo_concerns_and_cases", "haven.demo.safety_plans.demo_safety_plans")


@pytest.mark.slow
def test_the_demo_has_a_police_investigation_with_bail_and_an_awaited_decision(db, mailoutbox):
    world = demo_world_build(steps=STEPS)
    demo_police_investigation(world=world, seed=2026)
    bail = BailCondition.objects.select_related("case").get()
    case = bail.case
    position = police_position(case)
    assert [v.officer_name for v in position.versions] == ["Aisha Grant", "Tom Reid"]
    assert position.bail_in_force == [bail] and bail.until == BAIL_ENDS
    assert position.latest_charge is not None and position.latest_charge.outcome == "awaiting"
    assert all(v.at < DEMO_NOW for v in Investigation.objects.all())
    kinds = {e.kind for e in case_chronology(case)}
    assert {"police", "bail", "charge"} <= kinds
    assert mailoutbox == []  # nothing is emailed about the past
    assert world.extra["police_investigations"] == 1
