"""Triage, cases and the statutory prompts, through the pages a DSL uses."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases import services
from haven.cases.models import Case, Decision, ParentsInformed
from haven.cases.tests.pages import change_url
from haven.concerns.models import Concern
from haven.core.errors import ApplicationError


def _open_case(client, world, concern):
    sign_in(client, world.users["dsl_a"])
    r = client.post(
        reverse("cases:triage", args=[concern.reference]), {"action": "open", "title": "Pushing in corridor"}
    )
    assert r.status_code == 302, r.content.decode()[:500]
    return Case.objects.get()


def test_the_dsl_sees_urgent_concerns_first_then_the_oldest(client, world, make_concern):
    old = make_concern(days_ago=5)
    urgent = make_concern(urgent=True, days_ago=1)
    newer = make_concern(days_ago=1)
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("cases:dashboard"))
    order = [c.reference for c in r.context["page"]]
    assert order == [urgent.reference, old.reference, newer.reference]


def test_another_schools_dsl_sees_none_of_it(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["dsl_b"])
    assert concern.reference not in client.get(reverse("cases:dashboard")).text
    assert client.get(reverse("cases:triage", args=[concern.reference])).status_code == 404
    assert client.get(reverse("concerns:detail", args=[concern.reference])).status_code == 404


def test_acknowledging_shows_the_member_of_staff_it_arrived(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["dsl_a"])
    client.post(reverse("cases:triage", args=[concern.reference]), {"action": "acknowledge"})
    client.logout()
    sign_in(client, world.users["staff_a"])
    page = client.get(reverse("concerns:detail", args=[concern.reference]))
    assert "Received by Dsl A" in page.text


def test_no_further_action_needs_a_rationale(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["dsl_a"])
    r = client.post(reverse("cases:triage", args=[concern.reference]), {"action": "nfa", "rationale": ""})
    assert r.status_code == 400
    assert "Explain why no further action is needed" in r.text
    r = client.post(
        reverse("cases:triage", args=[concern.reference]),
        {"action": "nfa", "rationale": "A misunderstanding, resolved."},
    )
    assert r.status_code == 302
    concern.refresh_from_db()
    assert concern.status == "nfa" and concern.closed_rationale == "A misunderstanding, resolved."


def test_opening_a_case_brings_each_child_with_their_role(client, world, make_concern, second_child):
    concern = make_concern(children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")])
    case = _open_case(client, world, concern)
    assert dict(case.children.values_list("pupil_id", "role")) == {
        world.pupils["a"].pk: "affected",
        second_child.pk: "alleged_harmer",
    }
    assert case.reference.startswith(f"K-{world.school_a.urn}-")
    concern.refresh_from_db()
    assert concern.case == case and concern.status == "in_case"


def test_police_is_the_starting_point_for_sexual_assault(client, world, make_concern, second_child):
    concern = make_concern(
        codes=["sexual_assault"], children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")]
    )
    case = _open_case(client, world, concern)
    page = client.get(reverse("cases:detail", args=[case.reference]))
    assert "the starting point is that they are reported to the police" in page.text
    url = change_url(case, "decision")
    r = client.post(url, {"routes": "internal", "rationale": "Pastoral support in school.", "version": case.version})
    assert r.status_code == 400
    assert "reported to the police" in r.text
    assert "Pastoral support in school." in r.text  # kept
    assert not Decision.objects.exists()
    # A police route meets the prompt...
    r = client.post(url, {"routes": "police", "rationale": "Reported to police, ref 123.", "version": case.version})
    assert r.status_code == 302
    case.refresh_from_db()
    # ...and then other routes can be added.
    r = client.post(url, {"routes": "internal", "rationale": "Pastoral support too.", "version": case.version})
    assert r.status_code == 302
    assert services.current_routes(case) == {"police", "internal"}


def test_another_route_for_sexual_assault_needs_a_recorded_explanation(world, make_concern):
    concern = make_concern(codes=["rape"])
    case = services.case_open(by=world.users["dsl_a"], concern=concern)
    with pytest.raises(ApplicationError) as exc:
        services.decision_record(
            by=world.users["dsl_a"], case=case, version=case.version, route="social_care", rationale="MASH referral."
        )
    assert exc.value.field == "statutory_override"
    decision = services.decision_record(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        route="social_care",
        rationale="MASH referral.",
        statutory_override="Police already involved via social care strategy meeting; they asked us not to report separately.",
    )
    assert decision.statutory_override.startswith("Police already involved")


def test_withdrawing_the_police_route_needs_an_explanation_too(world, make_concern):
    concern = make_concern(codes=["assault_by_penetration"])
    case = services.case_open(by=world.users["dsl_a"], concern=concern)
    services.decision_record(
        by=world.users["dsl_a"], case=case, version=case.version, route="police", rationale="Reported."
    )
    with pytest.raises(ApplicationError):
        services.decision_record(
            by=world.users["dsl_a"],
            case=case,
            version=case.version,
            route="police",
            rationale="Changed mind.",
            withdraw=True,
        )


def test_under_13_with_a_sexual_category_needs_police_and_social_care(world, make_concern, second_child):
    young = second_child
    young.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 11)
    young.save()
    concern = make_concern(codes=["sexual_comments"], children=[(young, "affected")])
    case = services.case_open(by=world.users["dsl_a"], concern=concern)
    prompts = services.case_prompts(case)
    assert [p.rule for p in prompts] == ["under_13"]
    with pytest.raises(ApplicationError) as exc:
        services.decision_record(
            by=world.users["dsl_a"], case=case, version=case.version, route="police", rationale="Reported."
        )
    assert "under 13 can never consent" in exc.value.message
    services.decision_record(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        route="police",
        rationale="Reported.",
        statutory_override="Social care referral follows today; recorded now so police contact is not delayed.",
    )
    services.decision_record(
        by=world.users["dsl_a"], case=case, version=case.version, route="social_care", rationale="MASH referral."
    )
    assert services.current_routes(case) == {"police", "social_care"}


def test_bullying_between_older_children_has_no_statutory_prompt(world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern(codes=["bullying"]))
    assert services.case_prompts(case) == []
    services.decision_record(
        by=world.users["dsl_a"], case=case, version=case.version, route="internal", rationale="Behaviour policy."
    )


def test_parents_informed_needs_a_date_or_a_reason(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    url = change_url(case, "parents")
    pupil = world.pupils["a"].pk
    r = client.post(url, {"pupil": pupil, "informed": "no", "rationale": ""})
    assert r.status_code == 400 and "Explain why they were not informed" in r.text
    r = client.post(url, {"pupil": pupil, "informed": "yes"})
    assert r.status_code == 400 and "Enter the date they were informed" in r.text
    r = client.post(
        url,
        {"pupil": pupil, "informed": "no", "rationale": "Informing father would put the child at greater risk (DV)."},
    )
    assert r.status_code == 302
    assert ParentsInformed.objects.get().informed is False


def test_a_referral_without_an_outcome_after_ten_school_days_is_overdue(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    today = timezone.localdate()
    services.referral_make(
        by=world.users["dsl_a"], case=case, agency="social_care", referred_on=today - dt.timedelta(days=20)
    )
    services.referral_make(by=world.users["dsl_a"], case=case, agency="camhs", referred_on=today - dt.timedelta(days=3))
    board = client.get(reverse("cases:dashboard"))
    overdue = board.context["board"].overdue_referrals
    assert [r.agency for r in overdue] == ["social_care"]
    referral = overdue[0]
    services.referral_outcome_record(
        by=world.users["dsl_a"], referral=referral, outcome="NFA by MASH", outcome_on=today
    )
    assert client.get(reverse("cases:dashboard")).context["board"].overdue_referrals == []


def test_ten_school_days_skip_weekends():
    from haven.cases.schooldays import add_school_days

    assert add_school_days(dt.date(2026, 11, 20), 10) == dt.date(2026, 12, 4)  # Friday to Friday, two weeks


def test_an_external_referral_names_the_organisation(world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    with pytest.raises(ApplicationError):
        services.referral_make(by=world.users["dsl_a"], case=case, agency="external", referred_on=timezone.localdate())


def test_a_save_from_a_stale_page_is_refused(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    stale = case.version
    services.consideration_answer(by=world.users["deputy_a"], case=case, item="crime", answer="no", version=stale)
    r = client.post(
        reverse("cases:consideration", args=[case.reference, "crime"]),
        {"answer": "yes", "notes": "mine", "version": stale},
    )
    assert r.status_code == 400
    assert "Someone else changed this case" in r.text


def test_closing_needs_a_rationale_and_reopening_a_reason(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    close = change_url(case, "close")
    assert client.post(close, {"kind": "closed", "text": "", "version": case.version}).status_code == 400
    dsl = world.users["dsl_a"]
    services.decisions_record(
        by=dsl, case=case, version=case.version, routes=["internal"], rationale="Managed in school."
    )
    services.parents_informed_record(
        by=dsl, case=case, pupil=world.pupils["a"], informed=True, informed_on=timezone.localdate()
    )
    case.refresh_from_db()
    assert (
        client.post(
            close, {"kind": "closed", "text": "Support in place, no further incidents.", "version": case.version}
        ).status_code
        == 302
    )
    case.refresh_from_db()
    assert case.status == "closed"
    reopen = change_url(case, "reopen")
    assert (
        client.post(reopen, {"kind": "reopened", "text": "New incident.", "version": case.version}).status_code == 302
    )
    assert list(case.events.values_list("kind", flat=True)) == ["opened", "concern_added", "closed", "reopened"]


def test_a_restricted_case_is_only_for_the_people_named(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    services.case_access_set(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        restricted=True,
        named_users=[world.users["head_a"]],
        shared_with_trust=False,
    )
    client.logout()
    for key, expected in (("dsl_a", 200), ("head_a", 200), ("deputy_a", 404), ("staff_a", 404)):
        sign_in(client, world.users[key])
        assert client.get(reverse("cases:detail", args=[case.reference])).status_code == expected, key
        client.logout()


def test_the_trust_lead_reads_only_shared_cases(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    client.logout()
    sign_in(client, world.users["trust_lead_a"])
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    services.case_access_set(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        restricted=False,
        named_users=[],
        shared_with_trust=True,
    )
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
    client.logout()
    sign_in(client, world.users["trust_lead_b"])
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404


def test_staff_cannot_read_the_case_that_follows_their_concern(client, world, make_concern):
    concern = make_concern()
    case = _open_case(client, world, concern)
    client.logout()
    sign_in(client, world.users["staff_a"])
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    page = client.get(reverse("concerns:detail", args=[concern.reference]))
    assert page.status_code == 200 and case.reference not in page.text


def test_the_head_reads_but_cannot_decide(client, world, make_concern):
    case = _open_case(client, world, make_concern())
    client.logout()
    sign_in(client, world.users["head_a"])
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 200
    r = client.post(change_url(case, "decision"), {"routes": "internal", "rationale": "x"})
    assert r.status_code == 404


def test_repeat_involvement_is_flagged(client, world, make_concern, second_child):
    for _ in range(2):
        make_concern(children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")])
    sign_in(client, world.users["dsl_a"])
    flags = client.get(reverse("cases:dashboard")).context["board"].repeat_flags
    assert any("Jordan Lee is named as a child alleged to have harmed in 2 concerns" in f for f in flags)
    assert any("are named together again: 2 concerns" in f for f in flags)


def test_repeated_incidents_at_one_place_are_flagged(client, world, make_concern):
    for _ in range(3):
        make_concern(location="toilets")
    sign_in(client, world.users["dsl_a"])
    flags = client.get(reverse("cases:dashboard")).context["board"].repeat_flags
    assert any("3 incidents in the last 4 weeks at one place: Toilets" in f for f in flags)


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_costs_the_same_queries_for_more_data(client, world, make_concern, second_child):
    make_concern()
    # One open case to start with: with none, the paginator counts them and reads no rows.
    services.case_open(by=world.users["dsl_a"], concern=make_concern())
    sign_in(client, world.users["dsl_a"])
    few = _count(client, reverse("cases:dashboard"))
    for _ in range(8):
        c = make_concern(children=[(world.pupils["a"], "affected"), (second_child, "witness")])
        services.case_open(by=world.users["dsl_a"], concern=c)
    make_concern()
    assert _count(client, reverse("cases:dashboard")) == few


def test_the_case_page_and_chronology_cost_the_same_queries_for_more_data(client, world, make_concern, second_child):
    concern = make_concern(children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")])
    case = _open_case(client, world, concern)
    dsl = world.users["dsl_a"]
    case_url = reverse("cases:detail", args=[case.reference])
    chron_url = reverse("cases:chronology", args=[case.reference])
    services.decision_record(by=dsl, case=case, version=case.version, route="internal", rationale="one")
    services.referral_make(by=dsl, case=case, agency="camhs", referred_on=timezone.localdate())
    few_case, few_chron = _count(client, case_url), _count(client, chron_url)
    for i in range(6):
        services.case_add_concern(by=dsl, case=case, concern=make_concern(children=[(world.pupils["a"], "affected")]))
        services.decision_record(by=dsl, case=case, version=case.version, route="early_help", rationale=f"r{i}")
        r = services.referral_make(by=dsl, case=case, agency="early_help", referred_on=timezone.localdate())
        services.referral_outcome_record(by=dsl, referral=r, outcome="ok", outcome_on=timezone.localdate())
        services.support_record(by=dsl, case=case, pupil=second_child, description="Mentor")
        services.consideration_answer(by=dsl, case=case, version=case.version, item="pattern", answer="yes")
    assert _count(client, case_url) == few_case
    assert _count(client, chron_url) == few_chron


def test_the_childs_chronology_sorts_by_when_it_happened_not_when_recorded(client, world, make_concern):
    late = make_concern(days_ago=30, what_happened="Happened a month ago, recorded today.")
    early = make_concern(days_ago=2, what_happened="Happened two days ago.")
    assert late.recorded_at < early.recorded_at
    sign_in(client, world.users["dsl_a"])
    r = client.get(reverse("pupil_chronology", args=[world.pupils["a"].pk]))
    titles = [e.title.split(":")[0] for e in r.context["entries"]]
    assert titles == [f"Concern {late.reference}", f"Concern {early.reference}"]
    assert "recorded" in r.text


def test_a_childs_chronology_leaves_out_a_restricted_case_the_reader_is_not_named_on(client, world, make_concern):
    concern = make_concern()
    case = services.case_open(by=world.users["dsl_a"], concern=concern)
    services.decision_record(
        by=world.users["dsl_a"], case=case, version=case.version, route="internal", rationale="secret decision"
    )
    services.case_access_set(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        restricted=True,
        named_users=[],
        shared_with_trust=False,
    )
    sign_in(client, world.users["deputy_a"])
    r = client.get(reverse("pupil_chronology", args=[world.pupils["a"].pk]))
    assert r.status_code == 200
    assert "secret decision" not in r.text
    assert concern.reference not in r.text


def test_concerns_and_decisions_are_append_only(world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    decision = services.decision_record(
        by=world.users["dsl_a"], case=case, version=case.version, route="internal", rationale="x"
    )
    decision.rationale = "y"
    with pytest.raises(ValueError):
        decision.save()
    with pytest.raises(ValueError):
        decision.delete()
    assert Concern.objects.count() == 1


def test_repeat_involvement_shows_on_the_childs_page(client, world, make_concern, second_child):
    for _ in range(2):
        make_concern(children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")])
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("records:pupil_detail", args=[second_child.pk]))
    assert "Jordan Lee is named as a child alleged to have harmed in 2 concerns" in page.text
    other = client.get(reverse("records:pupil_detail", args=[world.pupils["a"].pk]))
    assert "named as a child alleged to have harmed" not in other.text  # the flag is about Jordan
    assert "are named together again" in other.text


def test_the_head_is_linked_to_the_concern_not_to_triage(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["head_a"])
    page = client.get(reverse("cases:dashboard"))
    assert reverse("concerns:detail", args=[concern.reference]) in page.text
    assert reverse("cases:triage", args=[concern.reference]) not in page.text


def test_the_dsl_can_go_from_the_concern_to_triage(client, world, make_concern):
    concern = make_concern()
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("concerns:detail", args=[concern.reference]))
    assert reverse("cases:triage", args=[concern.reference]) in page.text
    client.logout()
    sign_in(client, world.users["head_a"])
    page = client.get(reverse("concerns:detail", args=[concern.reference]))
    assert reverse("cases:triage", args=[concern.reference]) not in page.text


def test_police_and_social_care_decided_together_meet_the_under_13_rule(world, make_concern, second_child):
    young = second_child
    young.date_of_birth = timezone.localdate().replace(year=timezone.localdate().year - 11)
    young.save()
    case = services.case_open(
        by=world.users["dsl_a"], concern=make_concern(codes=["sexual_comments"], children=[(young, "affected")])
    )
    decisions = services.decisions_record(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        routes=["police", "social_care"],
        rationale="Reported and referred the same day.",
    )
    assert [d.route for d in decisions] == ["police", "social_care"]
    assert all(d.statutory_override == "" for d in decisions)


def test_several_routes_from_the_page(client, world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    sign_in(client, world.users["dsl_a"])
    r = client.post(
        change_url(case, "decision"),
        {
            "routes": ["internal", "early_help"],
            "rationale": "Behaviour plan and an early help assessment.",
            "version": case.version,
        },
    )
    assert r.status_code == 302
    assert services.current_routes(case) == {"internal", "early_help"}
    assert client.post(change_url(case, "decision"), {"rationale": "x"}).status_code == 400
