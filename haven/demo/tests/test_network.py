"""The demo world's network meetings (built on the bare demo world, quickly)."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

from django.core.management import call_command

from haven.demo.dates import DEMO_NOW
from haven.demo.network import demo_network_meetings
from haven.demo.world import demo_world_build
from haven.network.models import ActionItem, Invitation, Meeting
from haven.network.selectors import carried_actions


def test_the_demo_has_past_and_upcoming_meetings_with_minutes_and_actions(db):
    world = demo_world_build(steps=())
    demo_network_meetings(world=world, seed=2026)
    now = DEMO_NOW.astimezone(dt.UTC)
    with mock.patch("django.utils.timezone.now", lambda: now):
        past = Meeting.objects.filter(starts_at__lt=now)
        upcoming = Meeting.objects.filter(starts_at__gt=now)
        assert past.count() == 5 and upcoming.count() == 3
        assert not past.filter(minutes="").exists() and not upcoming.exclude(minutes="").exists()
        assert not Invitation.objects.filter(meeting__in=past, attendance="").exists()
        assert Invitation.objects.filter(meeting__in=past, attendance="apologies").exists()
        assert ActionItem.objects.filter(status="done").exists()
        north_spring = Meeting.objects.get(title="Midshire North DSL network: spring")
        assert carried_actions(north_spring), "open actions are carried to the next pyramid meeting"
        assert Meeting.objects.filter(pyramid__isnull=True).count() == 2
        # Every meeting of a pyramid invites the DSLs and deputies of its schools.
        for meeting in Meeting.objects.exclude(pyramid=None):
            schools = set(meeting.schools.all())
            assert meeting.pyramid is not None
            assert schools == set(meeting.pyramid.schools.all())
            assert {i.school for i in meeting.invitations.all()} == schools
    # Written at the story's times (none after the demo's "now"), the audit chain still verifies.
    from haven.audit.models import AuditEvent

    assert not AuditEvent.objects.filter(at__gt=DEMO_NOW).exclude(action="import").exists()
    call_command("verify_audit", stdout=StringIO())
