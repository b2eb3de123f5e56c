"""Results and the trend: groups of fewer than 10 answers hidden, and nothing that would let
a hidden group be worked out from the others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.pupil_voice.models import Survey
from haven.pupil_voice.selectors import (
    HIDDEN_COMPLEMENT,
    HIDDEN_SMALL,
    MIN_GROUP,
    Group,
    _hide_complement,
    _hide_small,
    survey_results,
    survey_trend_for,
)

from .survey_helpers import BAD, GOOD, open_survey, seed


def _results(survey, schools):
    return survey_results(survey, schools)


def _school(results, school):
    return next(g for g in results.schools if g.school_id == school.pk)


def _band(results, school, band):
    return next(g for g in results.bands[school.pk] if g.band == band)


def test_nine_answers_are_hidden_and_ten_are_shown(world):
    survey = open_survey(world.users["dsl_a"], [world.school_a])
    seed(survey, world.school_a, 9)
    hidden = _school(_results(survey, [world.school_a]), world.school_a)
    assert hidden.hidden and hidden.hidden_because == HIDDEN_SMALL
    assert hidden.share("safe_school", "very_safe") is None
    assert hidden.positive_share(survey.question("safe_school")) is None
    seed(survey, world.school_a, 1, answers=BAD)
    shown = _school(_results(survey, [world.school_a]), world.school_a)
    assert not shown.hidden and shown.answers == 10
    assert shown.share("safe_school", "very_safe") == pytest.approx(0.9)
    assert shown.share("safe_school", "not_safe") == pytest.approx(0.1)
    assert shown.positive_share(survey.question("seen_sexual_comments")) == pytest.approx(0.9)


def test_a_small_year_band_is_hidden_and_so_is_the_next_smallest(world):
    survey = open_survey(world.users["dsl_a"], [world.school_a])
    seed(survey, world.school_a, 30, band="y7_9")
    seed(survey, world.school_a, 12, band="y10_11")
    seed(survey, world.school_a, 3, band="y12_13", answers=BAD)
    results = _results(survey, [world.school_a])
    assert not _school(results, world.school_a).hidden
    assert _band(results, world.school_a, "y12_13").hidden_because == HIDDEN_SMALL
    # School (45) less Years 7 to 9 (30) less Years 10 and 11 (12) would give the 3 away.
    assert _band(results, world.school_a, "y10_11").hidden_because == HIDDEN_COMPLEMENT
    assert not _band(results, world.school_a, "y7_9").hidden


def test_two_small_hidden_groups_that_add_up_to_under_10_hide_a_third(world):
    survey = open_survey(world.users["dsl_a"], [world.school_a])
    seed(survey, world.school_a, 30, band="y7_9")
    seed(survey, world.school_a, 11, band="y10_11")
    seed(survey, world.school_a, 2, band="y12_13")
    seed(survey, world.school_a, 3)  # not said
    results = _results(survey, [world.school_a])
    assert _band(results, world.school_a, "y12_13").hidden and _band(results, world.school_a, "").hidden
    assert _band(results, world.school_a, "y10_11").hidden_because == HIDDEN_COMPLEMENT
    assert not _band(results, world.school_a, "y7_9").hidden


def test_no_complement_is_needed_when_every_other_group_has_no_answers(world):
    survey = open_survey(world.users["dsl_a"], [world.school_a])
    seed(survey, world.school_a, 15, band="y7_9")
    results = _results(survey, [world.school_a])
    assert not _band(results, world.school_a, "y7_9").hidden
    assert _band(results, world.school_a, "y10_11").answers == 0


def test_an_authority_survey_hides_a_small_school_and_its_complement(world):
    survey = open_survey(world.users["la_officer_a"], [world.school_a, world.school_b])
    seed(survey, world.school_a, 40)
    seed(survey, world.school_b, 4, answers=BAD)
    results = _results(survey, [world.school_a, world.school_b])
    assert results.overall is not None and not results.overall.hidden and results.overall.answers == 44
    assert _school(results, world.school_b).hidden_because == HIDDEN_SMALL
    assert _school(results, world.school_a).hidden_because == HIDDEN_COMPLEMENT
    # Under a hidden school every band is hidden too.
    assert all(g.hidden for g in results.bands[world.school_a.pk] if g.answers)


def test_a_dsl_sees_only_their_school_of_an_authority_survey(world):
    survey = open_survey(world.users["la_officer_a"], [world.school_a, world.school_b])
    seed(survey, world.school_a, 12)
    seed(survey, world.school_b, 40)
    results = _results(survey, [world.school_a])
    assert results.overall is None and [g.school_id for g in results.schools] == [world.school_a.pk]
    assert results.schools[0].answers == 12


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.integers(min_value=0, max_value=40), min_size=1, max_size=6))
def test_no_hidden_group_can_be_worked_out(sizes):
    """Whatever the sizes: hidden groups are none, or at least two adding up to 10 or more,
    or all of them (under a parent that is itself hidden)."""
    parent = Group("School", 1, None, sum(sizes))
    children = [Group(f"Band {i}", 1, str(i), n) for i, n in enumerate(sizes)]
    _hide_small([parent, *children])
    _hide_complement(parent, children)
    hidden = [c for c in children if c.hidden]
    assert all(c.hidden for c in children if 0 < c.answers < MIN_GROUP)
    if parent.hidden:
        assert all(c.hidden or not c.answers for c in children)
    elif hidden:
        assert len(hidden) >= 2 and sum(c.answers for c in hidden) >= MIN_GROUP


def test_results_take_two_queries_whatever_the_number_of_schools(world, django_assert_num_queries):
    survey = open_survey(world.users["la_officer_a"], [world.school_a, world.school_b])
    seed(survey, world.school_a, 12, band="y7_9")
    seed(survey, world.school_b, 15)
    with django_assert_num_queries(2):
        _results(survey, [world.school_a, world.school_b])


# -- The trend ---------------------------------------------------------------------------------
def _round(world, by, schools, *, opens_on, title):
    survey = open_survey(world.users[by], schools, title=title)
    Survey.objects.filter(pk=survey.pk).update(opens_on=opens_on, closes_on=opens_on + dt.timedelta(days=20))
    survey.refresh_from_db()
    return survey


def test_the_trend_per_question_per_round_with_small_rounds_hidden(world):
    spring = _round(world, "dsl_a", [world.school_a], opens_on=dt.date(2026, 3, 2), title="Spring")
    seed(spring, world.school_a, 6, answers=GOOD)
    seed(spring, world.school_a, 14, answers=BAD)
    summer = _round(world, "dsl_a", [world.school_a], opens_on=dt.date(2026, 6, 1), title="Summer")
    seed(summer, world.school_a, 9)
    autumn = _round(
        world, "la_officer_a", [world.school_a, world.school_b], opens_on=dt.date(2026, 10, 5), title="Autumn"
    )
    seed(autumn, world.school_a, 15, answers=GOOD)
    seed(autumn, world.school_a, 5, answers=BAD)
    seed(autumn, world.school_b, 100, answers=BAD)  # another school: not counted for school A

    trend = survey_trend_for([world.school_a], dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert list(trend)[:2] == ["safe_school", "safe_online"] and len(trend) == 6
    points = trend["safe_school"]
    assert [p.title for p in points] == ["Spring", "Summer", "Autumn"]
    assert points[0].answers == 20
    assert points[0].positive_share == pytest.approx(0.3)
    assert (points[1].answers, points[1].positive_share) == (None, None)  # 9 answers: hidden
    assert points[2].answers == 20
    assert points[2].positive_share == pytest.approx(0.75)
    assert trend["seen_sexual_comments"][2].positive_share == pytest.approx(0.75)
    assert points[2].last_day == dt.date(2026, 10, 25)

    # Both schools together; a period holding only the autumn round.
    both = survey_trend_for(
        type(world.school_a).objects.filter(pk__in=[world.school_a.pk, world.school_b.pk]),
        dt.date(2026, 9, 1),
        dt.date(2026, 12, 31),
    )
    (point,) = both["tell_adult"]
    assert point.answers == 120
    assert point.positive_share is not None
    assert round(point.positive_share, 3) == 0.125


def test_a_round_closed_before_the_period_or_never_opened_is_left_out(world):
    survey = _round(world, "dsl_a", [world.school_a], opens_on=dt.date(2026, 3, 2), title="Spring")
    Survey.objects.filter(pk=survey.pk).update(closed_early_on=dt.date(2026, 3, 2))
    assert survey_trend_for([world.school_a], dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == {}
    assert survey_trend_for([world.school_a.pk], dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == {}


def test_the_trend_takes_three_queries(world, django_assert_num_queries):
    for month, title in ((3, "Spring"), (6, "Summer"), (10, "Autumn")):
        seed(
            _round(world, "dsl_a", [world.school_a], opens_on=dt.date(2026, month, 2), title=title), world.school_a, 10
        )
    with django_assert_num_queries(3):
        survey_trend_for([world.school_a], dt.date(2026, 1, 1), timezone.localdate())
    with django_assert_num_queries(3):  # a queryset of schools stays a subquery
        trend = survey_trend_for(
            type(world.school_a).objects.filter(pk=world.school_a.pk), dt.date(2026, 1, 1), timezone.localdate()
        )
    assert [p.answers for p in trend["safe_school"]] == [10, 10, 10]
