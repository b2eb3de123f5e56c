from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.cases.services import case_open


@pytest.fixture
def plan_case(world, make_concern, second_child):
    """An open case at school A with the child affected and the child alleged to have harmed."""
    concern = make_concern(
        children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")],
        codes=("sexual_harassment",),
        location="corridor",
    )
    return case_open(by=world.users["dsl_a"], concern=concern, title="Comments in the corridor")


def plan_post(**overrides):
    """A complete, valid plan form as the browser sends it."""
    review = (timezone.localdate() + dt.timedelta(days=21)).isoformat()
    data = {
        "based_on": "",
        "referrer_name_role": "Sam Teacher, member of staff",
        "referrer_contact": "sam@example.org",
        "schools_affected": "Oakfield Park",
        "schools_harmed": "Oakfield Park",
        "on_premises": "yes",
        "where_otherwise": "",
        "review_date": review,
        "at_risk": ["young_person", "children"],
        "controls": ["separate_classes", "trusted_adult"],
        "trusted_adult": "Ms Patel, head of year",
        "action_parents_taken": "yes",
        "action_parents_on": timezone.localdate().isoformat(),
        "consider_limit_contact_answer": "yes",
        "consider_limit_contact_notes": "Separate sets for maths and English.",
        "child_fair": "Yes, I think it is fair.",
        "parents_can_do": "Talk to her each evening.",
        "worried_about": "Some boys said nasty things to you in the corridor.",
        "feel_safe": "Going to lessons with your friend. Using the quiet room at lunch.",
        "go_to": "Ms Patel. Mr Khan in the office.",
        "i_can_do": "Tell Ms Patel if it happens again.",
        "risk-TOTAL_FORMS": "3",
        "risk-INITIAL_FORMS": "0",
        "risk-MIN_NUM_FORMS": "0",
        "risk-MAX_NUM_FORMS": "30",
        "risk-0-hazard": "Further comments in the corridor between lessons",
        "risk-0-hazard_rating": "2",
        "risk-0-likelihood": "4",
        "risk-0-measures": "Staff on the corridor at changeover",
        "risk-0-contingency": "Move lessons to the other block",
        "risk-1-hazard": "Messages about her online",
        "risk-1-hazard_rating": "3",
        "risk-1-likelihood": "4",
        "risk-1-measures": "Talk to both families about the group chat",
        "risk-1-contingency": "Report to CEOP if images are shared",
        "then": "save",
    }
    data.update(overrides)
    return data
