"""A child's id past the database's integer answers a problem, never a 500 (issue 15)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from conftest import sign_in


@pytest.mark.parametrize("pupil_id", [2**64, 2**31, 0, -1])
def test_a_pupil_id_out_of_range_is_a_problem_naming_the_field(client, world, plan_case, pupil_id):
    sign_in(client, world.users["dsl_a"])
    body = {
        "pupil_id": pupil_id,
        "referrer_name_role": "Staff A, teacher",
        "schools_affected": "School A",
        "review_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "risk_lines": [{"hazard": "Comments", "hazard_rating": 2, "likelihood": 2}],
    }
    r = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert r.status_code == 400, r.content
    assert r["Content-Type"] == "application/problem+json"
    assert "pupil_id" in r.json()["errors"]
