"""The network's pages record named events, from a page, with the old and new values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.network.models import ActionItem
from haven.organisations.models import Pyramid

pytestmark = pytest.mark.django_db


def _last(event: Event) -> AuditEvent:
    return AuditEvent.objects.filter(event=event).latest("at", "seq")


def test_pyramid_changes_name_their_events_and_values(client, world):
    officer = world.users["la_officer_a"]
    sign_in(client, officer)
    url = reverse("network:pyramids")
    assert client.post(url, {"action": "create", "new-name": "East"}).status_code == 302
    east = Pyramid.objects.get(name="East")
    created = _last(Event.PYRAMID_CREATED)
    assert (created.channel, created.actor, created.object_id) == ("page", officer, str(east.pk))

    client.post(url, {"action": "rename", "pyramid": east.pk, "name": "East and Coast"})
    renamed = _last(Event.PYRAMID_RENAMED)
    assert (renamed.channel, renamed.actor) == ("page", officer)
    assert renamed.extra["changes"] == {"name": ["East", "East and Coast"]}
    assert renamed.extra["name"] == ["East", "East and Coast"]

    client.post(url, {"action": "move", "school": world.school_a.pk, "pyramid": east.pk})
    moved = _last(Event.SCHOOL_MOVED)
    assert moved.channel == "page" and moved.extra["changes"] == {"pyramid": [None, east.pk]}


def test_a_moved_meeting_records_its_old_and_new_times(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    meeting = net.meeting
    old_start, old_end = meeting.starts_at, meeting.ends_at
    local = timezone.localtime(meeting.starts_at) + dt.timedelta(days=1)
    data = {
        "title": "Winter DSL meeting, moved",
        "date": local.date().isoformat(),
        "start": local.strftime("%H:%M"),
        "end": timezone.localtime(meeting.ends_at).strftime("%H:%M"),
        "venue": meeting.venue,
        "online_link": "",
        "agenda": "",
        "invitees": [world.users["dsl_a"].pk],
    }
    assert client.post(reverse("network:meeting_edit", args=[meeting.pk]), data).status_code == 302
    meeting.refresh_from_db()
    changed = _last(Event.MEETING_CHANGED)
    assert changed.channel == "page" and changed.actor == world.users["la_officer_a"]
    changes = changed.extra["changes"]
    assert changes["title"] == ["Winter DSL meeting", "Winter DSL meeting, moved"]
    assert [dt.datetime.fromisoformat(v) for v in changes["starts_at"]] == [old_start, meeting.starts_at]
    assert [dt.datetime.fromisoformat(v) for v in changes["ends_at"]] == [old_end, meeting.ends_at]
    assert "venue" not in changes and set(changed.extra["changed"]) == {"title", "starts_at", "ends_at"}


def test_attendance_minutes_and_actions_name_their_events(client, world, net):
    officer, dsl = world.users["la_officer_a"], world.users["dsl_a"]
    sign_in(client, officer)
    invitation = net.past.invitations.get(user=dsl)
    client.post(
        reverse("network:meeting_action", args=[net.past.pk, "attendance"]), {f"attendance-{invitation.pk}": "present"}
    )
    attendance = _last(Event.MEETING_ATTENDANCE)
    assert attendance.channel == "page" and attendance.extra["attendance_changed"] == 1
    assert attendance.extra["changes"] == {f"invitation {invitation.pk}": ["", "present"]}

    text = "We shared the new rota."
    client.post(reverse("network:meeting_action", args=[net.past.pk, "minutes"]), {"minutes": text})
    minutes = _last(Event.MEETING_MINUTES)
    assert minutes.channel == "page" and minutes.extra["changes"] == {"length": [0, len(text)]}
    assert text not in str(minutes.extra)  # the minutes themselves are not in the log

    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    url = reverse("network:meeting_action", args=[net.past.pk, "add-action"])
    client.post(url, {"text": "Share the rota", "owner": dsl.pk, "due_on": due})
    item = ActionItem.objects.get()
    added = _last(Event.NETWORK_ACTION_ADDED)
    assert (added.channel, added.object_id, added.extra["due_on"]) == ("page", str(item.pk), due)

    url = reverse("network:meeting_action", args=[net.past.pk, "action-status"])
    client.post(url, {"item": item.pk, "status": ActionItem.Status.DONE})
    status = _last(Event.NETWORK_ACTION_STATUS)
    assert status.channel == "page" and status.actor == officer
    assert status.extra["changes"] == {"status": ["open", "done"]}


def test_reading_a_meeting_and_its_trends_names_the_reader(client, world, net):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    assert client.get(reverse("network:meeting", args=[net.meeting.pk])).status_code == 200
    assert client.get(reverse("network:trends", args=[net.meeting.pk])).status_code == 200
    viewed, trends = _last(Event.MEETING_VIEWED), _last(Event.MEETING_TRENDS_VIEWED)
    assert (viewed.channel, viewed.actor, trends.channel, trends.actor) == ("page", dsl, "page", dsl)
    sign_in(client, world.users["dsl_m"])
    assert client.get(reverse("network:meeting", args=[net.meeting.pk])).status_code == 404
    refused = _last(Event.ACCESS_REFUSED)
    assert (refused.channel, refused.actor, refused.object_type) == ("page", world.users["dsl_m"], "network.meeting")


def test_calendar_links_name_their_events(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    client.post(reverse("network:calendar_link"))
    client.post(reverse("network:calendar_link"), {"action": "revoke"})
    issued, revoked = _last(Event.FEED_TOKEN_ISSUED), _last(Event.FEED_TOKEN_REVOKED)
    assert (issued.channel, issued.actor, revoked.channel, revoked.actor) == ("page", dsl, "page", dsl)
    assert revoked.extra == {"revoked": 1}
