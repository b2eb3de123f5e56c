"""iCalendar (RFC 5545) feeds of network meetings, made with the ``icalendar`` package.

A feed holds what a calendar needs (title, time, place, link, a pointer to the agenda in
Haven) and nothing from the minutes or the trend pack: calendar apps keep copies of feeds
on other companies' servers.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse
from icalendar import Calendar, Event

from haven.core import clock
from haven.core.links import site_url

from .models import Meeting


def meetings_calendar(meetings: Iterable[Meeting], *, name: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Haven//DSL network meetings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Europe/London")
    stamp = clock.now()
    for meeting in meetings:
        event = Event()
        event.add("uid", f"{meeting.uid}@haven")
        event.add("dtstamp", stamp)
        event.add("dtstart", meeting.starts_at)
        event.add("dtend", meeting.ends_at)
        event.add("summary", meeting.title)
        event.add("last-modified", meeting.updated_at)
        url = site_url(reverse("network:meeting", args=[meeting.pk]))
        event.add("url", url)
        where = meeting.venue or meeting.online_link
        if where:
            event.add("location", where)
        lines = [f"DSL network meeting: {meeting.group_name}."]
        if meeting.online_link:
            lines.append(f"Join online: {meeting.online_link}")
        lines.append(f"Agenda and papers in Haven: {url}")
        event.add("description", "\n".join(lines))
        cal.add_component(event)
    ical: bytes = cal.to_ical()
    return ical
