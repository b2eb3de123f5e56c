"""Calendar feeds: parsed back with icalendar; only meetings the token's owner may see; a
wrong or revoked token answers 404."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Component

from conftest import sign_in
from haven.network.models import FeedToken
from haven.network.services import feed_token_issue, feed_token_revoke
from haven.organisations.models import Pyramid


def _events(response) -> dict[str, Component]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def test_the_feed_parses_back_with_the_meetings_times_place_and_link(client, world, net):
    token = feed_token_issue(by=world.users["dsl_a"]).token
    events = _events(client.get(reverse("network:feed", args=[token])))
    assert set(events) == {"Winter DSL meeting", "Autumn DSL meeting"}
    event = events["Winter DSL meeting"]
    assert event.decoded("dtstart") == net.meeting.starts_at
    assert event.decoded("dtend") == net.meeting.ends_at
    assert str(event["location"]) == "County Hall, Room 4"
    assert str(event["uid"]) == f"{net.meeting.uid}@haven"
    assert str(event["url"]).endswith(reverse("network:meeting", args=[net.meeting.pk]))


def test_the_feed_holds_only_meetings_the_user_may_see(client, world, net, schedule):
    other = Pyramid.objects.create(authority=world.authority, name="South")
    world.school_b.pyramid = other
    world.school_b.save()
    schedule(days=3, pyramid=other, title="South DSL meeting")
    schedule(days=4, pyramid=None, title="County-wide meeting")
    assert set(
        _events(client.get(reverse("network:feed", args=[feed_token_issue(by=world.users["dsl_a"]).token])))
    ) == {
        "Winter DSL meeting",
        "Autumn DSL meeting",
        "County-wide meeting",
    }
    assert set(
        _events(client.get(reverse("network:feed", args=[feed_token_issue(by=world.users["dsl_b"]).token])))
    ) == {
        "South DSL meeting",
        "County-wide meeting",
    }
    officer = set(
        _events(client.get(reverse("network:feed", args=[feed_token_issue(by=world.users["la_officer_a"]).token])))
    )
    assert officer == {"Winter DSL meeting", "Autumn DSL meeting", "South DSL meeting", "County-wide meeting"}
    # The other authority's officer sees none of them.
    assert (
        _events(client.get(reverse("network:feed", args=[feed_token_issue(by=world.users["la_officer_m"]).token])))
        == {}
    )


def test_the_pyramid_feed_holds_that_pyramids_meetings_only(client, world, net, schedule):
    schedule(days=4, pyramid=None, title="County-wide meeting")
    token = feed_token_issue(by=world.users["head_a"]).token
    events = _events(client.get(reverse("network:pyramid_feed", args=[net.pyramid.pk, token])))
    assert set(events) == {"Winter DSL meeting", "Autumn DSL meeting"}
    token_b = feed_token_issue(by=world.users["dsl_b"]).token
    assert client.get(reverse("network:pyramid_feed", args=[net.pyramid.pk, token_b])).status_code == 404


def test_the_feed_carries_no_minutes_or_agenda(client, world, net):
    net.meeting.agenda = "Item: the Greenfield toilets incident review"
    net.meeting.save()
    token = feed_token_issue(by=world.users["dsl_a"]).token
    body = client.get(reverse("network:feed", args=[token])).content.decode()
    assert "Greenfield" not in body


def test_a_revoked_or_wrong_token_answers_404(client, world, net):
    user = world.users["dsl_a"]
    token = feed_token_issue(by=user).token
    url = reverse("network:feed", args=[token])
    assert client.get(url).status_code == 200
    tampered = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert client.get(reverse("network:feed", args=[tampered])).status_code == 404
    feed_token_revoke(by=user)
    assert client.get(url).status_code == 404
    new = feed_token_issue(by=user).token
    assert new != token and client.get(reverse("network:feed", args=[new])).status_code == 200


def test_a_token_stops_working_when_its_owner_leaves_the_role(client, world, net):
    user = world.users["dsl_a"]
    url = reverse("network:feed", args=[feed_token_issue(by=user).token])
    user.memberships.update(ended_at=timezone.now())
    assert client.get(url).status_code == 404


def test_the_database_alone_cannot_open_a_feed(world):
    token = feed_token_issue(by=world.users["dsl_a"])
    stored = FeedToken.objects.filter(pk=token.pk).values_list("key", flat=True).get()
    assert stored == token.key and token.token.startswith(stored) and len(token.token) == 64
    assert FeedToken.split(stored + "0" * 32) is None


def test_the_network_page_makes_shows_and_revokes_the_link(client, world, net):
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("network:index"))
    assert "Make my calendar link" in page.text
    client.post(reverse("network:calendar_link"), {"action": "issue"})
    token = FeedToken.objects.get(user=world.users["dsl_a"], revoked_at__isnull=True).token
    page = client.get(reverse("network:index"))
    assert f"/network/feeds/{token}.ics" in page.text
    client.post(reverse("network:calendar_link"), {"action": "revoke"})
    assert not FeedToken.objects.filter(user=world.users["dsl_a"], revoked_at__isnull=True).exists()
    assert client.get(reverse("network:feed", args=[token])).status_code == 404


def test_a_feed_works_for_a_calendar_app_that_never_signed_in(client, world, net):
    token = feed_token_issue(by=world.users["dsl_a"]).token
    client.logout()
    response = client.get(reverse("network:feed", args=[token]))
    assert response.status_code == 200
    assert dt.timedelta(0) < net.meeting.starts_at - timezone.now()
