"""A file transfer's audit events through the real pages: each has its name and channel, and
the old and new status (and dates) of the transfer."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.records.models import FileTransfer
from haven.records.services import transfer_send

pytestmark = pytest.mark.django_db

BROWSER = {"REMOTE_ADDR": "192.0.2.77", "HTTP_USER_AGENT": "RecordsBrowser/3.1"}


def _event(name: str, transfer: FileTransfer) -> AuditEvent:
    events = list(AuditEvent.objects.filter(event=name, object_type="records.filetransfer", object_id=str(transfer.pk)))
    assert len(events) == 1, (name, list(AuditEvent.objects.values_list("event", flat=True)))
    return events[0]


def _form(world) -> dict[str, str]:
    return {
        "to_school": str(world.school_b.pk),
        "to_school_name": "",
        "to_contact": "",
        "left_on": timezone.localdate().isoformat(),
        "confirm": "on",
    }


def test_sent_read_downloaded_and_received_between_two_schools(client, world, leaver):
    sign_in(client, world.users["dsl_a"])
    assert client.post(reverse("records:transfer_new", args=[leaver.pk]), _form(world), **BROWSER).status_code == 302
    t = FileTransfer.objects.get()
    sent = _event("file.transferred", t)
    assert (sent.channel, sent.action, sent.actor) == ("page", "create", world.users["dsl_a"])
    assert (sent.ip_address, sent.user_agent) == ("192.0.2.77", "RecordsBrowser/3.1")
    assert sent.extra["changes"] == {"status": [None, "sent"], "send_by": [None, t.send_by.isoformat()]}
    assert sent.extra["sha256"] == t.sha256 and sent.extra["pupil"] == leaver.pk
    assert "lockers" not in str(sent.extra)

    client.logout()
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("records:transfer_detail", args=[t.pk]), **BROWSER).status_code == 200
    viewed = _event("file.viewed", t)
    assert viewed.channel == "page" and viewed.actor == world.users["dsl_b"] and viewed.school_id == world.school_b.pk
    assert client.get(reverse("records:transfer_file", args=[t.pk]), **BROWSER).status_code == 200
    downloaded = _event("file.downloaded", t)
    assert downloaded.channel == "page" and downloaded.action == "export" and downloaded.extra["format"] == "pdf"

    r = client.post(reverse("records:transfer_detail", args=[t.pk]), {"action": "confirm"}, **BROWSER)
    assert r.status_code == 302
    received = _event("file.received", t)
    assert received.channel == "page" and received.actor == world.users["dsl_b"]
    assert received.extra["changes"] == {
        "status": ["sent", "received"],
        "received_on": [None, timezone.localdate().isoformat()],
    }
    assert received.extra["status"] == "received"


def test_a_withdrawal_on_the_page_records_the_status_not_the_reason(client, world, leaver):
    t = transfer_send(by=world.users["dsl_a"], pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    assert _event("file.transferred", t).channel == "command"  # no page: a command's default
    sign_in(client, world.users["dsl_a"])
    r = client.post(
        reverse("records:transfer_detail", args=[t.pk]),
        {"action": "withdraw", "reason": "Sent to the wrong school by mistake."},
        **BROWSER,
    )
    assert r.status_code == 302
    withdrawn = _event("file.withdrawn", t)
    assert withdrawn.channel == "page" and withdrawn.ip_address == "192.0.2.77"
    assert withdrawn.extra["changes"] == {"status": ["sent", "withdrawn"]}
    assert "wrong school" not in str(withdrawn.extra)


def test_refusals_on_the_pages_name_the_person(client, world, leaver):
    t = transfer_send(by=world.users["dsl_a"], pupil=leaver, left_on=leaver.left_on, to_school=world.school_b)
    sign_in(client, world.users["staff_a"])
    assert client.get(reverse("records:transfer_detail", args=[t.pk]), **BROWSER).status_code == 404
    refused = AuditEvent.objects.get(event="access.refused", object_type="records.filetransfer")
    assert (refused.channel, refused.actor, refused.ip_address) == ("page", world.users["staff_a"], "192.0.2.77")
    client.logout()
    sign_in(client, world.users["head_a"])  # reads the child's record, but sends no files
    assert client.get(reverse("records:transfer_new", args=[leaver.pk]), **BROWSER).status_code == 404
    refused = AuditEvent.objects.get(event="access.refused", object_type="people.pupil.transfer")
    assert (refused.channel, refused.actor) == ("page", world.users["head_a"])
