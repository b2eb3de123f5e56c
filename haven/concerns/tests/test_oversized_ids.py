"""A number too large to be a pupil's id is a pupil not found, never a server error.

SQLite raises OverflowError for an integer over 64 bits and PostgreSQL refuses it too; ids
are bounded once, in haven.core.converters (as the API bounds them), before any query.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.concerns.models import Category, Concern
from haven.core.converters import MAX_ID, parse_id

HUGE = "9" * 30
TYPED = "Sam said an older boy pushed him into the lockers twice this week."


def _form(world, **children) -> dict:
    return {
        "school": world.school_a.pk,
        "child_1_role": "affected",
        "occurred_on": (timezone.localtime() - dt.timedelta(hours=1)).date().isoformat(),
        "occurred_time": (timezone.localtime() - dt.timedelta(hours=1)).strftime("%H:%M"),
        "location": "corridor",
        "categories": [Category.objects.get(code="bullying").pk],
        "what_happened": TYPED,
        "child_told_next_steps": "yes",
        **children,
    }


@pytest.mark.parametrize(
    "children",
    [
        {"child_1_query": "x", "child_1_pupil": HUGE},
        {"child_1_query": f"Smith #{HUGE}"},
        {"child_1_query": f"Smith #{MAX_ID + 1}"},
        {"child_1_pupil": str(2**63)},  # just past a PostgreSQL bigint
    ],
    ids=["picked", "typed", "just-over-the-bound", "past-bigint"],
)
def test_an_oversized_pupil_id_is_a_child_not_found_and_the_form_keeps_what_was_typed(client, world, children):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, **children))
    assert r.status_code == 400
    assert "No pupil on the roll matches" in r.text
    assert TYPED in r.text
    assert not Concern.objects.exists()


def test_a_picked_pupil_is_still_found(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, child_1_query="x", child_1_pupil=str(world.pupils["a"].pk)))
    assert r.status_code == 302
    assert Concern.objects.get().children.get().pupil == world.pupils["a"]


@pytest.mark.parametrize("q", [f"#{HUGE}", "#" + "9" * 5000, f"Smith #{MAX_ID + 1}"])
def test_the_pupil_search_finds_nobody_for_an_oversized_id(client, world, q):
    sign_in(client, world.users["staff_a"])
    r = client.get(reverse("concerns:pupil_search"), {"school": world.school_a.pk, "q": q})
    assert r.status_code == 200
    assert r.json() == {"pupils": []}


def test_parse_id_takes_plain_digits_within_the_bound_only():
    assert parse_id("42") == 42
    assert parse_id(" 42 ") == 42
    assert parse_id(str(MAX_ID)) == MAX_ID
    assert parse_id(MAX_ID) == MAX_ID
    for value in (str(MAX_ID + 1), HUGE, "0", "", "-1", "4.2", "²", "١٢", None, "12a", 0, MAX_ID + 1):
        assert parse_id(value) is None, value
