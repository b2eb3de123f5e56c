"""The child's page (/pupils/<id>/, issue 17): everything Haven holds about the child that the
reader may see, newest first, and "record a concern about this child"."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import sign_in
from haven.cases import services
from haven.concerns.models import Concern
from haven.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_the_childs_page_lists_their_concerns_cases_and_plans(client, world, make_concern):
    pupil, dsl = world.pupils["a"], world.users["dsl_a"]
    waiting = make_concern(what_happened="Name-calling at lunch.", days_ago=1)
    in_case = make_concern(days_ago=10)
    case = services.case_open(by=dsl, concern=in_case, title="Lockers")
    someone_else = make_concern(children=[(PupilFactory(school=world.school_a), "affected")])
    sign_in(client, dsl)
    page = client.get(reverse("records:pupil_detail", args=[pupil.pk])).text
    concerns = page[page.index('id="concerns-title"') : page.index('id="cases-title"')]
    assert "Concerns (2)" in concerns and someone_else.reference not in concerns
    assert concerns.index(waiting.reference) < concerns.index(in_case.reference), "newest first"
    assert "Waiting for triage" in concerns and reverse("cases:detail", args=[case.reference]) in concerns
    cases = page[page.index('id="cases-title"') : page.index('id="plans-title"')]
    assert "Cases (1)" in cases and "Lockers" in cases
    assert "Safety plans (0)" in page


def test_a_restricted_case_the_reader_is_not_named_on_is_left_out(client, world, make_concern):
    dsl = world.users["dsl_a"]
    case = services.case_open(by=dsl, concern=make_concern(), title="Restricted matter")
    case.refresh_from_db()
    services.case_access_set(
        by=dsl, case=case, restricted=True, named_users=[dsl], shared_with_trust=False, version=case.version
    )
    sign_in(client, world.users["deputy_a"])
    page = client.get(reverse("records:pupil_detail", args=[world.pupils["a"].pk])).text
    assert "Restricted matter" not in page and case.reference not in page
    client.logout()
    sign_in(client, dsl)
    assert "Restricted matter" in client.get(reverse("records:pupil_detail", args=[world.pupils["a"].pk])).text


def test_record_a_concern_about_this_child_starts_with_the_child_chosen(client, world):
    pupil = world.pupils["a"]
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("records:pupil_detail", args=[pupil.pk])).text
    link = f"{reverse('concerns:new')}?pupil={pupil.pk}"
    assert f'href="{link}"' in page
    form = client.get(link).text
    assert f'value="{pupil.display_name} (Year {pupil.year_group}) #{pupil.pk}"' in form
    # Another school's child is never filled in (nor named): the form starts empty.
    other = client.get(f"{reverse('concerns:new')}?pupil={world.pupils['b'].pk}").text
    assert world.pupils["b"].display_name not in other and f"#{world.pupils['b'].pk}" not in other
    assert client.get(f"{reverse('concerns:new')}?pupil=not-a-number").status_code == 200


def test_a_concern_recorded_from_the_childs_page_is_about_the_child(client, world):
    pupil = world.pupils["a"]
    sign_in(client, world.users["staff_a"])
    form = client.get(f"{reverse('concerns:new')}?pupil={pupil.pk}").text
    assert f"#{pupil.pk}" in form
    r = client.post(
        reverse("concerns:new"),
        {
            "school": world.school_a.pk,
            "child_1_query": f"{pupil.display_name} (Year {pupil.year_group}) #{pupil.pk}",
            "child_1_role": "affected",
            "occurred_on": "2026-11-30",
            "location": "corridor",
            "categories": [world_category()],
            "what_happened": "Pushed in the corridor.",
            "child_told_next_steps": "yes",
        },
    )
    assert r.status_code == 302
    assert [c.pupil for c in Concern.objects.get().children.all()] == [pupil]


def world_category() -> int:
    from haven.concerns.models import Category

    return Category.objects.get(code="bullying").pk


def test_the_childs_page_costs_the_same_queries_for_more_records(client, world, make_concern):
    pupil, dsl = world.pupils["a"], world.users["dsl_a"]
    services.case_open(by=dsl, concern=make_concern())
    sign_in(client, dsl)
    url = reverse("records:pupil_detail", args=[pupil.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    few = count()
    for _ in range(4):
        services.case_open(by=dsl, concern=make_concern())
        make_concern()
    assert count() == few
