"""GET /api/v1/cases/, one case, its chronology and a child's chronology."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from haven.audit.models import Action, AuditEvent
from haven.cases.services import (
    case_access_set,
    case_open,
    decision_record,
    referral_make,
    referral_outcome_record,
)

from .conftest import problem_of


@pytest.fixture
def case(world, make_concern):
    dsl = world.users["dsl_a"]
    concern = make_concern(what_happened="Kicked in the changing rooms.")
    case = case_open(by=dsl, concern=concern, title="Changing rooms")
    decision_record(
        by=dsl, case=case, version=case.version, route="internal", rationale="Manage in school with a plan."
    )
    decision_record(by=dsl, case=case, version=case.version, route="early_help", rationale="Family asked for help.")
    decision_record(
        by=dsl, case=case, version=case.version, route="internal", rationale="Early help leads now.", withdraw=True
    )
    today = timezone.localdate()
    referral = referral_make(by=dsl, case=case, agency="early_help", referred_on=today - dt.timedelta(days=3))
    referral_outcome_record(by=dsl, referral=referral, outcome="Family support worker allocated.", outcome_on=today)
    return case


def test_a_case_with_children_concerns_decisions_routes_and_referrals(world, api_as, case):
    response = api_as(world.users["dsl_a"]).get(f"/api/v1/cases/{case.reference}/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["title"] == "Changing rooms"
    assert [(c["pupil_id"], c["role"]) for c in data["children"]] == [(world.pupils["a"].pk, "affected")]
    assert [c["reference"] for c in data["concerns"]] == [case.concerns.get().reference]
    assert data["current_routes"] == ["early_help"]
    assert [(d["route"], d["withdrawn"]) for d in data["decisions"]] == [
        ("internal", False),
        ("early_help", False),
        ("internal", True),
    ]
    assert data["referrals"][0]["agency"] == "early_help"
    assert data["referrals"][0]["outcomes"][0]["outcome"] == "Family support worker allocated."
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="cases.case", object_id=str(case.pk)).exists()


def test_the_case_list(world, api_as, case):
    api = api_as(world.users["head_a"])
    data = api.get("/api/v1/cases/").json()
    assert [c["reference"] for c in data["results"]] == [case.reference]
    assert api.get("/api/v1/cases/", status="closed").json()["results"] == []
    assert api.get("/api/v1/cases/", status="shut").status_code == 400


def test_staff_have_no_case_list(world, api_as, case):
    response = api_as(world.users["staff_a"]).get("/api/v1/cases/")
    assert response.status_code == 404
    problem_of(response)


@pytest.mark.parametrize("user_key", ["staff_a", "dsl_b", "head_b", "trust_lead_a", "trust_lead_b"])
def test_who_may_not_read_the_case_gets_404_everywhere(world, api_as, case, user_key):
    api = api_as(world.users[user_key])
    for url in (
        f"/api/v1/cases/{case.reference}/",
        f"/api/v1/cases/{case.reference}/chronology/",
        f"/api/v1/pupils/{world.pupils['a'].pk}/chronology/",
    ):
        response = api.get(url)
        assert response.status_code == 404, (user_key, url)
        problem_of(response)
    assert AuditEvent.objects.filter(action=Action.ACCESS_DENIED, actor=world.users[user_key]).count() >= 2


def test_a_trust_lead_reads_a_case_the_school_shared(world, api_as, case):
    case_access_set(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        restricted=False,
        named_users=[],
        shared_with_trust=True,
    )
    api = api_as(world.users["trust_lead_a"])
    assert api.get(f"/api/v1/cases/{case.reference}/").status_code == 200
    assert [c["reference"] for c in api.get("/api/v1/cases/").json()["results"]] == [case.reference]
    data = api.get(f"/api/v1/cases/{case.reference}/").json()
    assert data["children"][0]["upn"] is None  # pupil files stay with the school
    assert api_as(world.users["trust_lead_b"]).get(f"/api/v1/cases/{case.reference}/").status_code == 404


def test_a_restricted_case_is_only_for_the_people_named(world, api_as, case):
    case_access_set(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        restricted=True,
        named_users=[world.users["dsl_a"]],
        shared_with_trust=False,
    )
    assert api_as(world.users["dsl_a"]).get(f"/api/v1/cases/{case.reference}/").status_code == 200
    assert api_as(world.users["head_a"]).get(f"/api/v1/cases/{case.reference}/").status_code == 404
    assert api_as(world.users["head_a"]).get("/api/v1/cases/").json()["results"] == []


def test_the_case_chronology_in_the_order_things_happened(world, api_as, case):
    api = api_as(world.users["dsl_a"])
    data = api.get(f"/api/v1/cases/{case.reference}/chronology/").json()
    assert data["case"] == case.reference
    kinds = [e["kind"] for e in data["entries"]]
    assert {"concern", "decision", "referral", "outcome"} <= set(kinds)
    assert data["count"] == len(data["entries"])
    # By the day it happened (UK time); within a day the timed entries, then the all-day ones.
    uk = ZoneInfo("Europe/London")
    keys = [
        (dt.datetime.fromisoformat(e["at"]).astimezone(uk).date(), e["all_day"], dt.datetime.fromisoformat(e["at"]))
        for e in data["entries"]
    ]
    assert keys == sorted(keys) and {k[1] for k in keys} == {True, False}
    only = api.get(f"/api/v1/cases/{case.reference}/chronology/", kinds="decision,outcome").json()
    assert {e["kind"] for e in only["entries"]} == {"decision", "outcome"}


@pytest.mark.parametrize("params", [{"kinds": "decision,gossip"}, {"from": "last week"}, {"to": "2025-02-30"}])
def test_bad_chronology_filters_are_400(world, api_as, case, params):
    response = api_as(world.users["dsl_a"]).get(f"/api/v1/cases/{case.reference}/chronology/", **params)
    assert response.status_code == 400
    assert list(problem_of(response)["errors"]) == list(params)


def test_a_childs_chronology(world, api_as, case):
    pupil = world.pupils["a"]
    data = api_as(world.users["deputy_a"]).get(f"/api/v1/pupils/{pupil.pk}/chronology/").json()
    assert data["pupil"]["id"] == pupil.pk and data["pupil"]["upn"] == pupil.upn
    assert data["pupil"]["school"] == {"urn": "140001", "name": "Alder Academy"}
    assert case.concerns.get().reference in {e["title"].split(":")[0].removeprefix("Concern ") for e in data["entries"]}
    assert AuditEvent.objects.filter(action=Action.VIEW, object_type="people.pupil", object_id=str(pupil.pk)).exists()


def test_a_pupil_id_too_big_for_the_database_is_a_404_problem(world, api_as):
    api = api_as(world.users["dsl_a"])
    for url in ("/api/v1/pupils/99999999999999999999999/chronology/", "/api/v1/pupils/999999/chronology/"):
        response = api.get(url)
        assert response.status_code == 404
        problem_of(response)
