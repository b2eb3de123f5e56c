"""Annex A as it asks: open questions in words, yes/no questions with a note, as many risk
lines as needed ("Add another risk" without JavaScript), the case's parents-informed and
referral records carried into the plan with their dates, and versions written before these
changes still read as they were written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases.services import parents_informed_record, referral_make
from haven.core.errors import ApplicationError
from haven.safety_plans import rules
from haven.safety_plans.models import PlanVersion, SafetyPlan
from haven.safety_plans.services import plan_create

from .conftest import plan_post

pytestmark = pytest.mark.django_db


def _new_url(case, pupil):
    return reverse("safety_plans:new", args=[case.reference, pupil.pk])


def _content(**kw):
    return {
        "referrer_name_role": "Staff A, teacher",
        "schools_affected": "Alder Academy",
        "review_date": timezone.localdate() + dt.timedelta(days=10),
        **kw,
    }


def test_every_annex_a_question_has_a_kind_and_the_open_ones_are_asked_in_words():
    assert {"incident", "who", "where", "limit_how"} == rules.OPEN_QUESTIONS
    grouped = [k for _, keys in rules.CONSIDERATION_GROUPS for k in keys]
    assert grouped == list(rules.CONSIDERATIONS)  # every question once, in Annex A's order
    assert rules.CONSIDERATIONS["incident"] == "What is the incident?"
    # Annex A's "a crime? ... As such has this been referred to the police?" is two answers.
    assert "referred_police" in rules.CONSIDERATIONS and "police" not in rules.CONSIDERATIONS["crime"]


def test_open_questions_are_text_areas_and_yes_no_questions_radios_with_a_note(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    page = client.get(_new_url(plan_case, world.pupils["a"]))
    html = page.content.decode()
    form = page.context["form"]
    for key in rules.OPEN_QUESTIONS:
        assert f'<textarea name="consider_{key}"' in html
        assert f"consider_{key}_answer" not in form.fields
    assert 'name="consider_threat_answer" value="yes"' in html
    assert 'name="consider_threat_answer" value="see_notes"' not in html
    assert '<textarea name="consider_threat_notes"' in html
    # From the case: the incident and who was involved, as words to check.
    assert "Comments in the corridor" in form.initial["consider_incident"]


def test_a_plan_saves_each_answer_in_its_own_shape(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    data = plan_post(
        consider_incident="Comments about her body in the corridor, three times this week.",
        consider_threat_answer="yes",
        consider_threat_notes="He said he would tell everyone.",
        consider_referred_police_answer="no",
    )
    assert client.post(_new_url(plan_case, world.pupils["a"]), data).status_code == 302
    version = PlanVersion.objects.get()
    assert version.considerations["incident"] == {
        "text": "Comments about her body in the corridor, three times this week."
    }
    assert version.considerations["threat"] == {"answer": "yes", "notes": "He said he would tell everyone."}
    assert version.considerations["referred_police"] == {"answer": "no", "notes": ""}
    html = client.get(reverse("safety_plans:detail", args=[version.plan_id])).content.decode()
    assert "Comments about her body in the corridor" in html and "Yes. He said he would tell everyone." in html


def test_an_answer_not_offered_is_refused_beside_its_question_and_everything_typed_stays(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    data = plan_post(consider_threat_answer="see_notes", consider_incident="Pushed into the lockers.")
    response = client.post(_new_url(plan_case, world.pupils["a"]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_consider_threat_answer_error"' in html  # beside the question, tied to it
    assert 'href="#id_consider_threat_answer_0"' in html  # the summary links to the first choice
    assert "consider" in response.context["open_sections"]
    assert "Pushed into the lockers." in html and "Further comments in the corridor" in html
    assert not SafetyPlan.objects.exists()


def test_the_services_refuse_yes_or_no_for_an_open_question():
    from haven.safety_plans.services import content_checked

    with pytest.raises(ApplicationError) as refused:
        content_checked(
            _content(considerations={"incident": {"answer": "yes", "notes": ""}}), today=timezone.localdate()
        )
    assert refused.value.field == "consider_incident" and "in words" in refused.value.message
    with pytest.raises(ApplicationError) as refused:
        content_checked(_content(considerations={"threat": {"answer": "maybe"}}), today=timezone.localdate())
    assert refused.value.field == "consider_threat_answer"
    for odd in ({"text": 5}, ["yes"], {"text": {"nested": "x"}}):
        with pytest.raises(ApplicationError) as refused:
            content_checked(_content(considerations={"who": odd}), today=timezone.localdate())
        assert refused.value.field == "consider_who"


# -- Risk lines ------------------------------------------------------------------------------


def test_add_another_risk_keeps_every_line_and_everything_typed(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    data = plan_post(add_risk="1", child_fair="Yes.", **{"risk-2-hazard": "Half-typed third risk"})
    data.pop("then")
    response = client.post(_new_url(plan_case, world.pupils["a"]), data)
    assert response.status_code == 200
    formset = response.context["formset"]
    assert formset.total_form_count() == 4
    html = response.content.decode()
    for typed in ("Further comments in the corridor", "Messages about her online", "Half-typed third risk", "Yes."):
        assert typed in html, typed
    assert "There is a problem" not in html  # nothing checked yet: the third line has no ratings
    assert 'name="risk-3-hazard"' in html and "autofocus" in html
    assert "risks" in response.context["open_sections"]
    assert not SafetyPlan.objects.exists()  # nothing saved

    # Four lines: three filled, the new one left empty (and so left out).
    data.pop("add_risk")
    data.update({"risk-TOTAL_FORMS": "4", "risk-2-hazard_rating": "1", "risk-2-likelihood": "2", "then": "save"})
    assert client.post(_new_url(plan_case, world.pupils["a"]), data).status_code == 302
    assert [ln.hazard for ln in PlanVersion.objects.get().risk_lines.order_by("position")] == [
        "Further comments in the corridor between lessons",
        "Messages about her online",
        "Half-typed third risk",
    ]


def test_a_new_line_half_filled_says_to_leave_it_empty(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    response = client.post(_new_url(plan_case, world.pupils["a"]), plan_post(**{"risk-2-likelihood": "4"}))
    assert response.status_code == 400
    assert "Risk line 3: Describe the risk on this line, or leave the whole line empty." in response.content.decode()


def test_a_plan_holds_as_many_risk_lines_as_needed(client, world, plan_case):
    sign_in(client, world.users["dsl_a"])
    data = plan_post(**{"risk-TOTAL_FORMS": "7"})
    for i in range(2, 7):
        data.update({f"risk-{i}-hazard": f"Risk {i + 1}", f"risk-{i}-hazard_rating": "1", f"risk-{i}-likelihood": "2"})
    assert client.post(_new_url(plan_case, world.pupils["a"]), data).status_code == 302
    assert PlanVersion.objects.get().risk_lines.count() == 7
    plan = SafetyPlan.objects.get()
    edit = client.get(reverse("safety_plans:edit", args=[plan.pk]))
    assert edit.context["formset"].total_form_count() == 8  # the seven, and one empty


# -- Carried over from the case -------------------------------------------------------------


def test_parents_informed_and_referrals_come_from_the_case_with_their_dates(client, world, plan_case):
    dsl, child = world.users["dsl_a"], world.pupils["a"]
    today = timezone.localdate()
    informed_on, referred_on = today - dt.timedelta(days=3), today - dt.timedelta(days=2)
    parents_informed_record(by=dsl, case=plan_case, pupil=child, informed=True, informed_on=informed_on)
    referral_make(
        by=dsl,
        case=plan_case,
        agency="social_care",
        pupil=child,
        referred_on=referred_on,
        agency_reference="MASH-77",
        notes="Strategy discussion booked.",
    )
    sign_in(client, dsl)
    html = client.get(_new_url(plan_case, child)).content.decode()
    assert f"{informed_on:%-d %b %Y}" in html and f"{referred_on:%-d %b %Y}" in html
    assert "MASH-77" in html and "Strategy discussion booked." in html
    assert 'name="action_parents_taken"' not in html and 'name="action_mash_on"' not in html
    assert 'name="action_police_taken"' in html  # nothing on the case: asked

    # A hand-made post cannot type over the case's record.
    data = plan_post(action_parents_taken="no", action_parents_on="", action_mash_notes="typed")
    assert client.post(_new_url(plan_case, child), data).status_code == 302
    v1 = PlanVersion.objects.get()
    assert v1.actions["parents"]["taken"] is True and v1.actions["parents"]["on"] == informed_on.isoformat()
    assert [r["on"] for r in v1.actions["parents"]["from_case"]] == [informed_on.isoformat()]
    mash = v1.actions["mash"]["from_case"]
    assert mash[0]["on"] == referred_on.isoformat() and "MASH-77" in mash[0]["notes"]
    page = client.get(reverse("safety_plans:detail", args=[v1.plan_id])).content.decode()
    assert f"Yes, {referred_on:%-d %b %Y}" in page and "(from the case)" in page

    # A police referral made later goes into the next version, never into the first.
    referral_make(by=dsl, case=plan_case, agency="police", pupil=None, referred_on=today, agency_reference="CR-9")
    plan = SafetyPlan.objects.get()
    before = dict(v1.actions)
    response = client.post(reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="1"))
    assert response.status_code == 302
    v1.refresh_from_db()
    v2 = plan.versions.get(number=2)
    assert v1.actions == before and "from_case" not in v1.actions["police"]
    assert "CR-9" in v2.actions["police"]["from_case"][0]["notes"]


# -- Versions written before --------------------------------------------------------------


def test_a_version_written_before_still_reads_as_it_was_written(client, world, plan_case):
    dsl = world.users["dsl_a"]
    plan = plan_create(by=dsl, case=plan_case, pupil=world.pupils["a"], content=_content())
    # The shape versions had before: every question {answer, notes}, the crime question whole.
    legacy = {key: {"answer": "", "notes": ""} for key in rules.CONSIDERATIONS if key != "referred_police"}
    legacy["incident"] = {"answer": "yes", "notes": "Pushed in the corridor."}
    legacy["crime"] = {"answer": "see_notes", "notes": "Police told on Monday."}
    old = PlanVersion.objects.create(
        plan=plan,
        school_id=plan.school_id,
        number=2,
        reason="draft",
        by=dsl,
        referrer_name_role="Staff A",
        schools_affected="Alder Academy",
        review_date=plan.review_date,
        considerations=legacy,
    )
    SafetyPlan.objects.filter(pk=plan.pk).update(current_version=2)
    sign_in(client, dsl)
    html = client.get(reverse("safety_plans:version", args=[plan.pk, 2])).content.decode()
    assert "Yes. Pushed in the corridor." in html
    assert "As such, has it been referred to the police?" in html and "See notes. Police told on Monday." in html
    form = client.get(reverse("safety_plans:edit", args=[plan.pk])).context["form"]
    assert form.initial["consider_incident"] == "Yes. Pushed in the corridor."
    assert "Police told on Monday." in form.initial["consider_crime_notes"]
    assert client.post(reverse("safety_plans:edit", args=[plan.pk]), plan_post(based_on="2")).status_code == 302
    old.refresh_from_db()
    assert old.considerations == legacy  # the old version is never rewritten
    assert plan.versions.get(number=3).considerations["incident"] == {"text": ""}
