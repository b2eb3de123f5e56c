"""A transferred file carries its attachments: a ZIP beside the PDF, each file as it was
stored (checked against its SHA-256), named with its hash in the ZIP's manifest with the
PDF's own; for the same people as the PDF; a file whose stored bytes changed is refused,
naming it, and nothing is sent."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.audit.models import AuditEvent
from haven.concerns.models import Attachment, Category
from haven.concerns.services import ChildInConcern, concern_submit
from haven.core.errors import ApplicationError
from haven.records.models import FileTransfer
from haven.records.services import transfer_send

NOTES = b"%PDF-1.4\n" + b"handwritten notes " * 20
PHOTO = b"\x89PNG\r\n\x1a\n" + b"\x01" * 200


def _concern_with(world, *files):
    return concern_submit(
        by=world.users["staff_a"],
        school=world.school_a,
        children=[ChildInConcern(world.pupils["a"].pk, "affected")],
        occurred_at=timezone.now() - dt.timedelta(days=3),
        location="corridor",
        category_ids=[Category.objects.get(code="bullying").pk],
        what_happened="Pushed into the lockers.",
        child_told_next_steps="yes",
        attachments=list(files),
    )


@pytest.fixture
def leaver_with_files(world):
    first = _concern_with(world, SimpleUploadedFile("notes from form tutor.pdf", NOTES, "application/pdf"))
    second = _concern_with(world, SimpleUploadedFile("../../screenshot of chat.png", PHOTO, "image/png"))
    pupil = world.pupils["a"]
    pupil.left_on = timezone.localdate() - dt.timedelta(days=1)
    pupil.save()
    return pupil, first, second


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_attachments_travel_whole_and_the_new_school_opens_them(client, world, leaver_with_files):
    pupil, first, second = leaver_with_files
    t = transfer_send(by=world.users["dsl_a"], pupil=pupil, left_on=pupil.left_on, to_school=world.school_b)
    assert t.attachment_count == 2 and t.archive_size > 0
    assert hashlib.sha256(t.archive.open("rb").read()).hexdigest() == t.archive_sha256

    sign_in(client, world.users["dsl_b"])
    page = client.get(reverse("records:transfer_detail", args=[t.pk])).text
    assert "Download the attachments (ZIP, 2 files" in page and t.archive_sha256 in page
    r = client.get(reverse("records:transfer_archive", args=[t.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    assert r["Cache-Control"] == "no-store"
    assert f"child-protection-file-{t.pk}-attachments.zip" in r["Content-Disposition"]
    archive = _zip(r)
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["file_pdf_sha256"] == t.sha256 and manifest["pupil_upn"] == pupil.upn
    names = [a["name"] for a in manifest["attachments"]]
    assert names == [
        f"attachments/01-{first.reference}-notes-from-form-tutor.pdf",
        f"attachments/02-{second.reference}-screenshot-of-chat.png",  # no folders from the uploader's name
    ]
    for listed, data in zip(manifest["attachments"], (NOTES, PHOTO), strict=True):
        assert archive.read(listed["name"]) == data
        assert (
            listed["sha256"]
            == hashlib.sha256(data).hexdigest()
            == Attachment.objects.get(original_name=listed["original_name"]).sha256
        )
    assert sorted(archive.namelist()) == sorted([*names, "manifest.json"])
    event = AuditEvent.objects.filter(object_type="records.filetransfer", object_id=str(t.pk)).latest("pk")
    assert event.extra == {"format": "zip", "sha256": t.archive_sha256} and event.school_id == world.school_b.pk


def test_other_schools_and_a_withdrawn_file_do_not_open(client, world, leaver_with_files):
    pupil, _, _ = leaver_with_files
    t = transfer_send(by=world.users["dsl_a"], pupil=pupil, left_on=pupil.left_on, to_school=world.school_b)
    url = reverse("records:transfer_archive", args=[t.pk])
    for who in ("dsl_m", "staff_a", "admin_a", "staff_b"):
        sign_in(client, world.users[who])
        assert client.get(url).status_code == 404, who
    sign_in(client, world.users["dsl_a"])
    client.post(reverse("records:transfer_detail", args=[t.pk]), {"action": "withdraw", "reason": "Wrong school."})
    assert FileTransfer.objects.get().status == FileTransfer.Status.WITHDRAWN
    sign_in(client, world.users["dsl_b"])
    assert client.get(url).status_code == 404


def test_a_file_without_attachments_has_no_archive(client, world, make_concern):
    make_concern()
    pupil = world.pupils["a"]
    t = transfer_send(by=world.users["dsl_a"], pupil=pupil, left_on=timezone.localdate(), to_school=world.school_b)
    assert (t.attachment_count, t.archive_size, t.archive_sha256, bool(t.archive)) == (0, 0, "", False)
    sign_in(client, world.users["dsl_b"])
    assert (
        "None: the concerns in this file have no attachments."
        in client.get(reverse("records:transfer_detail", args=[t.pk])).text
    )
    assert client.get(reverse("records:transfer_archive", args=[t.pk])).status_code == 404
    assert not AuditEvent.objects.filter(object_type="records.filetransfer", extra__format="zip").exists()


def test_an_attachment_changed_since_it_was_stored_stops_the_send(world, leaver_with_files):
    pupil, first, _ = leaver_with_files
    stored = first.attachments.get()
    with open(stored.file.path, "wb") as f:
        f.write(NOTES + b"tampered")
    with pytest.raises(ApplicationError, match=r"notes from form tutor\.pdf"):
        transfer_send(by=world.users["dsl_a"], pupil=pupil, left_on=pupil.left_on, to_school=world.school_b)
    assert not FileTransfer.objects.exists()


def test_a_missing_archive_is_a_404_and_an_error_in_the_log(client, world, leaver_with_files, caplog):
    pupil, _, _ = leaver_with_files
    t = transfer_send(by=world.users["dsl_a"], pupil=pupil, left_on=pupil.left_on, to_school=world.school_b)
    assert t.archive.name
    t.archive.storage.delete(t.archive.name)
    sign_in(client, world.users["dsl_b"])
    assert client.get(reverse("records:transfer_archive", args=[t.pk])).status_code == 404
    assert any("archive is missing" in r.getMessage() and r.levelname == "ERROR" for r in caplog.records)
