"""Sending a child's child-protection file, confirming its receipt, withdrawing it."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.http import Http404
from django.utils import timezone

from haven.audit.models import Action, AuditEvent
from haven.core.errors import ApplicationError
from haven.organisations.models import SchoolClosure
from haven.records import selectors
from haven.records.models import FileTransfer
from haven.records.services import send_by_for, transfer_confirm_receipt, transfer_send, transfer_withdraw
from haven.records.tasks import transfer_sent_notify
from haven.testing import factories as f


def _send(world, pupil, **kw):
    kw.setdefault("to_school", world.school_b)
    return transfer_send(by=world.users["dsl_a"], pupil=pupil, left_on=pupil.left_on or timezone.localdate(), **kw)


def test_sending_makes_a_pdf_kept_with_its_hash_and_entry_count(world, leaver):
    t = _send(world, leaver)
    t.refresh_from_db()
    data = t.file.open("rb").read()
    assert data.startswith(b"%PDF")
    assert t.sha256 == hashlib.sha256(data).hexdigest()
    assert t.size == len(data)
    assert t.entries >= 1
    assert t.status == FileTransfer.Status.SENT
    assert t.to_school_name == "Birch Academy"
    assert t.school == world.school_a
    assert AuditEvent.objects.filter(
        action=Action.CREATE, object_type="records.filetransfer", school=world.school_a
    ).exists()


def test_send_by_is_five_school_days_skipping_weekends_and_closures(world):
    friday = dt.date(2026, 10, 16)
    assert friday.weekday() == 4
    assert send_by_for(world.school_a.pk, friday) == dt.date(2026, 10, 23)
    SchoolClosure.objects.create(
        school=world.school_a, name="Half term", first_day=dt.date(2026, 10, 19), last_day=dt.date(2026, 10, 23)
    )
    assert send_by_for(world.school_a.pk, friday) == dt.date(2026, 10, 30)
    # Another school's closure changes nothing here.
    assert send_by_for(world.school_b.pk, friday) == dt.date(2026, 10, 23)


def test_it_cannot_go_to_the_same_school(world, leaver):
    with pytest.raises(ApplicationError) as e:
        _send(world, leaver, to_school=world.school_a)
    assert e.value.field == "to_school"


def test_it_needs_a_destination(world, leaver):
    with pytest.raises(ApplicationError) as e:
        _send(world, leaver, to_school=None, to_school_name="  ")
    assert e.value.field == "to_school_name"


def test_a_second_waiting_transfer_to_the_same_place_is_refused(world, leaver):
    _send(world, leaver)
    with pytest.raises(ApplicationError, match="already been sent"):
        _send(world, leaver)
    _send(world, leaver, to_school=None, to_school_name="St Elsewhere", to_contact="Ms Ray")
    with pytest.raises(ApplicationError, match="already been sent"):
        _send(world, leaver, to_school=None, to_school_name="st elsewhere")
    assert FileTransfer.objects.count() == 2


def test_the_leaving_date_cannot_be_more_than_three_months_ahead(world, leaver):
    with pytest.raises(ApplicationError) as e:
        transfer_send(
            by=world.users["dsl_a"],
            pupil=leaver,
            left_on=timezone.localdate() + dt.timedelta(days=93),
            to_school=world.school_b,
        )
    assert e.value.field == "left_on"
    assert not FileTransfer.objects.exists()


@pytest.mark.parametrize("who", ["head_a", "staff_a", "dsl_b"])
def test_only_the_sending_schools_leads_can_send(world, leaver, who):
    with pytest.raises(ApplicationError):
        transfer_send(by=world.users[who], pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)


def test_receipt_in_haven_matches_the_child_at_the_new_school_by_upn(world, leaver):
    joined = f.PupilFactory(school=world.school_b, upn=leaver.upn, legal_forename="Same", legal_surname="Child")
    f.PupilFactory(school=world.school_m, upn=leaver.upn)  # same UPN elsewhere: not this one
    t = _send(world, leaver)
    with pytest.raises(ApplicationError):
        transfer_confirm_receipt(by=world.users["dsl_a"], transfer=t)  # the sender cannot confirm
    t = transfer_confirm_receipt(by=world.users["deputy_b"], transfer=t)
    t.refresh_from_db()
    assert t.status == FileTransfer.Status.RECEIVED
    assert t.to_pupil == joined
    assert t.received_by == world.users["deputy_b"]
    assert t.received_at is not None
    with pytest.raises(ApplicationError, match="already"):
        transfer_confirm_receipt(by=world.users["dsl_b"], transfer=t)


def test_receipt_outside_haven_needs_a_name_and_a_sensible_day(world, leaver):
    t = _send(world, leaver, to_school=None, to_school_name="St Elsewhere", to_contact="Ms Ray, DSL")
    dsl = world.users["dsl_a"]
    with pytest.raises(ApplicationError) as e:
        transfer_confirm_receipt(by=dsl, transfer=t, confirmed_by=" ")
    assert e.value.field == "confirmed_by"
    with pytest.raises(ApplicationError) as e:
        transfer_confirm_receipt(
            by=dsl, transfer=t, confirmed_by="Ms Ray", received_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert e.value.field == "received_on"
    with pytest.raises(ApplicationError) as e:
        transfer_confirm_receipt(
            by=dsl, transfer=t, confirmed_by="Ms Ray", received_on=timezone.localdate() - dt.timedelta(days=1)
        )
    assert e.value.field == "received_on"
    with pytest.raises(ApplicationError):
        transfer_confirm_receipt(by=world.users["dsl_b"], transfer=t, confirmed_by="Ms Ray")
    t = transfer_confirm_receipt(by=dsl, transfer=t, confirmed_by="Ms Ray", received_on=timezone.localdate())
    assert t.status == FileTransfer.Status.RECEIVED
    assert t.receipt_confirmed_by == "Ms Ray"
    assert t.to_pupil is None


def test_withdrawing_needs_a_reason_and_then_the_new_school_gets_404(world, leaver):
    t = _send(world, leaver)
    assert selectors.transfer_get_for(world.users["dsl_b"], t.pk).pk == t.pk
    with pytest.raises(ApplicationError) as e:
        transfer_withdraw(by=world.users["dsl_a"], transfer=t, reason="   ")
    assert e.value.field == "reason"
    with pytest.raises(ApplicationError):
        transfer_withdraw(by=world.users["dsl_b"], transfer=t, reason="Not ours")
    transfer_withdraw(by=world.users["dsl_a"], transfer=t, reason="Sent to the wrong school.")
    t.refresh_from_db()
    assert t.status == FileTransfer.Status.WITHDRAWN
    with pytest.raises(Http404):
        selectors.transfer_get_for(world.users["dsl_b"], t.pk)
    with pytest.raises(Http404):
        selectors.file_read_for(world.users["dsl_b"], t.pk)
    assert selectors.transfer_get_for(world.users["head_a"], t.pk).pk == t.pk
    # Withdrawn, the child's file is to send again.
    assert [lv.pupil for lv in selectors.leavers_to_send_for(world.users["dsl_a"])] == [leaver]


def test_leavers_with_a_file_to_send_are_listed_until_it_is_sent(world, leaver):
    f.PupilFactory(school=world.school_a, left_on=timezone.localdate())  # nothing recorded: no file to send
    assert [lv.pupil for lv in selectors.leavers_to_send_for(world.users["dsl_a"])] == [leaver]
    assert selectors.leaver_counts([world.school_a.pk]) == {world.school_a.pk: 1}
    assert selectors.leavers_to_send_for(world.users["head_a"]) == []
    _send(world, leaver)
    assert selectors.leavers_to_send_for(world.users["dsl_a"]) == []
    assert selectors.waiting_counts([world.school_b.pk]) == {world.school_b.pk: 1}


def test_the_email_to_the_new_school_never_names_the_child(world, leaver, mailoutbox):
    t = _send(world, leaver)
    mailoutbox.clear()
    assert transfer_sent_notify.call(t.pk) == 2  # the DSL and the deputy of school B
    assert sorted(m.to[0] for m in mailoutbox) == ["deputy_b@example.org", "dsl_b@example.org"]
    for m in mailoutbox:
        text = m.subject + m.body
        for word in (leaver.legal_forename, leaver.legal_surname, leaver.upn, leaver.forename):
            assert word not in text
        assert f"/records/transfers/{t.pk}/" in m.body


def test_sending_tells_the_new_schools_leads_after_commit(
    world, leaver, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(world, leaver)
    assert sorted(m.to[0] for m in mailoutbox) == ["deputy_b@example.org", "dsl_b@example.org"]
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _send(world, leaver, to_school=None, to_school_name="St Elsewhere", to_contact="Ms Ray")
    assert mailoutbox == []


def test_a_send_refused_at_the_last_moment_leaves_no_file_behind(world, leaver, monkeypatch, settings):
    """Two leads sending at once: the second finds the first's inside its transaction."""
    from haven.records import services

    answers = iter([False, True])
    monkeypatch.setattr(services, "_already_waiting", lambda *args: next(answers))
    with pytest.raises(ApplicationError, match="already been sent"):
        _send(world, leaver)
    assert not FileTransfer.objects.exists()
    assert not [p for p in (settings.MEDIA_ROOT / "transfers").rglob("*") if p.is_file()]
    monkeypatch.undo()
    assert _send(world, leaver).file.name.startswith("transfers/")
    assert len([p for p in (settings.MEDIA_ROOT / "transfers").rglob("*") if p.is_file()]) == 1


@pytest.mark.parametrize("day", [dt.date(1, 1, 1), "a year and a week ago"])
def test_the_leaving_date_cannot_be_long_ago(world, leaver, day):
    if day == "a year and a week ago":
        day = timezone.localdate() - dt.timedelta(days=373)
    with pytest.raises(ApplicationError) as e:
        transfer_send(by=world.users["dsl_a"], pupil=leaver, left_on=day, to_school=world.school_b)
    assert e.value.field == "left_on"
    assert not FileTransfer.objects.exists()
