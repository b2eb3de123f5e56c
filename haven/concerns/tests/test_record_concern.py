"""Recording a concern through the page, as a member of staff would."""

from __future__ import annotations

import datetime as dt
from unittest import mock

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import Action, AuditEvent
from haven.concerns.models import Alert, Category, Concern
from haven.testing.factories import PupilFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"0" * 64


def _form(world, **overrides):
    # Three hours ago, whatever the time of day the test runs (the escalation tests move the
    # recording time back up to two hours, and it must stay after the time it happened).
    then = timezone.localtime() - dt.timedelta(hours=3)
    data = {
        "school": world.school_a.pk,
        "child_1_query": f"#{world.pupils['a'].pk}",
        "child_1_role": "affected",
        "occurred_on": then.date().isoformat(),
        "occurred_time": then.strftime("%H:%M"),
        "location": "corridor",
        "categories": [Category.objects.get(code="bullying").pk],
        "what_happened": "Sam said an older boy pushed him into the lockers twice this week.",
        "child_words": "He keeps shoving me and says it's just a joke",
        "actions_taken": "Listened, reassured Sam, told him I would pass this on.",
        "child_told_next_steps": "yes",
    }
    data.update(overrides)
    return data


def test_staff_record_a_concern_and_see_it_arrived(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world))
    assert r.status_code == 302, r.content.decode()[:2000]
    concern = Concern.objects.get()
    assert concern.reference == f"C-{world.school_a.urn}-00001"
    assert concern.child_words == "He keeps shoving me and says it's just a joke"
    assert [(c.pupil, c.role) for c in concern.children.all()] == [(world.pupils["a"], "affected")]
    page = client.get(r["Location"])
    assert "Sent, not yet received by a safeguarding lead" in page.text
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="concerns.concern").exists()
    mine = client.get(reverse("concerns:mine"))
    assert concern.reference in mine.text and "Not yet" in mine.text


def test_each_child_keeps_their_own_role(client, world):
    other = PupilFactory(school=world.school_a, legal_forename="Jordan")
    sign_in(client, world.users["staff_a"])
    r = client.post(
        reverse("concerns:new"),
        _form(world, child_2_query=f"#{other.pk}", child_2_role="alleged_harmer"),
    )
    assert r.status_code == 302
    roles = dict(Concern.objects.get().children.values_list("pupil_id", "role"))
    assert roles == {world.pupils["a"].pk: "affected", other.pk: "alleged_harmer"}


def test_a_name_matching_several_pupils_asks_which_one_and_keeps_the_form(client, world):
    PupilFactory(school=world.school_a, legal_forename="Alex", legal_surname="Smith")
    PupilFactory(school=world.school_a, legal_forename="Alex", legal_surname="Smythe")
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, child_1_query="alex sm"))
    assert r.status_code == 400
    assert "2 pupils match" in r.text
    assert 'name="child_1_pupil"' in r.text
    assert "He keeps shoving me" in r.text  # nothing typed is lost
    assert not Concern.objects.exists()


def test_no_child_is_refused(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, child_1_query="", child_1_role=""))
    assert r.status_code == 400
    assert "Name at least one child" in r.text


def test_a_future_date_is_refused(client, world):
    sign_in(client, world.users["staff_a"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.post(reverse("concerns:new"), _form(world, occurred_on=tomorrow))
    assert r.status_code == 400
    assert "cannot be in the future" in r.text


def test_a_child_from_another_school_cannot_be_forged_in(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, child_1_query=f"#{world.pupils['b'].pk}"))
    assert r.status_code == 400
    assert not Concern.objects.exists()
    assert world.pupils["b"].legal_forename not in r.text


def test_an_unknown_category_is_refused(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, categories=[999999]))
    assert r.status_code == 400
    assert not Concern.objects.exists()


def test_a_one_megabyte_narrative_is_refused_with_the_limit(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, what_happened="x" * 1_000_000))
    assert r.status_code == 400
    assert "the most is 20,000" in r.text
    assert not Concern.objects.exists()


def test_markup_in_every_text_field_is_shown_as_text(client, world):
    script = "<script>alert('x')</script><b>bold</b>"
    sign_in(client, world.users["staff_a"])
    r = client.post(
        reverse("concerns:new"),
        _form(world, what_happened=script, child_words=script, actions_taken=script, location_detail=script),
    )
    assert r.status_code == 302
    page = client.get(r["Location"])
    assert "<script>alert" not in page.text and "<b>bold</b>" not in page.text
    assert page.text.count("&lt;script&gt;") >= 3


def test_online_needs_the_platform(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.post(reverse("concerns:new"), _form(world, location="online"))
    assert r.status_code == 400
    assert "Name the app, game or website" in r.text
    r = client.post(reverse("concerns:new"), _form(world, location="online", online_platform="Snapchat"))
    assert r.status_code == 302
    assert Concern.objects.get().online_platform == "Snapchat"


def test_it_refuses_nude_images_and_explains_what_to_do(client, world):
    sign_in(client, world.users["staff_a"])
    nudes = Category.objects.get(code="nudes").pk
    photo = SimpleUploadedFile("IMG_2041.pdf", PNG, content_type="application/pdf")  # lying name
    r = client.post(reverse("concerns:new"), {**_form(world, categories=[nudes]), "attachments": [photo]})
    assert r.status_code == 400
    assert "must not view, copy, print, share or forward" in r.text
    assert "Report Remove" in r.text
    assert not Concern.objects.exists()


def test_a_document_is_kept_outside_the_web_root_and_served_with_audit(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, world.users["staff_a"])
    doc = SimpleUploadedFile("notes.pdf", PDF, content_type="application/pdf")
    r = client.post(reverse("concerns:new"), {**_form(world), "attachments": [doc]})
    assert r.status_code == 302
    attachment = Concern.objects.get().attachments.get()
    assert attachment.content_type == "application/pdf"
    assert "notes" not in str(attachment.file.name)  # stored under a name of our own
    url = reverse("concerns:attachment", args=[attachment.concern.reference, attachment.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert AuditEvent.objects.filter(action=Action.EXPORT, object_type="concerns.attachment").exists()
    client.logout()
    sign_in(client, world.users["staff_b"])
    assert client.get(url).status_code == 404


def test_an_executable_renamed_to_pdf_is_refused(client, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in(client, world.users["staff_a"])
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00\xff" * 40, content_type="application/pdf")
    r = client.post(reverse("concerns:new"), {**_form(world), "attachments": [exe]})
    assert r.status_code == 400
    assert "not a kind of file Haven keeps" in r.text


@pytest.mark.parametrize("key", ["admin_a", "trust_lead_a", "la_officer_a", "governor_a"])
def test_roles_that_do_not_record_concerns_get_404(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(reverse("concerns:new")).status_code == 404


def test_an_urgent_concern_alerts_every_dsl_and_deputy_at_once(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["staff_a"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("concerns:new"), _form(world, urgent="on"))
    assert r.status_code == 302
    concern = Concern.objects.get()
    recipients = sorted(a.recipient.email for a in Alert.objects.filter(concern=concern, kind="urgent"))
    assert recipients == ["deputy_a@example.org", "dsl_a@example.org"]
    assert sorted(m.to[0] for m in mail.outbox) == recipients
    # The email points to Haven and carries none of the record.
    assert "shoving" not in mail.outbox[0].body and concern.reference in mail.outbox[0].subject


def test_an_unacknowledged_urgent_concern_escalates_to_the_head_after_an_hour(client, world):
    from haven.concerns.tasks import ESCALATE_AFTER, escalate_overdue_urgent_concerns

    sign_in(client, world.users["staff_a"])
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    concern = Concern.objects.get()
    with mock.patch("django.utils.timezone.now", return_value=concern.recorded_at + dt.timedelta(minutes=59)):
        assert escalate_overdue_urgent_concerns() == 0  # not yet an hour
    with mock.patch("django.utils.timezone.now", return_value=concern.recorded_at + ESCALATE_AFTER):
        assert escalate_overdue_urgent_concerns() == 1
    assert Alert.objects.get(kind="escalation").recipient == world.users["head_a"]
    with mock.patch("django.utils.timezone.now", return_value=concern.recorded_at + 2 * ESCALATE_AFTER):
        assert escalate_overdue_urgent_concerns() == 0  # only once


def test_an_acknowledged_urgent_concern_does_not_escalate(client, world):
    from haven.concerns.services import concern_acknowledge
    from haven.concerns.tasks import escalate_overdue_urgent_concerns

    sign_in(client, world.users["staff_a"])
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    concern = Concern.objects.get()
    concern_acknowledge(by=world.users["dsl_a"], concern=concern)
    with mock.patch("django.utils.timezone.now", return_value=concern.recorded_at + dt.timedelta(hours=2)):
        assert escalate_overdue_urgent_concerns() == 0
    assert not Alert.objects.filter(kind="escalation").exists()


def test_an_urgent_concern_from_before_the_outbox_still_escalates(client, world):
    """The safety net writes the head's alert for an urgent concern that has none."""
    from haven.alerts.models import OutboxAlert
    from haven.concerns.tasks import escalate_overdue_urgent_concerns

    sign_in(client, world.users["staff_a"])
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    concern = Concern.objects.get()
    OutboxAlert.objects.filter(kind="escalation").delete()
    Concern.objects.filter(pk=concern.pk).update(recorded_at=timezone.now() - dt.timedelta(minutes=61))
    assert escalate_overdue_urgent_concerns() == 1
    assert Alert.objects.get(kind="escalation").recipient == world.users["head_a"]
    assert escalate_overdue_urgent_concerns() == 0


def test_a_submitted_concern_cannot_be_edited_only_amended(client, world):
    sign_in(client, world.users["staff_a"])
    client.post(reverse("concerns:new"), _form(world))
    concern = Concern.objects.get()
    concern.what_happened = "changed"
    with pytest.raises(ValueError):
        concern.save()
    r = client.post(
        reverse("concerns:amend", args=[concern.reference]),
        {"kind": "correction", "text": "It was Tuesday, not Monday."},
    )
    assert r.status_code == 302
    page = client.get(reverse("concerns:detail", args=[concern.reference]))
    assert "It was Tuesday, not Monday." in page.text
    assert "Sam said an older boy pushed him" in page.text


def test_staff_without_a_second_factor_set_it_up_before_recording(client, world):
    """ASVS V6.3.3: staff too sign in with two factors. Someone with a password only is sent to
    set up their second factor before the concern form, and nothing is recorded."""
    sign_in(client, world.users["staff_a"], verified=False)
    for r in (client.get(reverse("concerns:new")), client.post(reverse("concerns:new"), _form(world))):
        assert r.status_code == 302 and r["Location"] == reverse("accounts:two_factor_setup")
    assert not Concern.objects.exists()


def test_after_setting_up_two_factors_staff_record_the_concern(client, world):
    from django_otp.oath import TOTP

    from haven.accounts.models import AuthenticatorApp

    sign_in(client, world.users["staff_a"], verified=False)
    client.get(reverse("accounts:two_factor_setup"))
    device = AuthenticatorApp.objects.get(user=world.users["staff_a"], confirmed=False)
    token = str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)
    client.post(reverse("accounts:two_factor_setup"), {"token": token})
    r = client.post(reverse("concerns:new"), _form(world))
    concern = Concern.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("concerns:detail", args=[concern.reference])
    assert client.get(r["Location"]).status_code == 200


def test_the_escalation_sweep_command(client, world, capsys):
    from django.core.management import call_command

    sign_in(client, world.users["staff_a"])
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    recorded_at = Concern.objects.get().recorded_at
    with mock.patch("django.utils.timezone.now", return_value=recorded_at + dt.timedelta(hours=2)):
        call_command("escalate_concerns")
    assert "Escalation alerts sent: 1" in capsys.readouterr().out


def test_the_time_is_left_blank_and_a_blank_time_is_kept_as_not_known(client, world):
    sign_in(client, world.users["staff_a"])
    page = client.get(reverse("concerns:new")).text
    time_input = page[page.index('name="occurred_time"') - 200 : page.index('name="occurred_time"') + 200]
    assert "value=" not in time_input.split("<input", 1)[-1].split(">", 1)[0], "never filled in for them"
    assert f'value="{timezone.localdate().isoformat()}"' in page  # the date is today's
    day = timezone.localdate() - dt.timedelta(days=2)
    r = client.post(reverse("concerns:new"), _form(world, occurred_on=day.isoformat(), occurred_time=""))
    assert r.status_code == 302
    concern = Concern.objects.get()
    assert not concern.occurred_time_known
    assert timezone.localtime(concern.occurred_at).date() == day
    sign_in(client, world.users["dsl_a"])
    detail = client.get(reverse("concerns:detail", args=[concern.reference])).text
    assert f'{day.day} {day:%b %Y} <span class="hint">(time not known)</span>' in detail
    from haven.chronology.selectors import pupil_chronology_for

    _, entries = pupil_chronology_for(world.users["dsl_a"], world.pupils["a"].pk)
    entry = next(e for e in entries if e.kind == "concern")
    assert entry.all_day and entry.when == f"{day.day} {day:%b %Y}", "no 00:00 it never had"


def test_a_time_later_than_now_is_reported_on_the_time_field(client, world):
    sign_in(client, world.users["staff_a"])
    # At 14:00 today (UK time), whatever the hour the test runs: 15:00 is later the same day.
    two_pm = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(14, 0)))
    with mock.patch("django.utils.timezone.now", return_value=two_pm.astimezone(dt.UTC)):
        r = client.post(
            reverse("concerns:new"),
            _form(world, occurred_on=two_pm.date().isoformat(), occurred_time="15:00"),
        )
    assert r.status_code == 400
    assert 'id="id_occurred_time_error"' in r.text and "cannot be later than now" in r.text
    assert 'id="id_occurred_on_error"' not in r.text


def test_a_date_in_the_future_is_reported_on_the_date_field(client, world):
    sign_in(client, world.users["staff_a"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.post(reverse("concerns:new"), _form(world, occurred_on=tomorrow, occurred_time=""))
    assert r.status_code == 400
    assert 'id="id_occurred_on_error"' in r.text and "date it happened cannot be in the future" in r.text


def test_the_kinds_are_grouped_and_a_group_with_a_ticked_kind_opens(client, world):
    sign_in(client, world.users["staff_a"])
    page = client.get(reverse("concerns:new")).text
    groups = page.count('<details class="category-group"')
    assert groups >= 5 and '<details class="category-group" open' not in page
    bullying = Category.objects.get(code="bullying")
    r = client.post(reverse("concerns:new"), _form(world, what_happened="", categories=[bullying.pk]))
    assert r.status_code == 400
    opened = r.text[r.text.index('<details class="category-group" open') :]
    assert f'value="{bullying.pk}"' in opened[: opened.index("</details>")] and "(1 chosen)" in opened
