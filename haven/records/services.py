"""Sending a child's child-protection file to their new school, confirming its receipt,
withdrawing one sent to the wrong place. Each is one transaction with its audit row."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
import zipfile
from typing import TYPE_CHECKING, cast

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from haven.access.policy import Capability, can, case_visibility, concern_visibility
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases.models import Case
from haven.cases.schooldays import add_school_days, closures_by_school
from haven.chronology.selectors import pupil_chronology_for
from haven.concerns.models import Attachment, Concern
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.core.pdf import pdf_bytes
from haven.people.models import Pupil

from .models import CONFIRM_WITHIN_SCHOOL_DAYS, LEFT_DAYS_AHEAD, LEFT_DAYS_BACK, SEND_WITHIN_SCHOOL_DAYS, FileTransfer

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.organisations.models import School


def send_by_for(school_id: int, left_on: dt.date) -> dt.date:
    """KCSIE: the file goes within 5 school days of the child leaving."""
    closures = closures_by_school([school_id], since=left_on).get(school_id, [])
    return add_school_days(left_on, SEND_WITHIN_SCHOOL_DAYS, closures)


def _file_contents(*, by: User, pupil: Pupil, ctx: AuditContext) -> tuple[bytes, int, list[Attachment]]:
    """The file as the sending lead may read it: the child's details, cases and chronology
    (whose read the chronology's selector audits), and the attachments it lists."""

    _, entries = pupil_chronology_for(by, pupil.pk, ctx=ctx)
    cases = list(
        Case.objects.filter(case_visibility(by), children__pupil_id=pupil.pk)
        .distinct()
        .order_by("opened_at", "pk")
        .only("reference", "title", "status", "opened_at", "closed_at", "restricted")
    )
    concerns = Concern.objects.filter(concern_visibility(by), children__pupil_id=pupil.pk)
    attachments = list(
        Attachment.objects.filter(concern__in=concerns.values("pk"))
        .select_related("concern")
        .order_by("uploaded_at", "pk")
    )
    pdf = pdf_bytes(
        "records/file_pdf.html",
        {
            "pupil": pupil,
            "school_name": pupil.school.name,
            "entries": entries,
            "cases": cases,
            "attachments": attachments,
            "printed_at": clock.localtime(),
            "printed_by": by.full_name,
        },
    )
    return pdf, len(entries), attachments


def _archive_name(n: int, attachment: Attachment) -> str:
    """attachments/01-C-140001-00007-notes.pdf: numbered as the PDF lists them, the concern's
    reference, then the uploader's name with anything but letters, digits, dots, dashes and
    underscores made a dash (no folders, nothing hidden)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", attachment.original_name).strip(".-") or "attachment"
    return f"attachments/{n:02d}-{attachment.concern.reference}-{safe[-120:]}"


def _archive(pupil: Pupil, pdf: bytes, attachments: list[Attachment], *, by: User) -> bytes:
    """The attachments in one ZIP with a manifest.json of each file's name, size and SHA-256,
    and the PDF's. Each file is read back and checked against the hash it was stored with:
    one that changed since is refused, naming it, rather than sent."""
    manifest: dict[str, object] = {
        "format": "haven-child-protection-file-attachments/1",
        "school": {"name": pupil.school.name, "urn": pupil.school.urn},
        "pupil_upn": pupil.upn,
        "made_at": clock.now().isoformat(),
        "made_by": by.full_name,
        "file_pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        "attachments": [],
    }
    listed = cast("list[dict[str, object]]", manifest["attachments"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for n, attachment in enumerate(attachments, start=1):
            with attachment.file.open("rb") as stored:
                data = stored.read()
            if hashlib.sha256(data).hexdigest() != attachment.sha256:
                raise ApplicationError(
                    f"The attachment “{attachment.original_name}” of concern {attachment.concern.reference} is not "
                    "the file that was stored (its SHA-256 differs), so the file was not sent. Ask your Haven "
                    "administrator to restore it from a backup."
                )
            name = _archive_name(n, attachment)
            archive.writestr(name, data)
            listed.append(
                {
                    "name": name,
                    "original_name": attachment.original_name,
                    "concern": attachment.concern.reference,
                    "content_type": attachment.content_type,
                    "size": len(data),
                    "sha256": attachment.sha256,
                    "uploaded_at": attachment.uploaded_at.isoformat(),
                }
            )
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return buffer.getvalue()


def _already_waiting(pupil: Pupil, to_school: School | None, to_school_name: str) -> bool:
    waiting = FileTransfer.objects.filter(pupil=pupil, status=FileTransfer.Status.SENT)
    if to_school is not None:
        return waiting.filter(to_school=to_school).exists()
    return waiting.filter(to_school__isnull=True, to_school_name__iexact=to_school_name.strip()).exists()


ALREADY_SENT = (
    "This child's file has already been sent there and is waiting for receipt. Open it from the list of transfers."
)


def transfer_send(
    *,
    by: User,
    pupil: Pupil,
    left_on: dt.date,
    to_school: School | None = None,
    to_school_name: str = "",
    to_contact: str = "",
    ctx: AuditContext = COMMAND,
) -> FileTransfer:
    """Make the file and record it as sent. The PDF is made before the write transaction
    opens (it takes a moment, and on SQLite a transaction holds the write lock); the
    duplicate check is made again inside it."""
    if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=pupil.school):
        raise ApplicationError("Only the school's safeguarding leads can send a child's file.")
    if to_school is not None and to_school.pk == pupil.school_id:
        raise ApplicationError("Choose the child's new school, not this one.", field="to_school")
    if to_school is None and not to_school_name.strip():
        raise ApplicationError(
            "Choose the new school, or type its name if it does not use Haven.", field="to_school_name"
        )
    if left_on > clock.localdate() + dt.timedelta(days=LEFT_DAYS_AHEAD):
        raise ApplicationError("The date the child leaves must be within the next three months.", field="left_on")
    if left_on < clock.localdate() - dt.timedelta(days=LEFT_DAYS_BACK) or left_on < pupil.date_of_birth:
        raise ApplicationError("The date the child left must be within the last year.", field="left_on")
    if _already_waiting(pupil, to_school, to_school_name):
        raise ApplicationError(ALREADY_SENT)

    restricted = Case.objects.filter(children__pupil=pupil, restricted=True).distinct()
    if restricted.exclude(restricted_to=by).exists():
        # The file must be whole: a file without a case about the child would tell the new
        # school that nothing was recorded.
        raise ApplicationError(
            "This child is part of a case restricted to named people, and you are not named on it. One of the "
            "people named on it must send the file, so that it is complete."
        )
    restricted_ids = list(restricted.values_list("pk", flat=True))
    pdf, entries, attachments = _file_contents(by=by, pupil=pupil, ctx=ctx)
    archive = _archive(pupil, pdf, attachments, by=by) if attachments else b""
    now = clock.now()
    transfer = FileTransfer(
        school=pupil.school,
        pupil=pupil,
        to_school=to_school,
        to_school_name=to_school.name if to_school else to_school_name.strip(),
        to_contact=to_contact.strip(),
        left_on=left_on,
        send_by=send_by_for(pupil.school_id, left_on),
        sent_at=now,
        sent_by=by,
        confirm_by=add_school_days(
            timezone.localtime(now).date(),
            CONFIRM_WITHIN_SCHOOL_DAYS,
            closures_by_school([pupil.school_id], since=clock.localdate()).get(pupil.school_id, []),
        ),
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        entries=entries,
        archive_sha256=hashlib.sha256(archive).hexdigest() if archive else "",
        archive_size=len(archive),
        attachment_count=len(attachments),
    )
    stem = f"cp-file-{pupil.pk}-{now:%Y%m%d%H%M%S%f}"
    transfer.file.save(f"{stem}.pdf", ContentFile(pdf), save=False)
    if archive:
        transfer.archive.save(f"{stem}-attachments.zip", ContentFile(archive), save=False)
    try:
        with transaction.atomic():
            Pupil.objects.select_for_update().filter(pk=pupil.pk).first()  # one transfer at a time per child
            if _already_waiting(pupil, to_school, to_school_name):
                raise ApplicationError(ALREADY_SENT)
            transfer.save()
            transfer.restricted_cases.set(restricted_ids)
            audit_record(
                Event.FILE_TRANSFERRED,
                ctx=ctx,
                actor=by,
                obj=transfer,
                school=pupil.school,
                changes={"status": (None, transfer.status), "send_by": (None, transfer.send_by.isoformat())},
                extra={
                    "pupil": pupil.pk,
                    "to_school": to_school.pk if to_school else None,
                    "entries": entries,
                    "sha256": transfer.sha256,
                    "attachments": len(attachments),
                    "archive_sha256": transfer.archive_sha256,
                    "restricted_cases": restricted_ids,
                },
            )
            # History (haven.core.clock) is recorded, never emailed.
            if to_school is not None and not clock.writing_history():
                from .alerts import transfer_alerts_write

                transfer_alerts_write(transfer)  # saved with the transfer or not at all (haven.alerts)
    except BaseException:
        transfer.file.delete(save=False)  # no row refers to them
        if archive:
            transfer.archive.delete(save=False)
        raise
    return transfer


@transaction.atomic
def transfer_confirm_receipt(
    *,
    by: User,
    transfer: FileTransfer,
    confirmed_by: str = "",
    received_on: dt.date | None = None,
    ctx: AuditContext = COMMAND,
) -> FileTransfer:
    """In Haven, a safeguarding lead of the new school confirms; for a school outside Haven,
    the sending lead records who at the new school confirmed, and when."""
    transfer = (
        FileTransfer.objects.select_for_update(of=("self",)).select_related("pupil", "to_school").get(pk=transfer.pk)
    )
    if transfer.status != FileTransfer.Status.SENT:
        raise ApplicationError(f"This transfer is already {transfer.get_status_display().lower()}.")
    now = clock.now()
    if transfer.in_haven:
        assert transfer.to_school is not None  # in_haven
        if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=transfer.to_school):
            raise ApplicationError("Only the new school's safeguarding leads can confirm they received the file.")
        transfer.received_by = by
        transfer.receipt_confirmed_by = by.full_name
        transfer.received_at = now
        transfer.to_pupil = Pupil.objects.filter(school=transfer.to_school, upn=transfer.pupil.upn).first()
    else:
        if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=transfer.school):
            raise ApplicationError("Only the sending school's safeguarding leads can record receipt.")
        if not confirmed_by.strip():
            raise ApplicationError("Say who at the new school confirmed they received the file.", field="confirmed_by")
        day = received_on or clock.localdate()
        if day > clock.localdate():
            raise ApplicationError("The day of receipt cannot be in the future.", field="received_on")
        if day < timezone.localtime(transfer.sent_at).date():
            raise ApplicationError("The day of receipt cannot be before the file was sent.", field="received_on")
        transfer.received_by = by
        transfer.receipt_confirmed_by = confirmed_by.strip()
        transfer.received_at = (
            now
            if day == clock.localdate()
            else max(transfer.sent_at, timezone.make_aware(dt.datetime.combine(day, dt.time(12, 0))))
        )
    was = transfer.status
    transfer.status = FileTransfer.Status.RECEIVED
    transfer.save(update_fields=["status", "received_by", "receipt_confirmed_by", "received_at", "to_pupil"])
    audit_record(
        Event.FILE_RECEIVED,
        ctx=ctx,
        actor=by,
        obj=transfer,
        school=transfer.to_school if transfer.in_haven else transfer.school,
        changes={
            "status": (was, transfer.status),
            "received_on": (None, timezone.localtime(transfer.received_at).date().isoformat()),
        },
        extra={"status": "received", "matched_pupil": transfer.to_pupil_id},
    )
    return transfer


@transaction.atomic
def transfer_withdraw(*, by: User, transfer: FileTransfer, reason: str, ctx: AuditContext = COMMAND) -> FileTransfer:
    """Sent to the wrong school, say: the new school can no longer open it. Nothing is deleted."""
    transfer = FileTransfer.objects.select_for_update().get(pk=transfer.pk)
    if not can(by, Capability.WRITE_SCHOOL_RECORDS, school=transfer.school):
        raise ApplicationError("Only the sending school's safeguarding leads can withdraw a transfer.")
    if transfer.status != FileTransfer.Status.SENT:
        raise ApplicationError(
            f"This transfer is already {transfer.get_status_display().lower()}: it cannot be withdrawn."
        )
    if not reason.strip():
        raise ApplicationError("Say why the transfer is withdrawn.", field="reason")
    was = transfer.status
    transfer.status = FileTransfer.Status.WITHDRAWN
    transfer.withdrawn_at = clock.now()
    transfer.withdrawn_reason = reason.strip()
    transfer.save(update_fields=["status", "withdrawn_at", "withdrawn_reason"])
    audit_record(
        Event.FILE_WITHDRAWN,
        ctx=ctx,
        actor=by,
        obj=transfer,
        school=transfer.school,
        changes={"status": (was, transfer.status)},
        extra={"status": "withdrawn"},
    )
    return transfer
