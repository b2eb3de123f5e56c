"""Annex A's risk key, exhaustively: every A x B, its C and band, at the rules, the model
(and the database's own constraints), the form and the API; anything else is refused."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from conftest import sign_in
from haven.safety_plans import rules
from haven.safety_plans.forms import RiskLineForm
from haven.safety_plans.models import RiskLine, SafetyPlan
from haven.safety_plans.services import plan_create

# The table printed on Annex A: A (hazard) x B (likelihood) = C, and C's band.
EXPECTED = {
    (1, 2): (2, "LOW"),
    (1, 4): (4, "LOW"),
    (1, 6): (6, "MEDIUM"),
    (2, 2): (4, "LOW"),
    (2, 4): (8, "MEDIUM"),
    (2, 6): (12, "HIGH"),
    (3, 2): (6, "MEDIUM"),
    (3, 4): (12, "HIGH"),
    (3, 6): (18, "HIGH"),
}
ALL = sorted(EXPECTED)
BAD_A = [0, 4, -1, 6, "2", None, 1.5, True]
BAD_B = [0, 1, 3, 5, 7, 8, "4", None, 2.5]


@pytest.mark.parametrize(("a", "b"), ALL)
def test_rules_give_c_and_its_band(a, b):
    c, band = EXPECTED[(a, b)]
    assert rules.risk_rating(a, b) == c
    assert rules.band_for(c) == band


@pytest.mark.parametrize("a", BAD_A)
def test_rules_refuse_a_hazard_rating_off_the_key(a):
    with pytest.raises(ValidationError, match="hazard rating"):
        rules.risk_rating(a, 4)


@pytest.mark.parametrize("b", BAD_B)
def test_rules_refuse_a_likelihood_off_the_key(b):
    with pytest.raises(ValidationError, match="likelihood"):
        rules.risk_rating(2, b)


@pytest.mark.parametrize("c", [0, 1, 3, 5, 7, 10, 11, 13, 19, 36])
def test_no_band_for_an_impossible_risk(c):
    with pytest.raises(ValidationError):
        rules.band_for(c)


@pytest.fixture
def draft(world, plan_case):
    return plan_create(
        by=world.users["dsl_a"],
        case=plan_case,
        pupil=world.pupils["a"],
        content={
            "referrer_name_role": "Staff A",
            "schools_affected": "School A",
            "review_date": timezone.localdate() + dt.timedelta(days=7),
        },
    )


@pytest.mark.django_db
def test_model_computes_every_line_and_the_plan_takes_the_highest(world, plan_case):
    plan = plan_create(
        by=world.users["dsl_a"],
        case=plan_case,
        pupil=world.pupils["a"],
        content={
            "referrer_name_role": "Staff A",
            "schools_affected": "School A",
            "review_date": timezone.localdate() + dt.timedelta(days=7),
        },
        risk_lines=[{"hazard": f"Risk {a}x{b}", "hazard_rating": a, "likelihood": b} for a, b in ALL],
    )
    lines = RiskLine.objects.filter(version__plan=plan).order_by("position")
    assert [(ln.hazard_rating, ln.likelihood, ln.risk, ln.band) for ln in lines] == [
        (a, b, *EXPECTED[(a, b)]) for a, b in ALL
    ]
    assert SafetyPlan.objects.get().highest_risk == 18
    assert SafetyPlan.objects.get().band == "HIGH"


@pytest.mark.django_db
def test_the_model_refuses_ratings_off_the_key(draft):
    version = draft.versions.get()
    for a, b in [(4, 2), (2, 3), (0, 6)]:
        with pytest.raises(ValidationError):
            RiskLine(version=version, position=9, hazard="x", hazard_rating=a, likelihood=b).save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("a", "b", "c"),
    [(4, 2, 8), (2, 3, 6), (2, 4, 9), (1, 2, 18)],
    ids=["A=4", "B=3", "C is not AxB", "C from another line"],
)
def test_the_database_refuses_what_bypasses_the_model(draft, a, b, c):
    """bulk_create skips save(): the database's check constraints still hold the key."""
    version = draft.versions.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskLine.objects.bulk_create(
            [RiskLine(version=version, position=9, hazard="x", hazard_rating=a, likelihood=b, risk=c)]
        )


@pytest.mark.parametrize(("a", "b"), ALL)
def test_the_form_accepts_every_pair_on_the_key(a, b):
    form = RiskLineForm(data={"hazard": "Comments", "hazard_rating": str(a), "likelihood": str(b)})
    assert form.is_valid(), form.errors
    assert (form.cleaned_data["hazard_rating"], form.cleaned_data["likelihood"]) == (a, b)


@pytest.mark.parametrize(("a", "b"), [("4", "2"), ("0", "4"), ("2", "3"), ("2", "5"), ("x", "y"), ("3", "12")])
def test_the_form_refuses_any_other_value_with_a_clear_message(a, b):
    form = RiskLineForm(data={"hazard": "Comments", "hazard_rating": a, "likelihood": b})
    assert not form.is_valid()
    messages = " ".join(str(m) for errs in form.errors.values() for m in errs)
    assert "must be" in messages


@pytest.mark.django_db
@pytest.mark.parametrize(("a", "b"), ALL)
def test_the_api_computes_every_pair(client, world, plan_case, a, b):
    sign_in(client, world.users["dsl_a"])
    body = {
        "pupil_id": world.pupils["a"].pk,
        "referrer_name_role": "Staff A, teacher",
        "schools_affected": "School A",
        "review_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "risk_lines": [{"hazard": "Comments", "hazard_rating": a, "likelihood": b}],
    }
    response = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    data = response.json()
    c, band = EXPECTED[(a, b)]
    assert data["version_detail"]["risk_lines"][0]["risk"] == c
    assert data["version_detail"]["risk_lines"][0]["band"] == band
    assert (data["highest_risk"], data["band"]) == (c, band)
    assert client.get(f"/api/v1/safety-plans/{data['id']}/").json()["band"] == band


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("a", "b", "field"),
    [
        (4, 2, "hazard_rating"),
        (0, 2, "hazard_rating"),
        (2, 3, "likelihood"),
        (2, 8, "likelihood"),
        ("high", 2, "hazard_rating"),
    ],
)
def test_the_api_refuses_other_values_with_a_problem(client, world, plan_case, a, b, field):
    sign_in(client, world.users["dsl_a"])
    body = {
        "pupil_id": world.pupils["a"].pk,
        "referrer_name_role": "Staff A, teacher",
        "schools_affected": "School A",
        "review_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "risk_lines": [{"hazard": "Comments", "hazard_rating": a, "likelihood": b}],
    }
    response = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert any(field in key for key in errors), errors
    assert not SafetyPlan.objects.exists()


def test_every_pair_is_covered():
    assert set(itertools.product(rules.HAZARD, rules.LIKELIHOOD)) == set(EXPECTED)
