"""Found in a review of concerns and cases (2026-12-01), each pinned here: the patterns shown
are counted only over what the reader may see; a stale page cannot lift a restriction; who
may open a restricted case is recorded when it changes; the statutory prompts cannot be
skipped by closing a concern or a case; the under-13 rule looks at the child's age when it
happened; two leads triaging one concern are served one after the other; a closed case takes
nothing new until it is reopened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.cases import services
from haven.cases.models import Case, CaseEvent
from haven.cases.tests.pages import change_url
from haven.concerns.models import Concern
from haven.concerns.services import concern_close_no_further_action
from haven.core.errors import ApplicationError
from haven.testing import factories as f


def _ten_year_old(world):
    today = timezone.localdate()
    return f.PupilFactory(
        school=world.school_a,
        legal_forename="Sam",
        legal_surname="Young",
        date_of_birth=today.replace(year=today.year - 10),
    )


# -- Patterns only from what the reader may see ---------------------------------------------


def test_a_restricted_case_gives_no_pattern_away(client, world, make_concern, second_child):
    dsl, a = world.users["dsl_a"], world.pupils["a"]
    concerns = [
        make_concern(children=[(a, "affected"), (second_child, "alleged_harmer")], location="toilets") for _ in range(3)
    ]
    case = services.case_open(by=dsl, concern=concerns[0])
    for c in concerns[1:]:
        services.case_add_concern(by=dsl, case=case, concern=c)
    services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=True, named_users=[], shared_with_trust=False
    )
    fresh = make_concern(children=[(second_child, "witness")])

    sign_in(client, world.users["deputy_a"])
    assert client.get(reverse("cases:detail", args=[case.reference])).status_code == 404
    pages = [
        reverse("cases:dashboard"),
        reverse("cases:triage", args=[fresh.reference]),
        reverse("records:pupil_detail", args=[second_child.pk]),
    ]
    for url in pages:
        text = client.get(url).text
        assert "alleged to have harmed in" not in text, url
        assert "named together again" not in text, url
        assert "incidents in the last 4 weeks" not in text, url

    sign_in(client, dsl)  # named on the case: the patterns are there
    assert "Jordan Lee is named as a child alleged to have harmed in 3 concerns" in client.get(pages[0]).text
    assert "named together again" in client.get(pages[2]).text


def test_a_trust_lead_sees_patterns_only_from_shared_cases(client, world, make_concern, second_child):
    dsl, a = world.users["dsl_a"], world.pupils["a"]
    shared = services.case_open(by=dsl, concern=make_concern())
    services.case_access_set(
        by=dsl, case=shared, version=shared.version, restricted=False, named_users=[], shared_with_trust=True
    )
    secret = f.PupilFactory(school=world.school_a, legal_forename="Zara", legal_surname="Secret")
    for _ in range(2):
        make_concern(children=[(a, "affected"), (secret, "alleged_harmer")])
    sign_in(client, world.users["trust_lead_a"])
    page = client.get(reverse("cases:detail", args=[shared.reference]))
    assert page.status_code == 200
    assert "Zara" not in page.text


# -- Who may open a case --------------------------------------------------------------------


def test_a_stale_page_cannot_lift_a_restriction(client, world, make_concern):
    dsl, deputy = world.users["dsl_a"], world.users["deputy_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    stale = Case.objects.get(pk=case.pk).version
    services.case_access_set(
        by=dsl,
        case=Case.objects.get(pk=case.pk),
        version=Case.objects.get(pk=case.pk).version,
        restricted=True,
        named_users=[deputy],
        shared_with_trust=False,
    )
    sign_in(client, deputy)
    r = client.post(change_url(case, "access"), {"shared_with_trust": "on", "version": stale})
    assert r.status_code == 400
    assert "Someone else changed this case" in r.text
    case.refresh_from_db()
    assert case.restricted and not case.shared_with_trust
    assert set(case.restricted_to.all()) == {dsl, deputy}


def test_changing_the_people_named_is_recorded(world, make_concern):
    dsl, head, deputy = world.users["dsl_a"], world.users["head_a"], world.users["deputy_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=True, named_users=[head], shared_with_trust=False
    )
    services.case_access_set(
        by=dsl,
        case=Case.objects.get(pk=case.pk),
        version=Case.objects.get(pk=case.pk).version,
        restricted=True,
        named_users=[deputy],
        shared_with_trust=False,
    )
    restricted = list(case.events.filter(kind=CaseEvent.Kind.RESTRICTED).order_by("pk").values_list("text", flat=True))
    assert restricted == [
        "Dsl A, Head A",
        "Deputy A, Dsl A. Added: Deputy A. Removed: Head A",
    ]
    named = [
        e.extra["named"]
        for e in AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk), action=Action.UPDATE)
        .exclude(extra__named=None)
        .order_by("pk")
    ]
    assert named[-1] == sorted([dsl.pk, deputy.pk])
    # Saving the same people again records nothing new.
    services.case_access_set(
        by=dsl,
        case=Case.objects.get(pk=case.pk),
        version=Case.objects.get(pk=case.pk).version,
        restricted=True,
        named_users=[deputy],
        shared_with_trust=False,
    )
    assert case.events.filter(kind=CaseEvent.Kind.RESTRICTED).count() == 2


# -- The statutory prompts cannot be skipped ------------------------------------------------


def test_closing_a_rape_concern_about_a_ten_year_old_needs_an_explanation(client, world, make_concern):
    child = _ten_year_old(world)
    concern = make_concern(codes=("rape",), children=[(child, "affected")])
    sign_in(client, world.users["dsl_a"])
    url = reverse("cases:triage", args=[concern.reference])
    page = client.get(url)
    assert "the starting point is that they are reported to the police" in page.text
    assert "A child under 13 can never consent" in page.text

    r = client.post(url, {"action": "nfa", "rationale": "Nothing to see."})
    assert r.status_code == 400
    assert "To close it with no further action, explain why." in r.text
    assert "Nothing to see." in r.text  # what was typed is kept
    concern.refresh_from_db()
    assert concern.status != Concern.Status.NO_FURTHER_ACTION

    r = client.post(
        url,
        {
            "action": "nfa",
            "rationale": "Recorded in error: a duplicate of another concern.",
            "statutory_override": "A duplicate; the police were called on the first one.",
        },
    )
    assert r.status_code == 302
    concern.refresh_from_db()
    assert concern.status == Concern.Status.NO_FURTHER_ACTION
    assert "Why the statutory starting point was not followed: A duplicate" in concern.closed_rationale


def test_an_ordinary_concern_closes_with_its_reason_alone(world, make_concern):
    concern = make_concern()
    concern_close_no_further_action(by=world.users["dsl_a"], concern=concern, rationale="Resolved between them.")
    concern.refresh_from_db()
    assert concern.closed_rationale == "Resolved between them."


def test_only_a_safeguarding_lead_closes_a_concern(world, make_concern):
    concern = make_concern()
    for key in ("staff_a", "head_a", "dsl_b"):
        with pytest.raises(ApplicationError):
            concern_close_no_further_action(by=world.users[key], concern=concern, rationale="No.")


def _close(client, case, text="All done."):
    case.refresh_from_db()
    return client.post(
        change_url(case, "close"),
        {"kind": "closed", "text": text, "version": case.version},
    )


def test_a_case_closes_only_once_routes_prompts_and_parents_are_recorded(client, world, make_concern):
    dsl, child = world.users["dsl_a"], _ten_year_old(world)
    case = services.case_open(by=dsl, concern=make_concern(codes=("sexual_assault",), children=[(child, "affected")]))
    sign_in(client, dsl)
    page = client.get(reverse("cases:detail", args=[case.reference])).text
    assert "Before the case can be closed" in page

    r = _close(client, case)
    assert r.status_code == 400
    assert "Record the route decision" in r.text
    assert "Record whether the parents or carers of Sam Young were informed" in r.text

    with pytest.raises(ApplicationError):  # internal alone does not meet the prompts
        services.decisions_record(by=dsl, case=case, version=case.version, routes=["internal"], rationale="In school.")
    services.decisions_record(
        by=dsl, case=case, version=case.version, routes=["police", "social_care"], rationale="Reported to both."
    )
    services.parents_informed_record(by=dsl, case=case, pupil=child, informed=True, informed_on=timezone.localdate())
    assert "Before the case can be closed" not in client.get(reverse("cases:detail", args=[case.reference])).text
    assert _close(client, case).status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED


def test_a_rape_concern_added_later_stops_the_case_closing_without_a_police_route(world, make_concern):
    dsl, a = world.users["dsl_a"], world.pupils["a"]
    case = services.case_open(by=dsl, concern=make_concern())
    services.decisions_record(
        by=dsl, case=case, version=case.version, routes=["internal"], rationale="Managed in school."
    )
    services.parents_informed_record(by=dsl, case=case, pupil=a, informed=True, informed_on=timezone.localdate())
    services.case_add_concern(by=dsl, case=case, concern=make_concern(codes=("rape",)))
    with pytest.raises(ApplicationError, match="reported to the police"):
        services.case_event_record(
            by=dsl,
            case=Case.objects.get(pk=case.pk),
            version=Case.objects.get(pk=case.pk).version,
            kind="closed",
            text="Done.",
        )


def test_the_under_13_rule_looks_at_the_age_when_it_happened(world, make_concern):
    today = timezone.localdate()
    birthday = today - dt.timedelta(days=7)
    child = f.PupilFactory(school=world.school_a, date_of_birth=birthday.replace(year=birthday.year - 13))
    concern = make_concern(codes=("sexual_assault",), children=[(child, "affected")], days_ago=60)
    case = services.case_open(by=world.users["dsl_a"], concern=concern)
    assert "under_13" in [p.rule for p in services.case_prompts(case)]
    with pytest.raises(ApplicationError, match="under 13"):
        services.decisions_record(
            by=world.users["dsl_a"], case=case, version=case.version, routes=["police"], rationale="Reported."
        )


# -- Two leads at once; a closed case ---------------------------------------------------------


def test_two_leads_triaging_one_concern_are_served_one_after_the_other(world, make_concern):
    concern = make_concern()
    mine, theirs = Concern.objects.get(pk=concern.pk), Concern.objects.get(pk=concern.pk)  # two pages, loaded together
    services.case_open(by=world.users["dsl_a"], concern=mine)
    with pytest.raises(ApplicationError, match="already part of a case"):
        services.case_open(by=world.users["deputy_a"], concern=theirs)
    with pytest.raises(ApplicationError, match="part of a case"):
        concern_close_no_further_action(
            by=world.users["deputy_a"], concern=Concern.objects.get(pk=concern.pk), rationale="No."
        )
    assert Case.objects.count() == 1

    other = make_concern()
    first, second = Concern.objects.get(pk=other.pk), Concern.objects.get(pk=other.pk)
    concern_close_no_further_action(by=world.users["dsl_a"], concern=first, rationale="Resolved.")
    with pytest.raises(ApplicationError, match="no further action"):
        services.case_open(by=world.users["deputy_a"], concern=second)
    other.refresh_from_db()
    assert other.case_id is None and other.status == Concern.Status.NO_FURTHER_ACTION


def test_a_closed_case_takes_nothing_new_until_it_is_reopened(client, world, make_concern):
    dsl, a = world.users["dsl_a"], world.pupils["a"]
    case = services.case_open(by=dsl, concern=make_concern())
    services.decisions_record(
        by=dsl, case=case, version=case.version, routes=["internal"], rationale="Managed in school."
    )
    services.parents_informed_record(by=dsl, case=case, pupil=a, informed=True, informed_on=timezone.localdate())
    referral = services.referral_make(by=dsl, case=case, agency="early_help", referred_on=timezone.localdate())
    services.case_event_record(by=dsl, case=case, version=case.version, kind="closed", text="Support in place.")
    case.refresh_from_db()
    sign_in(client, dsl)
    r = client.post(
        change_url(case, "decision"),
        {"routes": ["early_help"], "rationale": "More help.", "version": case.version},
    )
    assert r.status_code == 400
    assert "This case is closed. Reopen it" in r.text
    for write in (
        lambda: services.sanction_record(
            by=dsl, case=case, pupil=a, description="Detention.", decided_on=timezone.localdate()
        ),
        lambda: services.support_record(by=dsl, case=case, pupil=a, description="Mentor."),
        lambda: services.task_add(by=dsl, case=case, title="Call home", assignee=dsl, due_on=timezone.localdate()),
    ):
        with pytest.raises(ApplicationError, match="This case is closed"):
            write()
    # A referral's outcome still arrives after the case is closed.
    services.referral_outcome_record(
        by=dsl, referral=referral, outcome="Support offered.", outcome_on=timezone.localdate()
    )
    assert case.decisions.count() == 1 and not case.sanctions.exists()


def test_the_dashboard_pages_open_cases_and_counts_them(client, world, make_concern):
    dsl = world.users["dsl_a"]
    cases = [services.case_open(by=dsl, concern=make_concern(), title=f"Case number {n}") for n in range(52)]
    sign_in(client, dsl)
    first = client.get(reverse("cases:dashboard"))
    assert "52 open cases, next task due first." in first.text
    assert 'aria-label="Pages of open cases"' in first.text
    shown = [c.reference for c in cases if c.reference in first.text]
    assert len(shown) == 50
    second = client.get(reverse("cases:dashboard"), {"cases_page": 2, "page": 1})
    assert sorted(c.reference for c in cases if c.reference in second.text) == sorted(
        {c.reference for c in cases} - set(shown)
    )
    assert "?page=1&amp;cases_page=1" in second.text  # back a page of cases, the other list's place kept


def test_an_explanation_covers_the_prompts_of_its_time_not_a_later_concerns(world, make_concern):
    """Found in a second review: an explanation for a fifteen-year-old's case let the case
    close after a concern about a ten-year-old joined it and brought the under-13 rule."""
    dsl = world.users["dsl_a"]
    today = timezone.localdate()
    older = f.PupilFactory(school=world.school_a, date_of_birth=today.replace(year=today.year - 15))
    case = services.case_open(by=dsl, concern=make_concern(codes=("sexual_assault",), children=[(older, "affected")]))
    services.decisions_record(
        by=dsl,
        case=case,
        version=case.version,
        routes=["internal"],
        rationale="Managed in school.",
        statutory_override="The young person did not want the police told; MASH advised managing it in school.",
    )
    services.parents_informed_record(by=dsl, case=case, pupil=older, informed=True, informed_on=today)
    assert services.close_blockers(case) == []
    young = _ten_year_old(world)
    services.case_add_concern(
        by=dsl, case=case, concern=make_concern(codes=("sexual_assault",), children=[(young, "affected")])
    )
    services.parents_informed_record(by=dsl, case=case, pupil=young, informed=True, informed_on=today)
    blockers = services.close_blockers(Case.objects.get(pk=case.pk))
    assert any("A child under 13 can never consent" in b for b in blockers)
    with pytest.raises(ApplicationError, match="under 13"):
        services.case_event_record(
            by=dsl,
            case=Case.objects.get(pk=case.pk),
            version=Case.objects.get(pk=case.pk).version,
            kind="closed",
            text="Done.",
        )
