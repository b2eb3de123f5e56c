"""Telling a new school's safeguarding leads that a child's file is waiting for them, through
the outbox (haven.alerts), written in the transaction that sends the file. If the file was
withdrawn or received before the email could go, it is not sent (recorded as not needed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse

from haven.access.policy import Capability, holders_of
from haven.alerts.handlers import register
from haven.alerts.models import OutboxAlert
from haven.alerts.services import alerts_enqueue
from haven.core.links import site_url

if TYPE_CHECKING:
    from .models import FileTransfer


def transfer_alerts_write(transfer: FileTransfer) -> list[OutboxAlert]:
    to_school = transfer.to_school
    if to_school is None:
        return []
    memberships = holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[to_school.pk]).select_related("user")
    # The email says where to look, never whose file it is: email is not a safe place for it.
    return alerts_enqueue(
        kind=OutboxAlert.Kind.TRANSFER_WAITING,
        school_id=to_school.pk,
        about_id=transfer.pk,
        reference=f"transfer {transfer.pk}",
        recipients=sorted((m.user for m in memberships), key=lambda u: u.pk),
        subject=f"A child-protection file from {transfer.school.name} is waiting for you",
        body=(
            f"{transfer.school.name} has sent {to_school.name} a child's child-protection file through Haven.\n\n"
            "Read it and confirm you received it, so the sending school knows it arrived:\n"
            f"{site_url(reverse('records:transfer_detail', args=[transfer.pk]))}\n"
        ),
    )


def _transfer_not_needed(alert: OutboxAlert) -> str | None:
    from .models import FileTransfer

    status = FileTransfer.objects.filter(pk=alert.about_id).values_list("status", flat=True).first()
    return None if status == FileTransfer.Status.SENT else "The file was withdrawn or received before the email went."


def register_alerts() -> None:
    register(OutboxAlert.Kind.TRANSFER_WAITING, not_needed=_transfer_not_needed)
