"""Around a bail condition: the reminder before it ends (sent once, three school days before,
by the clock of haven.core.clock), the safety plans' review brought forward when bail
changes, and the chronology entries."""

from __future__ import annotations

import datetime as dt
import io
from unittest import mock

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.chronology.selectors import case_chronology, pupil_chronology_for
from haven.core import clock
from haven.organisations.models import SchoolClosure
from haven.police import services
from haven.police.models import BailReminder
from haven.police.tasks import bail_end_reminders_send, school_days_before
from haven.safety_plans.models import SafetyPlan
from haven.safety_plans.selectors import due_reasons
from haven.safety_plans.services import plan_create, plan_sign_off

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 16)


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(7, 0)))


def _bail_until(world, case, pupil, until: dt.date):
    with clock.history(_at(until - dt.timedelta(days=20))):  # recorded three weeks before
        return services.bail_condition_record(
            by=world.users["dsl_a"], case=case, pupil=pupil, condition="Not to contact the child affected.", until=until
        )


def test_school_days_before_skips_weekends_and_closures():
    friday = MONDAY + dt.timedelta(days=4)
    assert school_days_before(MONDAY, 3, []) == MONDAY - dt.timedelta(days=5)  # the Wednesday before
    assert school_days_before(friday, 3, []) == MONDAY + dt.timedelta(days=1)
    closed = [(MONDAY + dt.timedelta(days=1), MONDAY + dt.timedelta(days=2))]  # Tuesday and Wednesday
    assert school_days_before(friday, 3, closed) == MONDAY - dt.timedelta(days=3)  # the Friday before


def test_the_reminder_goes_three_school_days_before_the_end_once(world, police_case, second_child):
    friday = MONDAY + dt.timedelta(days=4)
    bail = _bail_until(world, police_case, second_child, friday)
    mail.outbox.clear()
    assert bail_end_reminders_send(MONDAY) == 0  # four school days before: not yet
    assert bail_end_reminders_send(MONDAY + dt.timedelta(days=1)) == 1  # Tuesday: three before
    assert bail_end_reminders_send(MONDAY + dt.timedelta(days=2)) == 0  # never twice
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert police_case.reference in message.subject and "20 November 2026" in message.subject
    assert sorted(message.to) == sorted([world.users["dsl_a"].email, world.users["deputy_a"].email])
    assert second_child.legal_surname not in message.body  # where to look, never who
    assert reverse("cases:police", args=[police_case.reference]) in message.body
    assert BailReminder.objects.get(bail=bail).recipients == 2


def test_a_closure_brings_the_reminder_earlier(world, police_case, second_child):
    friday = MONDAY + dt.timedelta(days=4)
    SchoolClosure.objects.create(
        school=world.school_a, first_day=MONDAY + dt.timedelta(days=1), last_day=MONDAY + dt.timedelta(days=2)
    )
    _bail_until(world, police_case, second_child, friday)
    assert bail_end_reminders_send(MONDAY) == 1


def test_an_ended_or_varied_condition_is_not_reminded_about(world, police_case, second_child):
    friday = MONDAY + dt.timedelta(days=4)
    ended = _bail_until(world, police_case, second_child, friday)
    varied = _bail_until(world, police_case, second_child, friday)
    with clock.history(_at(MONDAY)):
        services.bail_condition_end(by=world.users["dsl_a"], bail=ended, reason="Cancelled")
        services.bail_condition_vary(
            by=world.users["dsl_a"],
            bail=varied,
            condition="Not to contact the child affected.",
            until=friday + dt.timedelta(days=28),
            reason="Extended",
        )
    assert bail_end_reminders_send(MONDAY + dt.timedelta(days=1)) == 0


def test_a_reminder_whose_email_fails_is_sent_at_the_next_run(world, police_case, second_child):
    bail = _bail_until(world, police_case, second_child, MONDAY + dt.timedelta(days=4))
    mail.outbox.clear()
    tuesday = MONDAY + dt.timedelta(days=1)
    with mock.patch("haven.police.tasks.send_mail", side_effect=ConnectionRefusedError("no SMTP")):
        assert bail_end_reminders_send(tuesday) == 0
    assert not BailReminder.objects.filter(bail=bail).exists()  # not recorded as sent
    assert bail_end_reminders_send(tuesday) == 1
    assert len(mail.outbox) == 1 and BailReminder.objects.filter(bail=bail).count() == 1


def test_a_case_with_no_lead_to_tell_records_nothing_sent(world, police_case, second_child):
    bail = _bail_until(world, police_case, second_child, MONDAY + dt.timedelta(days=4))
    for key in ("dsl_a", "deputy_a"):  # both leads have left: nobody may be told yet
        world.users[key].is_active = False
        world.users[key].save(update_fields=["is_active"])
    mail.outbox.clear()
    assert bail_end_reminders_send(MONDAY + dt.timedelta(days=1)) == 0
    assert mail.outbox == [] and not BailReminder.objects.filter(bail=bail).exists()


def test_a_restricted_case_reminds_only_the_named_leads(world, police_case, second_child):
    from haven.cases.services import case_access_set

    case_access_set(
        by=world.users["dsl_a"],
        case=police_case,
        restricted=True,
        named_users=[world.users["dsl_a"]],
        shared_with_trust=False,
        version=police_case.version,
    )
    _bail_until(world, police_case, second_child, MONDAY + dt.timedelta(days=4))
    mail.outbox.clear()
    assert bail_end_reminders_send(MONDAY + dt.timedelta(days=1)) == 1
    assert mail.outbox[0].to == [world.users["dsl_a"].email]


def test_the_command_sends_them(world, police_case, second_child):
    _bail_until(world, police_case, second_child, clock.localdate() + dt.timedelta(days=1))
    out = io.StringIO()
    call_command("remind_bail_ends", "--now", stdout=out)
    assert "Bail reminders sent: 1" in out.getvalue()


def _signed_off_plan(world, case, pupil) -> SafetyPlan:
    plan = plan_create(
        by=world.users["dsl_a"],
        case=case,
        pupil=pupil,
        content={
            "referrer_name_role": "Staff A, member of staff",
            "schools_affected": world.school_a.name,
            "review_date": clock.localdate() + dt.timedelta(days=21),
        },
        risk_lines=[{"hazard": "Messages online", "hazard_rating": 2, "likelihood": 4}],
    )
    return plan_sign_off(by=world.users["dsl_a"], plan=plan, based_on=1)


def test_bail_changes_bring_the_case_plans_review_forward(world, police_case, second_child):
    affected = _signed_off_plan(world, police_case, world.pupils["a"])
    harmer = _signed_off_plan(world, police_case, second_child)
    assert due_reasons(affected) == []
    bail = services.bail_condition_record(
        by=world.users["dsl_a"],
        case=police_case,
        pupil=second_child,
        condition="Not to contact the child affected.",
        until=clock.localdate() + dt.timedelta(days=28),
    )
    for plan in (affected, harmer):
        plan.refresh_from_db()
        assert plan.review_date == clock.localdate()
        assert due_reasons(plan) == ["the review is due today"]
    prompted = AuditEvent.objects.filter(event="plan.review_prompted")
    assert prompted.count() == 2
    assert {e.extra["reason"] for e in prompted} == {"bail conditions changed"}
    assert AuditEvent.objects.get(event="bail.recorded").extra["plans_prompted"] == [affected.pk, harmer.pk]
    # In each plan's own history and the chronologies, with the date it had before.
    was = (clock.localdate() + dt.timedelta(days=21)).strftime("%-d %B %Y")
    for plan in (affected, harmer):
        event = plan.events.get(kind="review_due")
        assert (
            event.text
            == f"Review brought forward from {was} to {clock.localdate():%-d %B %Y}: bail conditions changed."
        )
    _, entries = pupil_chronology_for(world.users["dsl_a"], world.pupils["a"].pk)
    assert any(e.title.startswith("Safety plan review brought forward") for e in entries)
    # Already due: ending the condition asks nothing more of them.
    services.bail_condition_end(by=world.users["dsl_a"], bail=bail, reason="Cancelled")
    assert prompted.count() == 2


def test_a_draft_or_closed_plan_is_left_alone(world, police_case, second_child):
    draft = plan_create(
        by=world.users["dsl_a"],
        case=police_case,
        pupil=second_child,
        content={
            "referrer_name_role": "Staff A",
            "schools_affected": world.school_a.name,
            "review_date": clock.localdate() + dt.timedelta(days=21),
        },
    )
    services.bail_condition_record(
        by=world.users["dsl_a"],
        case=police_case,
        pupil=second_child,
        condition="Curfew 7pm to 7am.",
        until=clock.localdate() + dt.timedelta(days=28),
    )
    draft.refresh_from_db()
    assert draft.review_date == clock.localdate() + dt.timedelta(days=21)


def test_the_chronologies_show_each_step_in_order(world, client, police_case, investigation, second_child):
    dsl = world.users["dsl_a"]
    today = clock.localdate()
    bail = services.bail_condition_record(
        by=dsl,
        case=police_case,
        pupil=second_child,
        condition="Not to contact her.",
        until=today + dt.timedelta(days=9),
    )
    services.bail_condition_end(by=dsl, bail=bail, reason="Charged instead.")
    services.charging_decision_record(by=dsl, case=police_case, outcome="charged", decided_on=today, pupil=second_child)
    services.court_date_record(
        by=dsl, case=police_case, on=today + dt.timedelta(days=14), court="Midshire Youth Court", hearing="First"
    )
    titles = [e.title for e in case_chronology(police_case) if e.kind in ("police", "bail", "charge", "court")]
    assert titles == [
        "Police investigation recorded: Midshire Police, crime reference MP/2026/004512",
        f"Bail condition set on {second_child.display_name}, until {today + dt.timedelta(days=9):%-d %b %Y}",
        f"Bail condition ended on {second_child.display_name}",
        # The hearing is entered when the school was told; the decision, known to the day only,
        # after the timed entries of its day (haven.chronology).
        f"Court date {today + dt.timedelta(days=14):%-d %b %Y}: First at Midshire Youth Court",
        f"Charging decision ({second_child.display_name}): Charged",
    ]
    labels = {e.label for e in case_chronology(police_case)}
    assert {"Police investigation", "Bail conditions", "Charging decision", "Court date"} <= labels
    # The child affected's chronology: the case-wide entries, not the other child's bail or charge.
    _, entries = pupil_chronology_for(dsl, world.pupils["a"].pk)
    kinds = [e.kind for e in entries]
    assert "police" in kinds and "bail" not in kinds and "charge" not in kinds
    _, entries = pupil_chronology_for(dsl, second_child.pk)
    assert {"police", "bail", "charge", "court"} <= {e.kind for e in entries}
    sign_in(client, dsl)
    pdf = client.get(reverse("cases:chronology_pdf", args=[police_case.reference]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    page = client.get(reverse("cases:chronology", args=[police_case.reference])).text
    assert "MP/2026/004512" in page and "Charged instead." in page
