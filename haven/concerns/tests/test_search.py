"""Full-text search over narratives, the child's words and amendments, on both databases."""

from __future__ import annotations

from django.urls import reverse

from conftest import sign_in
from haven.concerns.models import Concern
from haven.concerns.search import concern_text_matches
from haven.concerns.services import amendment_add


def _found(text: str) -> set[str]:
    return set(Concern.objects.filter(concern_text_matches(text)).values_list("reference", flat=True))


def test_it_finds_words_in_the_narrative_and_the_childs_words(world, make_concern):
    a = make_concern(what_happened="Comments about her body in the changing rooms.")
    b = make_concern(what_happened="Name-calling.", child_words="They keep sending snaps of me")
    assert _found("changing rooms") == {a.reference}
    assert _found("snaps") == {b.reference}
    assert _found("changing snaps") == set()  # every word must match


def test_it_matches_the_start_of_a_word(world, make_concern):
    a = make_concern(what_happened="He was pushing and shoving in the lunch queue.")
    assert _found("shov") == {a.reference}


def test_it_finds_other_forms_of_the_same_word(world, make_concern):
    a = make_concern(what_happened="He was pushing and shoving in the lunch queue.")
    b = make_concern(what_happened="She has been bullied online for weeks.")
    assert _found("pushed") == {a.reference}  # the same stem: "push"
    assert _found("Bullying") == {b.reference}
    assert _found("PUSH shoved") == {a.reference}
    assert _found("lunches") == {a.reference}


def test_short_and_unknown_words_match_only_themselves(world, make_concern):
    a = make_concern(what_happened="He hit me on the bus.")
    assert _found("me") == {a.reference}
    assert _found("bu") == set()  # a prefix needs three letters
    assert _found("kicked") == set()


def test_it_finds_words_added_by_an_amendment(world, make_concern):
    a = make_concern(what_happened="Unkind messages.")
    amendment_add(by=world.users["staff_a"], concern=a, kind="addition", text="The messages were on WhatsApp.")
    assert _found("whatsapp") == {a.reference}
    assert _found("unkind whatsapp") == {a.reference}  # one word in each


def test_search_operators_are_treated_as_text(world, make_concern):
    make_concern(what_happened="A plain record.")
    for hostile in ('" OR 1=1 --', "NEAR(a b)", "*", "a:* | b", "'); DROP TABLE x; --", "body:plain"):
        list(Concern.objects.filter(concern_text_matches(hostile)))  # no database error
    assert _found("") == {c.reference for c in Concern.objects.all()}


def test_the_dashboard_search_uses_it(client, world, make_concern):
    a = make_concern(what_happened="Threats made at the bus stop after school.")
    make_concern(what_happened="Something else entirely.")
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:dashboard"), {"q": "bus stop"})
    assert [c.reference for c in page.context["page"]] == [a.reference]
