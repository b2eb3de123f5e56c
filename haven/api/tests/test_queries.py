"""No N+1: the concern list and a case cost the same number of queries for 2 rows or 20."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.cases.services import case_add_concern, case_open, decision_record, referral_make, referral_outcome_record
from haven.testing.factories import PupilFactory


def _queries(api, url: str) -> int:
    api.get(url)  # the token's first use of the minute records it: not part of the page's cost
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def test_the_concern_list_costs_the_same_for_more_concerns(world, api_as, make_concern):
    api = api_as(world.users["dsl_a"])
    for _ in range(2):
        make_concern()
    few = _queries(api, "/api/v1/concerns/")
    for i in range(10):
        child = PupilFactory(school=world.school_a)
        make_concern(children=[(world.pupils["a"], "affected"), (child, "alleged_harmer")], codes=("bullying", "hate"))
        if i % 3 == 0:
            make_concern(by=world.users["head_a"])
    assert _queries(api, "/api/v1/concerns/") == few


def test_a_case_costs_the_same_for_more_children_concerns_and_referrals(world, api_as, make_concern):
    dsl = world.users["dsl_a"]
    api = api_as(dsl)
    case = case_open(by=dsl, concern=make_concern(), title="Pattern")
    url = f"/api/v1/cases/{case.reference}/"
    today = timezone.localdate()

    def add_one_of_each() -> None:
        child = PupilFactory(school=world.school_a)
        case_add_concern(
            by=dsl, case=case, concern=make_concern(children=[(child, "witness")], codes=("bullying", "hate"))
        )
        decision_record(by=dsl, case=case, version=case.version, route="internal", rationale="In school.")
        referral = referral_make(by=dsl, case=case, agency="camhs", referred_on=today - dt.timedelta(days=2))
        referral_outcome_record(by=dsl, referral=referral, outcome="Assessment booked.", outcome_on=today)

    add_one_of_each()  # empty lists skip their prefetch: compare one of each with many
    few = _queries(api, url)
    for _ in range(5):
        add_one_of_each()
    assert _queries(api, url) == few
