"""A safety plan save must say which version it was made from (DESIGN §11): without it, a
hand-made or integration POST would overwrite blind. Pages and the API."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.api.services import token_create
from haven.safety_plans.models import SafetyPlan

from .conftest import plan_post

pytestmark = pytest.mark.django_db

MISSING = "did not say which version of the plan it was made from"


def _draft(client, world, plan_case) -> SafetyPlan:
    sign_in(client, world.users["dsl_a"])
    r = client.post(reverse("safety_plans:new", args=[plan_case.reference, world.pupils["a"].pk]), plan_post())
    assert r.status_code == 302, r.content.decode()[:2000]
    return SafetyPlan.objects.get()


def test_a_change_without_its_version_is_refused_and_keeps_what_was_typed(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    data = plan_post(child_fair="Typed, with no version")
    del data["based_on"]
    r = client.post(reverse("safety_plans:edit", args=[plan.pk]), data)
    assert r.status_code == 400
    page = r.content.decode()
    assert MISSING in page
    assert "Typed, with no version" in page
    assert SafetyPlan.objects.get().current_version == 1


def test_a_change_with_an_empty_version_is_refused(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    r = client.post(reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="", child_fair="Empty"))
    assert r.status_code == 400 and MISSING in r.content.decode()
    assert SafetyPlan.objects.get().current_version == 1


def test_a_change_with_its_version_is_saved(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    r = client.post(reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="1", child_fair="Saved"))
    assert r.status_code == 302
    assert SafetyPlan.objects.get().current_version == 2


def test_a_sign_off_without_its_version_is_refused(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    r = client.post(reverse("safety_plans:sign_off", args=[plan.pk]), {}, follow=True)
    assert MISSING in r.content.decode()
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.DRAFT
    client.post(reverse("safety_plans:sign_off", args=[plan.pk]), {"based_on": "1"})
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.ACTIVE


# -- The API: POST /api/v1/safety-plans/<id>/sign-off/ ---------------------------------------


def _api(user) -> Client:
    token = token_create(by=user, name="MIS")[1]
    return Client(headers={"Authorization": f"Bearer {token}"})


def _sign_off(api: Client, plan: SafetyPlan, body: dict):
    return api.post(f"/api/v1/safety-plans/{plan.pk}/sign-off/", body, content_type="application/json")


def _problem(r) -> dict:
    assert r["Content-Type"] == "application/problem+json", r.content[:300]
    return r.json()


def test_the_api_refuses_a_sign_off_without_its_version_with_428(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    api = _api(world.users["dsl_a"])
    for body in ({}, {"version": None}):
        r = _sign_off(api, plan, body)
        assert r.status_code == 428
        problem = _problem(r)
        assert problem["type"] == "urn:haven:problem:version_required"
        assert MISSING in problem["errors"]["version"][0]
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.DRAFT


def test_the_api_refuses_a_sign_off_from_a_stale_version_with_409(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    client.post(reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="1", child_fair="Newer"))
    r = _sign_off(_api(world.users["dsl_a"]), plan, {"version": 1})
    assert r.status_code == 409
    problem = _problem(r)
    assert problem["type"] == "urn:haven:problem:stale"
    assert "Someone saved a newer version of this plan (version 2)" in problem["errors"]["version"][0]
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.DRAFT


def test_the_api_signs_off_with_the_version_it_read(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    api = _api(world.users["deputy_a"])
    version = api.get(f"/api/v1/safety-plans/{plan.pk}/").json()["version"]
    r = _sign_off(api, plan, {"version": version})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "active"
    assert SafetyPlan.objects.get().signed_off_by == world.users["deputy_a"]


def test_the_api_bad_version_names_the_field(client, world, plan_case):
    plan = _draft(client, world, plan_case)
    r = _sign_off(_api(world.users["dsl_a"]), plan, {"version": "one"})
    assert r.status_code == 400
    assert "version" in _problem(r)["errors"]


@pytest.mark.parametrize("who", ["head_a", "staff_a", "dsl_b", "trust_lead_a"])
def test_only_the_schools_safeguarding_leads_sign_off_through_the_api(client, world, plan_case, who):
    plan = _draft(client, world, plan_case)
    r = _sign_off(_api(world.users[who]), plan, {"version": 1})
    assert r.status_code == 404
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.DRAFT
