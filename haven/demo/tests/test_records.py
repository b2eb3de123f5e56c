"""The demo world's child-protection file transfer: a Year 9 leaver of Oakfield Park Academy
whose file waits for Riverside High School's DSL."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command

from haven.audit.models import AuditEvent
from haven.demo.dates import DEMO_NOW
from haven.demo.records import demo_file_transfer
from haven.demo.world import demo_world_build
from haven.records import selectors
from haven.records.models import FileTransfer

STEPS = ("haven.demo.story.demo_concerns_and_cases", "haven.demo.safety_plans.demo_safety_plans")


@pytest.mark.slow
def test_the_demo_has_a_file_waiting_at_riverside_high(db, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        world = demo_world_build(steps=STEPS)
        demo_file_transfer(world=world, seed=2026)
    t = FileTransfer.objects.select_related("pupil", "school", "to_school").get()
    assert t.to_school is not None and t.to_school_id is not None
    assert (t.school.name, t.to_school.name) == ("Oakfield Park Academy", "Riverside High School")
    assert t.status == FileTransfer.Status.SENT and t.entries >= 1
    assert t.pupil.left_on == dt.date(2026, 11, 13) and t.pupil.year_group == "9"
    assert t.send_by == dt.date(2026, 11, 20) and not t.sent_late
    assert t.file.open("rb").read(4) == b"%PDF"
    assert mailoutbox == []  # nothing is emailed about the past
    receiver = world.users["dsl@riverside-high.example"]
    with mock.patch("django.utils.timezone.now", lambda: DEMO_NOW.astimezone(dt.UTC)):
        assert selectors.waiting_counts([t.to_school_id]) == {t.to_school_id: 1}
        assert selectors.transfer_get_for(receiver, t.pk, audit=False).pk == t.pk
    assert not AuditEvent.objects.filter(at__gt=DEMO_NOW).exclude(action="import").exists()
    call_command("verify_audit", stdout=StringIO())
