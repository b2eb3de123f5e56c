"""Scheduling a meeting, who is invited and who may read it, attendance, minutes and actions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.access.roles import Role
from haven.audit.models import AuditEvent
from haven.core.errors import ApplicationError
from haven.network import services
from haven.network.models import ActionItem, Invitation, Meeting
from haven.network.selectors import carried_actions
from haven.testing import factories as f


def _form(**over):
    data = {
        "pyramid": "",
        "title": "Spring DSL network",
        "date": "2027-07-01",
        "start": "15:30",
        "end": "17:00",
        "venue": "Oak Room, County Hall",
        "online_link": "",
        "agenda": "1. Trends\n2. Online safety",
    }
    data.update(over)
    return data


def test_an_officer_schedules_a_meeting_for_a_pyramid_and_its_dsls_are_invited(client, world, net):
    world.school_b.pyramid = net.pyramid
    world.school_b.save()
    sign_in(client, world.users["la_officer_a"])
    response = client.post(reverse("network:meeting_new"), _form(pyramid=str(net.pyramid.pk)))
    meeting = Meeting.objects.get(title="Spring DSL network")
    assert response.status_code == 302 and response["Location"] == reverse("network:meeting", args=[meeting.pk])
    invited = set(meeting.invitations.values_list("user__email", flat=True))
    assert invited == {"dsl_a@example.org", "deputy_a@example.org", "dsl_b@example.org", "deputy_b@example.org"}
    assert set(meeting.schools.all()) == {world.school_a, world.school_b}
    assert AuditEvent.objects.filter(object_type="network.meeting", object_id=str(meeting.pk), action="create").exists()


def test_times_are_typed_in_uk_time_and_stored_in_utc(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    client.post(reverse("network:meeting_new"), _form(pyramid=str(net.pyramid.pk), date="2027-07-01"))
    client.post(reverse("network:meeting_new"), _form(pyramid=str(net.pyramid.pk), date="2027-01-14", title="Winter"))
    summer = Meeting.objects.get(title="Spring DSL network")
    winter = Meeting.objects.get(title="Winter")
    assert summer.starts_at == dt.datetime(2027, 7, 1, 14, 30, tzinfo=dt.UTC)  # BST
    assert winter.starts_at == dt.datetime(2027, 1, 14, 15, 30, tzinfo=dt.UTC)  # GMT
    page = client.get(reverse("network:meeting", args=[summer.pk]))
    assert "15:30" in page.text


def test_a_whole_authority_meeting_invites_every_school_of_the_authority_only(client, world):
    sign_in(client, world.users["la_officer_a"])
    client.post(reverse("network:meeting_new"), _form(pyramid="all"))
    meeting = Meeting.objects.get()
    assert meeting.pyramid is None
    assert set(meeting.schools.all()) == {world.school_a, world.school_b}
    assert not meeting.invitations.filter(user=world.users["dsl_m"]).exists()


def test_bad_input_is_refused_clearly_and_keeps_what_was_typed(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    response = client.post(reverse("network:meeting_new"), _form(pyramid=str(net.pyramid.pk), end="15:00", venue=""))
    assert response.status_code == 400
    assert "The meeting must end after it starts." in response.text
    assert "Spring DSL network" in response.text
    response = client.post(reverse("network:meeting_new"), _form(pyramid=str(net.pyramid.pk), venue=""))
    assert "Give a venue, an online meeting link, or both." in response.text
    assert not Meeting.objects.filter(title="Spring DSL network").exists()


def test_an_officer_changes_who_is_invited_among_the_schools_leads_only(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    url = reverse("network:meeting_edit", args=[net.meeting.pk])
    local = timezone.localtime(net.meeting.starts_at)
    data = _form(
        title=net.meeting.title,
        date=local.date().isoformat(),
        start=local.strftime("%H:%M"),
        end=timezone.localtime(net.meeting.ends_at).strftime("%H:%M"),
    )
    response = client.post(url, {**data, "invitees": [world.users["dsl_a"].pk, world.users["head_a"].pk]})
    assert response.status_code == 302
    assert set(net.meeting.invitations.values_list("user__email", flat=True)) == {
        "dsl_a@example.org",
        "head_a@example.org",
    }
    response = client.post(url, {**data, "invitees": [world.users["staff_a"].pk]})
    assert response.status_code == 400
    assert set(net.meeting.invitations.values_list("user__email", flat=True)) == {
        "dsl_a@example.org",
        "head_a@example.org",
    }


def test_invited_leads_and_the_head_read_the_meeting_and_others_get_404(client, world, net):
    url = reverse("network:meeting", args=[net.meeting.pk])
    for key in ("dsl_a", "deputy_a", "head_a", "la_officer_a"):
        sign_in(client, world.users[key])
        assert client.get(url).status_code == 200, key
    for key in ("staff_a", "admin_a", "dsl_b", "trust_lead_a", "la_officer_m", "governor_a"):
        sign_in(client, world.users[key])
        assert client.get(url).status_code == 404, key


def test_a_dsl_who_left_the_role_no_longer_reads_it(client, world, net):
    dsl = world.users["dsl_a"]
    dsl.memberships.update(ended_at=timezone.now())
    sign_in(client, dsl)
    assert client.get(reverse("network:meeting", args=[net.meeting.pk])).status_code == 404


def test_a_dsl_cannot_change_a_meeting(client, world, net):
    sign_in(client, world.users["dsl_a"])
    url = reverse("network:meeting_action", args=[net.past.pk, "minutes"])
    assert client.post(url, {"minutes": "Our minutes"}).status_code == 404
    assert client.get(reverse("network:meeting_edit", args=[net.meeting.pk])).status_code == 404
    net.past.refresh_from_db()
    assert net.past.minutes == ""


def test_an_officer_records_attendance_after_the_meeting(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    dsl = net.past.invitations.get(user=world.users["dsl_a"])
    deputy = net.past.invitations.get(user=world.users["deputy_a"])
    url = reverse("network:meeting_action", args=[net.past.pk, "attendance"])
    client.post(url, {f"attendance-{dsl.pk}": "present", f"attendance-{deputy.pk}": "apologies"})
    dsl.refresh_from_db()
    deputy.refresh_from_db()
    assert (dsl.attendance, deputy.attendance) == (Invitation.Attendance.PRESENT, Invitation.Attendance.APOLOGIES)
    # Not before it has happened.
    future = net.meeting.invitations.get(user=world.users["dsl_a"])
    client.post(
        reverse("network:meeting_action", args=[net.meeting.pk, "attendance"]), {f"attendance-{future.pk}": "absent"}
    )
    future.refresh_from_db()
    assert future.attendance == ""


def test_minutes_naming_a_child_on_an_invited_roll_are_held_until_confirmed(client, world, net):
    f.PupilFactory(school=world.school_a, legal_forename="Tobias", legal_surname="Wrenfield")
    sign_in(client, world.users["la_officer_a"])
    url = reverse("network:meeting_action", args=[net.past.pk, "minutes"])
    text = "Discussed a pattern of online bullying; TOBIAS's school shared its approach."
    response = client.post(url, {"minutes": text})
    assert response.status_code == 400
    assert "“TOBIAS” is the name of a pupil" in response.text
    assert text.replace("'", "&#x27;") in response.text  # kept
    net.past.refresh_from_db()
    assert net.past.minutes == ""
    response = client.post(url, {"minutes": text, "confirm_anonymous": "on"})
    assert response.status_code == 302
    net.past.refresh_from_db()
    assert net.past.minutes == text


def test_minutes_with_a_upn_are_refused_even_when_confirmed(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    url = reverse("network:meeting_action", args=[net.past.pk, "minutes"])
    upn = world.pupils["a"].upn
    response = client.post(url, {"minutes": f"Child {upn} moved school.", "confirm_anonymous": "on"})
    assert response.status_code == 400
    assert "looks like a pupil" in response.text
    net.past.refresh_from_db()
    assert net.past.minutes == ""


def test_a_name_from_a_school_not_invited_is_not_flagged(world, net):
    f.PupilFactory(school=world.school_m, legal_forename="Persephone", legal_surname="Quill")
    assert services.minutes_check(net.past, "Persephone Quill spoke about training.") == []


def test_minutes_wait_for_the_meeting(world, net):
    with pytest.raises(ApplicationError):
        services.minutes_write(by=world.users["la_officer_a"], meeting=net.meeting, text="Too early")


def test_an_action_is_owned_by_someone_invited(client, world, net):
    sign_in(client, world.users["la_officer_a"])
    url = reverse("network:meeting_action", args=[net.past.pk, "add-action"])
    due = (timezone.localdate() + dt.timedelta(days=14)).isoformat()
    response = client.post(
        url, {"text": "Share the toilets supervision rota", "owner": world.users["dsl_b"].pk, "due_on": due}
    )
    assert response.status_code == 400
    assert not ActionItem.objects.exists()
    client.post(url, {"text": "Share the toilets supervision rota", "owner": world.users["dsl_a"].pk, "due_on": due})
    action = ActionItem.objects.get()
    assert action.owner == world.users["dsl_a"] and action.status == ActionItem.Status.OPEN


def test_open_actions_are_carried_to_the_next_meeting_of_the_pyramid_until_done(client, world, net, schedule):
    officer = world.users["la_officer_a"]
    due = timezone.localdate() + dt.timedelta(days=3)
    action = services.action_add(
        by=officer,
        meeting=net.past,
        text="Send the online safety leaflet",
        owner_id=world.users["dsl_a"].pk,
        due_on=due,
    )
    other_pyramid_meeting = schedule(days=8, pyramid=None, title="Authority meeting")
    assert carried_actions(net.meeting) == [action]
    assert carried_actions(other_pyramid_meeting) == []
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("network:meeting", args=[net.meeting.pk]))
    assert "Open actions from earlier meetings" in page.text and "Send the online safety leaflet" in page.text
    services.action_set_status(by=officer, action=action, status=ActionItem.Status.DONE)
    assert carried_actions(net.meeting) == []
    page = client.get(reverse("network:meeting", args=[net.meeting.pk]))
    assert "Send the online safety leaflet" not in page.text


def test_the_list_shows_the_users_meetings_with_constant_queries(
    client, world, net, schedule, django_assert_max_num_queries
):
    sign_in(client, world.users["dsl_a"])
    client.get(reverse("network:index"))
    with django_assert_max_num_queries(14) as few:
        client.get(reverse("network:index"))
    for n in range(15):
        schedule(days=10 + n, pyramid=net.pyramid, title=f"Extra meeting {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("network:index"))
    assert "Extra meeting 14" in response.text
    assert "Autumn DSL meeting" not in response.text  # past, on the other tab
    assert "Autumn DSL meeting" in client.get(reverse("network:index") + "?when=past").text


def test_the_meeting_page_has_constant_queries(client, world, net, django_assert_max_num_queries):
    officer = world.users["la_officer_a"]
    sign_in(client, officer)
    url = reverse("network:meeting", args=[net.meeting.pk])
    client.get(url)
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(6):
        user = f.UserFactory(email=f"extra{n}@example.org")
        f.MembershipFactory(user=user, role=Role.DEPUTY_DSL, school=world.school_a)
        Invitation.objects.create(meeting=net.meeting, user=user, school=world.school_a)
        services.action_add(
            by=officer,
            meeting=net.past,
            text=f"Action {n}",
            owner_id=world.users["dsl_a"].pk,
            due_on=timezone.localdate(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert "Action 5" in response.text


def test_someone_with_recorded_attendance_or_an_action_stays_invited(world, net):
    officer = world.users["la_officer_a"]
    dsl, deputy = world.users["dsl_a"], world.users["deputy_a"]
    invitation = net.past.invitations.get(user=deputy)
    services.attendance_record(by=officer, meeting=net.past, attendance={invitation.pk: "apologies"})
    services.action_add(by=officer, meeting=net.past, text="Rota", owner_id=dsl.pk, due_on=timezone.localdate())
    with pytest.raises(ApplicationError, match="stay invited: Deputy A, Dsl A"):
        services.meeting_update(
            by=officer,
            meeting=net.past,
            title=net.past.title,
            starts_at=net.past.starts_at,
            ends_at=net.past.ends_at,
            agenda="",
            venue="Hall",
            online_link="",
            invitee_ids=[],
        )
    assert net.past.invitations.count() == 2


@pytest.mark.parametrize(
    "url",
    [
        "/network/meetings/99999999999999999999999/",
        "/network/meetings/1%00/",
        "/network/meetings/999999/trend-pack/",
        "/network/feeds/%00.ics",
        "/network/feeds/" + "A" * 64 + ".ics",
        "/network/feeds/pyramids/99999999999999999999/" + "0" * 64 + ".ics",
    ],
)
def test_odd_addresses_answer_404(client, world, url):
    sign_in(client, world.users["la_officer_a"])
    assert client.get(url).status_code == 404
