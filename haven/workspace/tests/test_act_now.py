"""Urgent and unacknowledged first, for every role that must act (issue 17): the top of the
DSL's dashboard and of the home page of the school's DSLs and head; the triage page with the
child's exact words and the child's other concerns waiting beside it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.concerns.services import concern_acknowledge
from haven.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db


def test_an_urgent_concern_not_yet_received_is_at_the_top_of_the_dashboard(client, world, make_concern):
    waiting = make_concern(urgent=True, days_ago=12)
    received = make_concern(urgent=True)
    concern_acknowledge(by=world.users["dsl_a"], concern=received)
    make_concern(urgent=False)
    other_school = make_concern(urgent=True, children=[(world.pupils["b"], "affected")], by=world.users["staff_b"])
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:dashboard")).text
    top = page[page.index('id="act-now-title"') : page.index('id="new-title"')]
    assert "Act now: 1 urgent concern not yet received" in top
    assert reverse("cases:triage", args=[waiting.reference]) in top and "PupilA" in top
    assert received.reference not in top and other_school.reference not in top
    assert "; waiting 0\xa0minutes." in top or "; waiting " in top
    first_h2 = page.index("<h2", page.index("<h1"))
    assert page[first_h2:].startswith('<h2 id="act-now-title"'), "the first thing after the page's heading"


def test_nothing_to_act_on_shows_no_panel(client, world, make_concern):
    concern_acknowledge(by=world.users["dsl_a"], concern=make_concern(urgent=True))
    sign_in(client, world.users["dsl_a"])
    assert 'id="act-now-title"' not in client.get(reverse("cases:dashboard")).text


def test_the_home_page_puts_it_first_for_the_dsl_and_the_head_and_not_for_staff(client, world, make_concern):
    concern = make_concern(urgent=True)
    for user, url in (
        (world.users["dsl_a"], reverse("cases:triage", args=[concern.reference])),
        (world.users["head_a"], reverse("concerns:detail", args=[concern.reference])),
    ):
        sign_in(client, user)
        page = client.get("/").text
        first_h2 = page.index("<h2", page.index("<main"))
        assert "Act now: urgent concerns not yet received" in page[first_h2 : page.index("</h2>", first_h2)]
        assert f'href="{url}"' in page and f"{concern.reference} at Alder Academy: waiting" in page
        assert "1 urgent concern not yet received" in page and "1 concern to triage" in page
        assert client.get(url).status_code == 200
        client.logout()
    for user in (world.users["staff_a"], world.users["dsl_b"], world.users["admin_a"]):
        sign_in(client, user)
        page = client.get("/").text
        assert "Act now" not in page
        assert reverse("cases:triage", args=[concern.reference]) not in page
        client.logout()


def test_triage_shows_the_childs_words_and_their_other_concerns_waiting(client, world, make_concern):
    pupil = world.pupils["a"]
    first = make_concern(child_words="He said 'you'd better not tell anyone'.", days_ago=3)
    second = make_concern(urgent=True, days_ago=2, what_happened="Followed to the bus stop.")
    other_child = PupilFactory(school=world.school_a, legal_forename="Sam", legal_surname="Other")
    someone_else = make_concern(children=[(other_child, "affected")])
    elsewhere = make_concern(children=[(world.pupils["b"], "affected")], by=world.users["staff_b"])
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:triage", args=[first.reference])).text
    assert "The child's words" in page and "you&#x27;d better not tell anyone" in page
    assert "Also waiting about this child: 1 concern" in page
    assert reverse("cases:triage", args=[second.reference]) in page
    assert someone_else.reference not in page and elsewhere.reference not in page
    assert pupil.display_name in page
    no_words = client.get(reverse("cases:triage", args=[second.reference])).text
    assert "No words of the child were recorded." in no_words and first.reference in no_words
