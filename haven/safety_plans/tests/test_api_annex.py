"""The API writes and reads Annex A's answers in the shapes the pages use: open questions as
text, yes/no questions with a note, and the case's records carried into the actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import sign_in
from haven.cases.services import parents_informed_record

pytestmark = pytest.mark.django_db


def _body(world, **kw):
    return {
        "pupil_id": world.pupils["a"].pk,
        "referrer_name_role": "Staff A, teacher",
        "schools_affected": "School A",
        "review_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "risk_lines": [{"hazard": "Comments", "hazard_rating": 2, "likelihood": 2}],
        **kw,
    }


def test_the_api_takes_open_questions_as_text_and_carries_the_case_records(client, world, plan_case):
    dsl = world.users["dsl_a"]
    informed_on = timezone.localdate() - dt.timedelta(days=2)
    parents_informed_record(by=dsl, case=plan_case, pupil=world.pupils["a"], informed=True, informed_on=informed_on)
    sign_in(client, dsl)
    body = _body(
        world,
        considerations={
            "incident": {"text": "Comments in the corridor."},
            "threat": {"answer": "no", "notes": "None made."},
        },
    )
    r = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    detail = r.json()["version_detail"]
    assert detail["considerations"]["incident"] == {"text": "Comments in the corridor."}
    assert detail["considerations"]["threat"] == {"answer": "no", "notes": "None made."}
    assert detail["actions"]["parents"]["from_case"][0]["on"] == informed_on.isoformat()


def test_the_api_refuses_yes_or_no_for_an_open_question(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    body = _body(world, considerations={"who": {"answer": "yes", "notes": "Two boys"}})
    r = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert r["Content-Type"] == "application/problem+json"
    assert "consider_who" in r.json()["errors"]


@pytest.mark.parametrize("row", ["yes", ["taken"], 7])
def test_an_action_that_is_not_an_object_is_a_problem_not_a_crash(client, world, plan_case, row):
    sign_in(client, world.users["dsl_a"])
    body = _body(world, actions={"parents": row})
    r = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert r["Content-Type"] == "application/problem+json"
