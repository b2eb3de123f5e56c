"""Recording a concern through the page, as a member of staff would."""

from __future__ import annotations

import datetime as dt

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
    sign_in(client, world.users["staff_a"], verified=False)
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
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.post(reverse("concerns:new"), _form(world, child_1_query="alex sm"))
    assert r.status_code == 400
    assert "2 pupils match" in r.text
    assert 'name="child_1_pupil"' in r.text
    assert "He keeps shoving me" in r.text  # nothing typed is lost
    assert not Concern.objects.exists()


def test_no_child_is_refused(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.post(reverse("concerns:new"), _form(world, child_1_query="", child_1_role=""))
    assert r.status_code == 400
    assert "Name at least one child" in r.text


def test_a_future_date_is_refused(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.post(reverse("concerns:new"), _form(world, occurred_on=tomorrow))
    assert r.status_code == 400
    assert "cannot be in the future" in r.text


def test_a_child_from_another_school_cannot_be_forged_in(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.post(reverse("concerns:new"), _form(world, child_1_query=f"#{world.pupils['b'].pk}"))
    assert r.status_code == 400
    assert not Concern.objects.exists()
    assert world.pupils["b"].legal_forename not in r.text


def test_an_unknown_category_is_refused(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.post(reverse("concerns:new"), _form(world, categories=[999999]))
    assert r.status_code == 400
    assert not Concern.objects.exists()


def test_a_one_megabyte_narrative_is_refused_with_the_limit(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
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
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.post(reverse("concerns:new"), _form(world, location="online"))
    assert r.status_code == 400
    assert "Name the app, game or website" in r.text
    r = client.post(reverse("concerns:new"), _form(world, location="online", online_platform="Snapchat"))
    assert r.status_code == 302
    assert Concern.objects.get().online_platform == "Snapchat"


def test_it_refuses_nude_images_and_explains_what_to_do(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
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
    sign_in(client, world.users["staff_a"], verified=False)
    exe = SimpleUploadedFile("report.pdf", b"MZ\x90\x00" + b"\x00\xff" * 40, content_type="application/pdf")
    r = client.post(reverse("concerns:new"), {**_form(world), "attachments": [exe]})
    assert r.status_code == 400
    assert "not a kind of file Haven keeps" in r.text


@pytest.mark.parametrize("key", ["admin_a", "trust_lead_a", "la_officer_a", "governor_a"])
def test_roles_that_do_not_record_concerns_get_404(client, world, key):
    sign_in(client, world.users[key])
    assert client.get(reverse("concerns:new")).status_code == 404


def test_an_urgent_concern_alerts_every_dsl_and_deputy_at_once(client, world, django_capture_on_commit_callbacks):
    sign_in(client, world.users["staff_a"], verified=False)
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
    from haven.concerns.tasks import escalate_overdue_urgent_concerns

    sign_in(client, world.users["staff_a"], verified=False)
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    concern = Concern.objects.get()
    assert escalate_overdue_urgent_concerns() == 0  # not yet an hour
    Concern.objects.filter(pk=concern.pk).update(recorded_at=timezone.now() - dt.timedelta(minutes=61))
    assert escalate_overdue_urgent_concerns() == 1
    assert Alert.objects.get(kind="escalation").recipient == world.users["head_a"]
    assert escalate_overdue_urgent_concerns() == 0  # only once


def test_an_acknowledged_urgent_concern_does_not_escalate(client, world):
    from haven.concerns.services import concern_acknowledge
    from haven.concerns.tasks import escalate_overdue_urgent_concerns

    sign_in(client, world.users["staff_a"], verified=False)
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    concern = Concern.objects.get()
    concern_acknowledge(by=world.users["dsl_a"], concern=concern)
    Concern.objects.filter(pk=concern.pk).update(recorded_at=timezone.now() - dt.timedelta(hours=2))
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


def test_staff_without_two_factors_record_but_must_step_up_to_read(client, world):
    """DESIGN §11: record without a second factor, read history only with one."""
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.post(reverse("concerns:new"), _form(world))
    assert r.status_code == 302 and r["Location"] == reverse("concerns:mine")
    concern = Concern.objects.get()
    mine = client.get(reverse("concerns:mine"))
    assert concern.reference in mine.text and "Not yet" in mine.text
    assert "Bullying" not in mine.text  # no content before the step-up
    r = client.get(reverse("concerns:detail", args=[concern.reference]))
    assert r.status_code == 302 and r["Location"] == reverse("accounts:two_factor_setup")
    assert "shoving" not in client.get(r["Location"]).text


def test_after_setting_up_two_factors_staff_return_to_the_record(client, world):
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    sign_in(client, world.users["staff_a"], verified=False)
    client.post(reverse("concerns:new"), _form(world))
    concern = Concern.objects.get()
    detail = reverse("concerns:detail", args=[concern.reference])
    client.get(detail)  # sends them to set up
    client.get(reverse("accounts:two_factor_setup"))
    device = TOTPDevice.objects.get(user=world.users["staff_a"], confirmed=False)
    token = str(TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()).zfill(6)
    client.post(reverse("accounts:two_factor_setup"), {"token": token})
    codes = client.get(reverse("accounts:recovery_codes"))
    assert f'href="{detail}"' in codes.text
    assert client.get(detail).status_code == 200


def test_the_escalation_sweep_command(client, world, capsys):
    from django.core.management import call_command

    sign_in(client, world.users["staff_a"], verified=False)
    client.post(reverse("concerns:new"), _form(world, urgent="on"))
    Concern.objects.update(recorded_at=timezone.now() - dt.timedelta(hours=2))
    call_command("escalate_concerns")
    assert "Escalation alerts sent: 1" in capsys.readouterr().out
