"""The police investigation's services: what they record, what they refuse, what they audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.audit.models import AuditEvent
from haven.core.errors import ApplicationError
from haven.police import services
from haven.police.models import BailCondition, BailEnd, Investigation
from haven.police.selectors import police_position
from haven.testing.factories import PupilFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _investigation(world, case, **overrides):
    data = {
        "force": "Midshire Police",
        "officer_name": "Priya Shah",
        "phone": "01632 960 123",
        "crime_reference": "MP/2026/004512",
        **overrides,
    }
    return services.investigation_record(by=world.users["dsl_a"], case=case, **data)


def test_it_records_the_officer_and_the_crime_reference_audited(world, police_case, investigation):
    assert investigation.version == 1
    assert investigation.officer == "DC Priya Shah"
    assert investigation.tel == "01632960123"
    event = AuditEvent.objects.get(event="police.recorded")
    assert event.actor_id == world.users["dsl_a"].pk
    assert event.school_id == police_case.school_id


def test_a_change_is_a_new_version_with_the_old_kept(world, police_case, investigation):
    changed = _investigation(world, police_case, officer_name="Tom Reid", crime_reference="MP/2026/004512")
    assert changed.version == 2
    assert Investigation.objects.filter(case=police_case).count() == 2
    assert police_position(police_case).investigation == changed
    event = AuditEvent.objects.get(event="police.updated")
    assert event.extra["changes"]["officer_name"] == ["Priya Shah", "Tom Reid"]


def test_nothing_changed_is_refused(world, police_case):
    _investigation(world, police_case)
    with pytest.raises(ApplicationError, match="Nothing has changed"):
        _investigation(world, police_case)


def test_it_refuses_a_missing_crime_reference(world, police_case):
    with pytest.raises(ApplicationError) as refused:
        _investigation(world, police_case, crime_reference="  ")
    assert refused.value.field == "crime_reference"
    assert not Investigation.objects.exists()


def test_it_refuses_an_officer_who_cannot_be_reached(world, police_case):
    with pytest.raises(ApplicationError) as refused:
        _investigation(world, police_case, phone="")
    assert refused.value.field == "phone"


def test_staff_and_other_schools_cannot_record_it(world, police_case):
    for key in ("staff_a", "head_a", "admin_a", "dsl_b"):
        with pytest.raises(ApplicationError):
            services.investigation_record(
                by=world.users[key],
                case=police_case,
                force="Midshire Police",
                officer_name="Priya Shah",
                phone="01632 960 123",
                crime_reference="X1",
            )


def test_a_bail_condition_is_on_a_child_of_the_case(world, police_case, bail, second_child):
    assert bail.pupil == second_child
    assert police_position(police_case).bail_in_force == [bail]
    stranger = PupilFactory(school=world.school_a)
    with pytest.raises(ApplicationError) as refused:
        services.bail_condition_record(
            by=world.users["dsl_a"], case=police_case, pupil=stranger, condition="Curfew.", until=TODAY()
        )
    assert refused.value.field == "pupil"


def test_a_bail_end_date_in_the_past_is_refused(world, police_case, second_child):
    with pytest.raises(ApplicationError) as refused:
        services.bail_condition_record(
            by=world.users["dsl_a"],
            case=police_case,
            pupil=second_child,
            condition="Curfew.",
            until=TODAY() - dt.timedelta(days=1),
        )
    assert refused.value.field == "until"


def test_varying_a_condition_is_a_new_row_naming_the_old(world, police_case, bail):
    varied = services.bail_condition_vary(
        by=world.users["dsl_a"],
        bail=bail,
        condition="Not to contact the child affected; not to enter the school's east block.",
        until=TODAY() + dt.timedelta(days=56),
        reason="Varied at the police station.",
    )
    assert varied.varies == bail
    bail.refresh_from_db()
    assert bail.condition.startswith("Not to contact")  # the old row as it was
    assert police_position(police_case).bail_in_force == [varied]
    with pytest.raises(ApplicationError):  # varied once only
        services.bail_condition_end(by=world.users["dsl_a"], bail=bail, reason="Again")


def test_ending_a_condition_records_who_when_and_why(world, police_case, bail):
    end = services.bail_condition_end(by=world.users["dsl_a"], bail=bail, reason="Bail cancelled: charged.")
    assert end.by == world.users["dsl_a"] and end.reason == "Bail cancelled: charged."
    assert police_position(police_case).bail_in_force == []
    assert BailCondition.objects.filter(pk=bail.pk).exists()
    with pytest.raises(ApplicationError):
        services.bail_condition_end(by=world.users["dsl_a"], bail=bail, reason="Twice")
    assert BailEnd.objects.count() == 1
    assert AuditEvent.objects.filter(event="bail.ended").count() == 1


def test_rows_are_never_edited_or_deleted(bail):
    bail.condition = "Changed"
    with pytest.raises(ValueError, match="append-only"):
        bail.save()
    with pytest.raises(ValueError, match="append-only"):
        bail.delete()


def test_charging_decision_and_court_dates(world, police_case, second_child):
    dsl = world.users["dsl_a"]
    services.charging_decision_record(by=dsl, case=police_case, outcome="awaiting", decided_on=TODAY())
    charged = services.charging_decision_record(
        by=dsl, case=police_case, outcome="charged", decided_on=TODAY(), pupil=second_child
    )
    services.court_date_record(
        by=dsl, case=police_case, on=TODAY() - dt.timedelta(days=3), court="Midshire Youth Court", hearing="Plea"
    )
    next_one = services.court_date_record(
        by=dsl, case=police_case, on=TODAY() + dt.timedelta(days=30), court="Midshire Youth Court", hearing="Trial"
    )
    position = police_position(police_case)
    assert position.latest_charge == charged
    assert position.next_court_date == next_one
    with pytest.raises(ApplicationError) as refused:
        services.charging_decision_record(
            by=dsl, case=police_case, outcome="charged", decided_on=TODAY() + dt.timedelta(days=1)
        )
    assert refused.value.field == "decided_on"
    with pytest.raises(ApplicationError) as refused:
        services.charging_decision_record(by=dsl, case=police_case, outcome="hanged", decided_on=TODAY())
    assert refused.value.field == "outcome"
    with pytest.raises(ApplicationError) as refused:
        services.court_date_record(by=dsl, case=police_case, on=TODAY(), court="", hearing="Trial")
    assert refused.value.field == "court"
    assert AuditEvent.objects.filter(event="charging_decision.recorded").count() == 2
    assert AuditEvent.objects.filter(event="court_date.recorded").count() == 2


def test_police_position_costs_the_same_queries_whatever_it_holds(
    world, police_case, investigation, bail, django_assert_num_queries
):
    for n in range(3):
        services.bail_condition_record(
            by=world.users["dsl_a"],
            case=police_case,
            pupil=world.pupils["a"],
            condition=f"Condition {n}",
            until=TODAY() + dt.timedelta(days=n + 5),
        )
    with django_assert_num_queries(4):
        position = police_position(police_case)
        assert len(position.bail_in_force) == 4
        assert [b.pupil.display_name for b in position.bail]
        assert position.investigation is not None and position.investigation.by.full_name
