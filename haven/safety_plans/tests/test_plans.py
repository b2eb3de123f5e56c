"""Writing, reviewing, signing off and comparing safety plans through real requests."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.cases.services import parents_informed_record, referral_make
from haven.safety_plans.models import PlanEvent, PlanVersion, RiskLine, SafetyPlan

from .conftest import plan_post

pytestmark = pytest.mark.django_db


def _new_url(case, pupil):
    return reverse("safety_plans:new", args=[case.reference, pupil.pk])


def _create(client, case, pupil, **overrides) -> SafetyPlan:
    response = client.post(_new_url(case, pupil), plan_post(**overrides))
    assert response.status_code == 302, response.content.decode()[:2000]
    return SafetyPlan.objects.get(case=case, pupil=pupil)


def test_the_form_starts_from_what_the_case_knows(client, world, plan_case, second_child):
    dsl = world.users["dsl_a"]
    parents_informed_record(
        by=dsl, case=plan_case, pupil=world.pupils["a"], informed=True, informed_on=timezone.localdate()
    )
    referral_make(
        by=dsl,
        case=plan_case,
        agency="social_care",
        pupil=world.pupils["a"],
        referred_on=timezone.localdate(),
        agency_reference="MASH-123",
    )
    sign_in(client, dsl)
    page = client.get(_new_url(plan_case, world.pupils["a"]))
    assert page.status_code == 200
    html = page.content.decode()
    # The referrer is the member of staff who recorded the concern, with their role.
    assert world.users["staff_a"].full_name in html
    assert world.school_a.name in html
    form = page.context["form"]
    # Parents informed and the referral are the case's: shown with their dates, not retyped.
    assert "action_parents_taken" not in form.fields and "action_mash_notes" not in form.fields
    assert "MASH-123" in html
    assert form.initial["action_police_taken"] == ""
    assert form.initial["on_premises"] == "yes"
    assert second_child.display_name in form.initial["consider_who"]


def test_a_dsl_writes_a_draft_and_the_server_computes_the_risk(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    plan = _create(client, plan_case, world.pupils["a"])
    assert plan.status == SafetyPlan.Status.DRAFT
    assert plan.current_version == 1
    lines = list(RiskLine.objects.filter(version__plan=plan).order_by("position"))
    assert [(ln.hazard_rating, ln.likelihood, ln.risk, ln.band) for ln in lines] == [
        (2, 4, 8, "MEDIUM"),
        (3, 4, 12, "HIGH"),
    ]
    assert plan.highest_risk == 12 and plan.band == "HIGH"
    version = plan.versions.get()
    assert version.actions["parents"]["taken"] is True
    assert version.considerations["limit_contact"] == {
        "answer": "yes",
        "notes": "Separate sets for maths and English.",
    }
    assert version.controls == ["separate_classes", "trusted_adult"]
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="safety_plans.safetyplan").exists()
    page = client.get(reverse("safety_plans:detail", args=[plan.pk])).content.decode()
    assert "HIGH" in page and "Further comments in the corridor" in page


def test_a_form_with_errors_keeps_everything_typed(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    data = plan_post(**{"risk-1-hazard_rating": "5", "referrer_name_role": ""})
    response = client.post(_new_url(plan_case, world.pupils["a"]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "The hazard rating (A) must be 1 (minor effect), 2 (moderate effect) or 3 (major effect)." in html
    assert "Enter the referrer" in html or "This field is required" in html
    assert "Messages about her online" in html
    assert "Some boys said nasty things to you in the corridor." in html
    assert not SafetyPlan.objects.exists()


def test_sign_off_then_review_makes_a_new_version_and_keeps_the_old(client, world, plan_case, make_concern):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    plan = _create(client, plan_case, world.pupils["a"])
    response = client.post(reverse("safety_plans:sign_off", args=[plan.pk]), {"based_on": "1"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == SafetyPlan.Status.ACTIVE and plan.signed_off_by == dsl and plan.signed_off_version == 1

    # A new concern about the child makes a review due.
    concern = make_concern(children=[(world.pupils["a"], "affected")], days_ago=0)
    listing = client.get(reverse("safety_plans:list") + "?due=yes").content.decode()
    assert concern.reference in listing
    edit = client.get(reverse("safety_plans:edit", args=[plan.pk]))
    assert edit.context["form"].initial["reason"] == "new_incident"

    data = plan_post(
        based_on="1",
        reason="new_incident",
        reason_notes=f"New concern {concern.reference}",
        then="sign_off",
        **{
            "risk-INITIAL_FORMS": "2",
            "risk-0-likelihood": "6",
            "risk-1-DELETE": "on",
            "feel_safe": "Going to lessons with your friend. Sitting at the front of the bus.",
        },
    )
    response = client.post(reverse("safety_plans:edit", args=[plan.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    plan.refresh_from_db()
    assert plan.current_version == 2 and plan.status == SafetyPlan.Status.ACTIVE and plan.signed_off_version == 2
    assert plan.highest_risk == 12  # 2 x 6, the removed 3 x 4 line is gone from version 2
    v1, v2 = PlanVersion.objects.filter(plan=plan).order_by("number")
    assert v1.risk_lines.count() == 2 and v2.risk_lines.count() == 1
    assert v2.reason == "new_incident"
    # The review is no longer due: the new concern came before this version.
    assert concern.reference not in client.get(reverse("safety_plans:list") + "?due=yes").content.decode()

    compare = client.get(reverse("safety_plans:compare", args=[plan.pk]) + "?from=1&to=2")
    assert compare.status_code == 200
    changed = {r.key for s in compare.context["sections"] for r in s.rows if r.changed}
    assert {"feel_safe", "risk_1", "risk_2"} <= changed
    assert "referrer_name_role" not in changed
    old = client.get(reverse("safety_plans:version", args=[plan.pk, 1])).content.decode()
    assert "Messages about her online" in old
    kinds = list(PlanEvent.objects.filter(plan=plan).values_list("kind", flat=True))
    assert kinds == ["created", "signed_off", "version", "signed_off"]


def test_a_stale_save_is_refused_and_loses_nothing(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    plan = _create(client, plan_case, world.pupils["a"])
    client.post(reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="1", child_fair="First edit"))
    response = client.post(
        reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="1", child_fair="Second, stale edit")
    )
    assert response.status_code == 400
    assert "Someone saved a newer version" in response.content.decode()
    assert "Second, stale edit" in response.content.decode()
    assert SafetyPlan.objects.get().current_version == 2


def test_sign_off_needs_a_risk_line(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    data = plan_post(**{"risk-0-hazard": "", "risk-0-hazard_rating": "", "risk-0-likelihood": ""})
    data.update({"risk-1-hazard": "", "risk-1-hazard_rating": "", "risk-1-likelihood": ""})
    data.update({k: "" for k in list(data) if k.startswith("risk-") and k.endswith(("measures", "contingency"))})
    plan = _create(client, plan_case, world.pupils["a"], **{k: v for k, v in data.items() if k != "based_on"})
    response = client.post(reverse("safety_plans:sign_off", args=[plan.pk]), {"based_on": "1"}, follow=True)
    assert "Add at least one risk line" in response.content.decode()
    assert SafetyPlan.objects.get().status == SafetyPlan.Status.DRAFT


def test_one_open_plan_per_child_per_case_and_one_for_each_child(client, world, plan_case, second_child):
    sign_in(client, world.users["dsl_a"])
    _create(client, plan_case, world.pupils["a"])
    again = client.post(_new_url(plan_case, world.pupils["a"]), plan_post())
    assert again.status_code == 400
    assert "already has an open safety plan" in again.content.decode()
    other = _create(client, plan_case, second_child, schools_harmed="Oakfield Park; Riverside Academy")
    assert other.role == "alleged_harmer"
    assert other.versions.get().schools_harmed == "Oakfield Park; Riverside Academy"


def test_closing_needs_a_reason_and_the_plan_stays_readable(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    plan = _create(client, plan_case, world.pupils["a"])
    refused = client.post(reverse("safety_plans:close", args=[plan.pk]), {"reason": ""})
    assert refused.status_code == 400 and "Say why the plan is closing" in refused.content.decode()
    client.post(reverse("safety_plans:close", args=[plan.pk]), {"reason": "No further incidents this term."})
    plan.refresh_from_db()
    assert plan.status == SafetyPlan.Status.CLOSED
    assert client.get(reverse("safety_plans:detail", args=[plan.pk])).status_code == 200
    assert client.get(reverse("safety_plans:edit", args=[plan.pk])).status_code == 404


def test_the_review_date_is_required_and_not_in_the_past(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    missing = client.post(_new_url(plan_case, world.pupils["a"]), plan_post(review_date=""))
    assert "Set a date to review this plan" in missing.content.decode()
    past = (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    late = client.post(_new_url(plan_case, world.pupils["a"]), plan_post(review_date=past))
    assert "The review date must be today or later." in late.content.decode()
    assert not SafetyPlan.objects.exists()


def test_the_child_page_and_its_reading_age(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    plan = _create(client, plan_case, world.pupils["a"])
    page = client.get(reverse("safety_plans:child", args=[plan.pk]))
    html = page.content.decode()
    assert f"{world.pupils['a'].forename}'s Safety Plan" in html
    assert "What will help me feel safe?" in html and "quiet room" in html
    assert page.context["reading_age"] is not None and page.context["reading_age"] <= 10


def test_plans_are_listed_with_filters_and_constant_queries(
    client, world, plan_case, second_child, django_assert_max_num_queries
):
    sign_in(client, world.users["dsl_a"])
    _create(client, plan_case, world.pupils["a"])
    _create(
        client,
        plan_case,
        second_child,
        **{
            "risk-1-hazard": "",
            "risk-1-hazard_rating": "",
            "risk-1-likelihood": "",
            "risk-1-measures": "",
            "risk-1-contingency": "",
        },
    )
    with django_assert_max_num_queries(12):
        page = client.get(reverse("safety_plans:list"))
    assert page.context["page"].paginator.count == 2
    high = client.get(reverse("safety_plans:list") + "?band=HIGH")
    assert [p.pupil_id for p in high.context["page"]] == [world.pupils["a"].pk]
    assert client.get(reverse("safety_plans:list") + "?child=Jordan").context["page"].paginator.count == 1


def test_the_database_keeps_one_open_plan_per_child_and_case(world, plan_case):
    """Even when the service's own check is raced past, the database refuses a second open plan."""
    from django.db import IntegrityError, transaction

    from haven.safety_plans.services import plan_close, plan_create

    content = {
        "referrer_name_role": "Staff A",
        "schools_affected": "School A",
        "review_date": timezone.localdate() + dt.timedelta(days=7),
    }
    first = plan_create(by=world.users["dsl_a"], case=plan_case, pupil=world.pupils["a"], content=content)
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyPlan.objects.create(
            school=first.school,
            case=plan_case,
            pupil=world.pupils["a"],
            role="affected",
            created_by=world.users["dsl_a"],
            review_date=first.review_date,
        )
    plan_close(by=world.users["dsl_a"], plan=first, reason="Replaced by a new plan.")
    second = plan_create(by=world.users["dsl_a"], case=plan_case, pupil=world.pupils["a"], content=content)
    assert second.pk != first.pk
