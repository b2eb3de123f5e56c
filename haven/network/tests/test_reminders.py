"""Email reminders: a day before each meeting and when an action falls due, each sent once."""

from __future__ import annotations

import datetime as dt

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from haven.network import services
from haven.network.models import ActionItem, Reminder
from haven.network.tasks import action_reminders, meeting_reminders


def test_invitees_are_reminded_the_day_before_once(world, net, schedule):
    tomorrow = schedule(days=0.5, pyramid=net.pyramid, title="Tomorrow's DSL meeting")
    assert meeting_reminders.call() == 2  # DSL and deputy of school A
    assert sorted(m.to[0] for m in mail.outbox) == ["deputy_a@example.org", "dsl_a@example.org"]
    assert "Tomorrow's DSL meeting" in mail.outbox[0].subject
    assert Reminder.objects.filter(meeting=tomorrow).count() == 2
    # Run again (a cron job and the worker both sweeping): nothing more is sent.
    assert meeting_reminders.call() == 0
    assert len(mail.outbox) == 2
    # The meeting a week away is not reminded yet; the past one never.
    assert not Reminder.objects.filter(meeting__in=[net.meeting, net.past]).exists()


def test_a_moved_meeting_is_reminded_again(world, net, schedule):
    soon = schedule(days=0.5, pyramid=net.pyramid, title="Moved meeting")
    meeting_reminders.call()
    start = soon.starts_at + dt.timedelta(hours=2)
    services.meeting_update(
        by=world.users["la_officer_a"],
        meeting=soon,
        title=soon.title,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        agenda="",
        venue=soon.venue,
        online_link="",
        invitee_ids=[world.users["dsl_a"].pk],
    )
    assert meeting_reminders.call() == 1
    assert mail.outbox[-1].to == ["dsl_a@example.org"]


def test_an_action_owner_is_reminded_when_it_falls_due_once(world, net):
    officer = world.users["la_officer_a"]
    due = services.action_add(
        by=officer,
        meeting=net.past,
        text="Send the rota",
        owner_id=world.users["dsl_a"].pk,
        due_on=timezone.localdate(),
    )
    later = services.action_add(
        by=officer,
        meeting=net.past,
        text="Later thing",
        owner_id=world.users["dsl_a"].pk,
        due_on=timezone.localdate() + dt.timedelta(days=5),
    )
    done = services.action_add(
        by=officer,
        meeting=net.past,
        text="Done thing",
        owner_id=world.users["deputy_a"].pk,
        due_on=timezone.localdate(),
    )
    services.action_set_status(by=officer, action=done, status=ActionItem.Status.DONE)
    assert action_reminders.call() == 1
    assert mail.outbox[0].to == ["dsl_a@example.org"] and "Send the rota" in mail.outbox[0].body
    assert action_reminders.call() == 0
    assert Reminder.objects.filter(action=due).count() == 1
    assert not Reminder.objects.filter(action__in=[later, done]).exists()


def test_the_cron_command_sends_what_is_due(world, net, schedule, capsys):
    schedule(days=0.5, pyramid=net.pyramid, title="Soon")
    call_command("network_reminders")
    assert "Meeting reminders sent: 2" in capsys.readouterr().out
    call_command("network_reminders")
    assert "Meeting reminders sent: 0" in capsys.readouterr().out
    assert len(mail.outbox) == 2


def test_reminder_emails_carry_no_minutes(world, net, schedule):
    soon = schedule(days=0.5, pyramid=net.pyramid, title="Soon", agenda="Private agenda words")
    meeting_reminders.call()
    assert all("Private agenda words" not in m.body for m in mail.outbox)
    assert soon.title in mail.outbox[0].body
