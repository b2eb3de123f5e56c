"""The DSL's dashboard names the children of each open case (issue 17: "case lists show no
children's names"), at a cost that does not grow with the cases."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import sign_in
from haven.cases import services
from haven.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def _open_cases_table(page: str) -> str:
    start = page.index('id="cases-title"')
    return page[start : page.index("</table>", start)]


def test_open_cases_name_their_children_with_their_roles(client, world, make_concern):
    other = PupilFactory(school=world.school_a, legal_forename="Jordan", legal_surname="Lee")
    concern = make_concern(children=[(world.pupils["a"], "affected"), (other, "alleged_harmer")])
    case = services.case_open(by=world.users["dsl_a"], concern=concern)
    sign_in(client, world.users["dsl_a"])
    table = _open_cases_table(client.get(reverse("cases:dashboard")).text)
    assert case.reference in table and '<th scope="col">Children</th>' in table
    assert world.pupils["a"].display_name in table and "Jordan Lee" in table
    assert "(child affected)" in table and "(child alleged to have harmed)" in table


def test_more_open_cases_cost_no_more_queries(client, world, make_concern):
    sign_in(client, world.users["dsl_a"])

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("cases:dashboard")).status_code == 200
        return len(queries)

    services.case_open(by=world.users["dsl_a"], concern=make_concern())
    client.get(reverse("cases:dashboard"))
    one = count()
    for _ in range(4):
        pupil = PupilFactory(school=world.school_a)
        services.case_open(by=world.users["dsl_a"], concern=make_concern(children=[(pupil, "affected")]))
    assert count() == one
