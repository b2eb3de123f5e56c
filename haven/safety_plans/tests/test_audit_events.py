"""A plan's audit events through the real pages and the API: each has its name, the channel
it came through and, where something changed, the old and new values (never the plan's
words)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.safety_plans.models import SafetyPlan
from haven.safety_plans.services import plan_create

from .conftest import plan_post

pytestmark = pytest.mark.django_db


def _plan(world, plan_case) -> SafetyPlan:
    return plan_create(
        by=world.users["dsl_a"],
        case=plan_case,
        pupil=world.pupils["a"],
        content={
            "referrer_name_role": "Staff A, teacher",
            "schools_affected": world.school_a.name,
            "review_date": timezone.localdate() + dt.timedelta(days=10),
        },
        risk_lines=[{"hazard": "Comments between lessons", "hazard_rating": 2, "likelihood": 4}],
    )


def _events(plan: SafetyPlan, name: str) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(object_type="safety_plans.safetyplan", object_id=str(plan.pk), event=name).order_by(
            "seq"
        )
    )


def _only(plan: SafetyPlan, name: str) -> AuditEvent:
    events = _events(plan, name)
    assert len(events) == 1, [e.event for e in AuditEvent.objects.filter(object_id=str(plan.pk))]
    return events[0]


def test_a_plan_written_signed_off_revised_and_closed_on_its_pages(client, world, plan_case):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    pages = {"HTTP_USER_AGENT": "PlanTestBrowser/1.0", "REMOTE_ADDR": "192.0.2.10"}
    response = client.post(
        reverse("safety_plans:new", args=[plan_case.reference, world.pupils["a"].pk]), plan_post(), **pages
    )
    assert response.status_code == 302
    plan = SafetyPlan.objects.get(case=plan_case, pupil=world.pupils["a"])

    created = _only(plan, "plan.created")
    assert (created.channel, created.action, created.actor) == ("page", "create", dsl)
    assert (created.ip_address, created.user_agent) == ("192.0.2.10", "PlanTestBrowser/1.0")
    changes = created.extra["changes"]
    assert changes["status"] == [None, "draft"] and changes["version"] == [None, 1]
    assert changes["highest_risk"] == [None, 12]
    assert created.extra["version"] == 1 and created.extra["case"] == plan_case.pk  # the keys kept from before

    assert client.post(reverse("safety_plans:sign_off", args=[plan.pk]), {"based_on": "1"}, **pages).status_code == 302
    signed = _only(plan, "plan.signed_off")
    assert signed.channel == "page" and signed.actor == dsl
    assert signed.extra["changes"] == {"status": ["draft", "active"], "signed_off_version": [None, 1]}
    assert signed.extra["signed_off"] == 1

    later = (timezone.localdate() + dt.timedelta(days=40)).isoformat()
    data = plan_post(based_on="1", reason="scheduled", review_date=later, **{"risk-1-hazard_rating": "1"})
    assert client.post(reverse("safety_plans:edit", args=[plan.pk]), data, **pages).status_code == 302
    revised = _only(plan, "plan.revised")
    assert revised.channel == "page" and revised.action == "update"
    changes = revised.extra["changes"]
    assert changes["version"] == [1, 2]
    assert changes["status"] == ["active", "under_review"]
    assert changes["review_date"] == [plan.review_date.isoformat(), later]
    assert changes["highest_risk"] == [12, 8]
    assert revised.extra["reason"] == "scheduled"

    reason = "No further incidents this term."
    assert client.post(reverse("safety_plans:close", args=[plan.pk]), {"reason": reason}, **pages).status_code == 302
    closed = _only(plan, "plan.closed")
    assert closed.channel == "page"
    assert closed.extra["changes"] == {"status": ["under_review", "closed"]}
    # The plan's words stay in the plan: none reach its audit events.
    for event in AuditEvent.objects.filter(object_type="safety_plans.safetyplan"):
        assert reason not in str(event.extra) and "corridor" not in str(event.extra)


def test_reading_and_printing_on_the_pages_are_named(client, world, plan_case):
    plan = _plan(world, plan_case)
    sign_in(client, world.users["dsl_a"])
    assert client.get(reverse("safety_plans:detail", args=[plan.pk])).status_code == 200
    viewed = _only(plan, "plan.viewed")
    assert (viewed.channel, viewed.action, viewed.actor) == ("page", "view", world.users["dsl_a"])
    assert client.get(reverse("safety_plans:pdf", args=[plan.pk])).status_code == 200
    printed = _only(plan, "plan.printed")
    assert printed.channel == "page" and printed.action == "export" and printed.extra["page"] == "full"


def test_a_service_called_without_a_page_is_a_command(world, plan_case):
    plan = _plan(world, plan_case)
    created = _only(plan, "plan.created")
    assert (created.channel, created.ip_address, created.user_agent) == ("command", None, "")


def test_a_refusal_on_a_page_names_the_person_and_the_page(client, world, plan_case):
    plan = _plan(world, plan_case)
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("safety_plans:detail", args=[plan.pk])).status_code == 404
    refused = AuditEvent.objects.get(event="access.refused", object_id=str(plan.pk))
    assert (refused.channel, refused.actor) == ("page", world.users["dsl_b"])


def test_the_api_writes_and_reads_a_plan_on_the_api_channel(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    body = {
        "pupil_id": world.pupils["a"].pk,
        "referrer_name_role": "Staff A, teacher",
        "schools_affected": "School A",
        "review_date": (timezone.localdate() + dt.timedelta(days=14)).isoformat(),
        "risk_lines": [{"hazard": "Comments", "hazard_rating": 2, "likelihood": 2}],
    }
    r = client.post(f"/api/v1/cases/{plan_case.reference}/safety-plans/", body, content_type="application/json")
    assert r.status_code == 201, r.content
    plan = SafetyPlan.objects.get(pk=r.json()["id"])
    created = _only(plan, "plan.created")
    assert created.channel == "api" and created.actor == world.users["dsl_a"]
    assert created.extra["changes"]["status"] == [None, "draft"]
    assert client.get(f"/api/v1/safety-plans/{plan.pk}/").status_code == 200
    assert _only(plan, "plan.viewed").channel == "api"
