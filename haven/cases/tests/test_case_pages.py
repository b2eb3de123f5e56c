"""The case as a DSL works it: a summary, sections of their own, and one page per change.

Each section and each change has its own address (haven/workspace/urls.py); the access matrix
(haven/access/tests/test_matrix.py) asks every one of them as every kind of user. Here: what
the summary says, where a save returns, the restricted and shared cases, one read in the audit
log per page, and the cost of each page, which does not grow with what the case holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.cases import services
from haven.cases.models import Decision, Referral, Route
from haven.cases.tests.pages import CHANGES
from haven.testing.factories import PupilFactory

SECTIONS = [
    "detail",
    "concerns",
    "considerations",
    "decisions",
    "police",
    "support",
    "plans",
    "tasks",
    "access",
    "chronology",
]


def _change_urls(case) -> list[str]:
    referral = case.referrals.first() or services.referral_make(
        by=case.opened_by, case=case, agency="camhs", referred_on=timezone.localdate()
    )
    task = case.tasks.first() or services.task_add(
        by=case.opened_by, case=case, title="Call home", assignee=case.opened_by, due_on=timezone.localdate()
    )
    named = {"outcome": referral.pk, "task_done": task.pk, "consideration": "crime"}
    return [
        reverse(view, args=[case.reference, named[change]] if change in named else [case.reference])
        for change, view in CHANGES.items()
    ]


def _section_urls(case) -> list[str]:
    return [reverse(f"cases:{s}", args=[case.reference]) for s in SECTIONS]


@pytest.fixture
def case(world, make_concern, second_child):
    concern = make_concern(children=[(world.pupils["a"], "affected"), (second_child, "alleged_harmer")])
    return services.case_open(by=world.users["dsl_a"], concern=concern, title="Comments in the corridor")


# -- The summary -----------------------------------------------------------------------------


def test_the_summary_says_routes_in_words_and_what_is_still_needed_to_close(client, world, case, second_child):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    page = client.get(reverse("cases:detail", args=[case.reference])).text
    assert "None decided yet." in page
    assert "Record the route decision" in page
    assert f"Record whether the parents or carers of {world.pupils['a'].display_name}, Jordan Lee" in page

    services.decisions_record(
        by=dsl, case=case, version=case.version, routes=["social_care", "early_help"], rationale="Both."
    )
    services.parents_informed_record(
        by=dsl, case=case, pupil=world.pupils["a"], informed=True, informed_on=timezone.localdate()
    )
    services.task_add(by=dsl, case=case, title="Ring the social worker", assignee=dsl, due_on=timezone.localdate())
    page = client.get(reverse("cases:detail", args=[case.reference])).text.replace("&#x27;", "'")
    assert f"{Route.EARLY_HELP.label}; {Route.SOCIAL_CARE.label}" in page
    assert "social_care" not in page and "early_help" not in page  # never the codes
    assert "Record the route decision" not in page
    assert "Record whether the parents or carers of Jordan Lee were informed" in page
    assert "Complete or hand over the 1 open task." in page
    assert "Ring the social worker: Dsl A, due" in page
    assert "aged" in page and "child alleged to have harmed" in page
    assert "The school's safeguarding leads and headteacher." in page


def test_every_case_page_has_the_sections_with_the_current_one_marked(client, world, case):
    sign_in(client, world.users["head_a"])
    for url in _section_urls(case):
        page = client.get(url).text
        nav = re.search(r'<nav class="section-nav[^>]*>(.*?)</nav>', page, re.S)
        assert nav, url
        assert re.findall(r'<a href="([^"]+)" aria-current="page">', nav[1]) == [url]
        assert len(re.findall(r"<li>", nav[1])) == len(SECTIONS)
        assert case.reference in page and "Jordan Lee" in page


def test_wishes_of_the_child_affected_are_asked_once(client, world, case):
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:considerations", args=[case.reference])).text
    assert page.count("wishes of the child affected") == 1
    assert "Record wishes" not in page
    assert page.count(f'action="{reverse("cases:consideration", args=[case.reference, "wishes"])}"') == 1


# -- One page per change -------------------------------------------------------------------------


def test_a_change_shows_its_form_alone_and_saving_returns_to_its_section(client, world, case):
    sign_in(client, world.users["dsl_a"])
    url = reverse("cases:decision_new", args=[case.reference])
    form = client.get(url)
    assert form.status_code == 200
    assert "<h1>Record a decision</h1>" in form.text and f'action="{url}"' in form.text
    assert 'name="rationale"' in form.text and 'name="agency"' not in form.text  # only its own form

    r = client.post(url, {"routes": ["internal"], "rationale": "Behaviour plan.", "version": case.version})
    decision = Decision.objects.get()
    assert r.status_code == 302
    assert r["Location"] == reverse("cases:decisions", args=[case.reference]) + f"#decision-{decision.pk}"
    section = client.get(r["Location"])
    assert "Saved." in section.text and f'id="decision-{decision.pk}"' in section.text

    r = client.post(
        reverse("cases:referral_new", args=[case.reference]),
        {"agency": "early_help", "referred_on": timezone.localdate().isoformat()},
    )
    assert r["Location"].endswith(f"/decisions/#referral-{Referral.objects.get().pk}")


def test_the_one_address_for_every_change_is_gone(client, world, case):
    sign_in(client, world.users["dsl_a"])
    r = client.post(f"/cases/{case.reference}/decision/", {"routes": ["internal"], "rationale": "x", "version": 1})
    assert r.status_code == 404
    assert not Decision.objects.exists()


def test_the_head_reads_every_section_and_opens_no_change(client, world, case):
    sign_in(client, world.users["head_a"])
    for url in _section_urls(case):
        assert client.get(url).status_code == 200, url
    for url in _change_urls(case):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"version": case.version}).status_code == 404, url
    page = client.get(reverse("cases:decisions", args=[case.reference])).text
    assert "Record decision" not in page and '<form method="post" action="/cases/' not in page


def test_a_restricted_case_is_not_found_on_any_page_by_a_reader_not_named(client, world, case):
    dsl = world.users["dsl_a"]
    services.case_access_set(
        by=dsl, case=case, version=case.version, restricted=True, named_users=[], shared_with_trust=False
    )
    urls = _section_urls(case) + _change_urls(case)
    for key in ("deputy_a", "head_a", "dsl_b"):
        sign_in(client, world.users[key])
        for url in urls:
            assert client.get(url).status_code == 404, (key, url)
        assert client.post(reverse("cases:decision_new", args=[case.reference]), {}).status_code == 404
        client.logout()
    sign_in(client, dsl)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_the_trust_lead_reads_a_shared_case_and_changes_nothing(client, world, case):
    services.case_access_set(
        by=world.users["dsl_a"],
        case=case,
        version=case.version,
        restricted=False,
        named_users=[],
        shared_with_trust=True,
    )
    sign_in(client, world.users["trust_lead_a"])
    for url in _section_urls(case):
        assert client.get(url).status_code == 200, url
    for url in _change_urls(case):
        assert client.get(url).status_code == 404, url


def test_each_page_records_one_read_and_a_save_records_its_write_only(client, world, case):
    sign_in(client, world.users["dsl_a"])
    urls = _section_urls(case) + _change_urls(case)
    for url in urls:
        before = AuditEvent.objects.filter(event="case.viewed", object_id=str(case.pk)).count()
        assert client.get(url).status_code == 200, url
        assert AuditEvent.objects.filter(event="case.viewed", object_id=str(case.pk)).count() == before + 1, url
    before = AuditEvent.objects.filter(event="case.viewed").count()
    client.post(
        reverse("cases:support_new", args=[case.reference]), {"pupil": world.pupils["a"].pk, "description": "Mentor"}
    )
    assert AuditEvent.objects.filter(event="case.viewed").count() == before
    assert AuditEvent.objects.filter(event="support.recorded").count() == 1


# -- What each page costs ------------------------------------------------------------------------


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def _more_of_everything(world, case, make_concern, n: int) -> None:
    dsl, today = world.users["dsl_a"], timezone.localdate()
    for i in range(n):
        child = PupilFactory(school=world.school_a, legal_forename=f"More{i}")
        services.case_child_add(by=dsl, case=case, pupil=child, role="witness")
        services.case_add_concern(by=dsl, case=case, concern=make_concern(children=[(child, "affected")]))
        services.decisions_record(by=dsl, case=case, version=case.version, routes=["internal"], rationale=f"r{i}")
        services.consideration_answer(by=dsl, case=case, version=case.version, item="pattern", answer="yes")
        services.parents_informed_record(by=dsl, case=case, pupil=child, informed=True, informed_on=today)
        referral = services.referral_make(by=dsl, case=case, agency="camhs", referred_on=today)
        services.referral_outcome_record(by=dsl, referral=referral, outcome="Seen", outcome_on=today)
        services.support_record(by=dsl, case=case, pupil=child, description="Mentor")
        services.sanction_record(by=dsl, case=case, pupil=child, description="Detention", decided_on=today)
        task = services.task_add(by=dsl, case=case, title=f"Task {i}", assignee=dsl, due_on=today)
        if i % 2:
            services.task_complete(by=dsl, task=task)


@pytest.mark.parametrize("section", SECTIONS)
def test_each_case_page_costs_the_same_queries_for_many_more_records(client, world, case, make_concern, section):
    _more_of_everything(world, case, make_concern, 1)
    sign_in(client, world.users["dsl_a"])
    url = reverse(f"cases:{section}", args=[case.reference])
    few = _count(client, url)
    _more_of_everything(world, case, make_concern, 5)
    assert _count(client, url) == few


def test_the_dashboard_links_an_overdue_task_and_referral_to_their_sections(client, world, case):
    dsl, today = world.users["dsl_a"], timezone.localdate()
    task = services.task_add(by=dsl, case=case, title="Call home", assignee=dsl, due_on=today - dt.timedelta(days=2))
    referral = services.referral_make(by=dsl, case=case, agency="camhs", referred_on=today - dt.timedelta(days=30))
    sign_in(client, dsl)
    page = client.get(reverse("cases:dashboard")).text
    assert f'href="{reverse("cases:tasks", args=[case.reference])}#task-{task.pk}"' in page
    assert f'href="{reverse("cases:decisions", args=[case.reference])}#referral-{referral.pk}"' in page


def test_a_section_is_read_only_so_a_post_cannot_read_it_unaudited(client, world, case):
    sign_in(client, world.users["dsl_a"])
    for section in SECTIONS[:-1]:  # the chronology is its own view
        assert client.post(reverse(f"cases:{section}", args=[case.reference])).status_code == 405, section


def test_the_decision_form_shows_the_statutory_starting_point(client, world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern(codes=["sexual_assault"]))
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:decision_new", args=[case.reference])).text
    assert "Statutory starting point:</strong>" in page and "reported to the police" in page
