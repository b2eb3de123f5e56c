"""Telling a new school's safeguarding leads that a child's file is waiting for them goes
through the outbox (haven.records.alerts). This task remains for notices queued before it:
it writes the transfer's alerts if it has none and sends what is due."""

from __future__ import annotations

from django.db import transaction
from django_tasks import task

from haven.alerts.delivery import send_due
from haven.alerts.models import OutboxAlert

from .alerts import transfer_alerts_write


@task()
def transfer_sent_notify(transfer_id: int) -> int:
    from .models import FileTransfer

    kind = OutboxAlert.Kind.TRANSFER_WAITING
    with transaction.atomic():
        transfer = FileTransfer.objects.select_related("school", "to_school").get(pk=transfer_id)
        written = OutboxAlert.objects.filter(kind=kind, about_id=transfer_id).exists()
        if transfer.status == FileTransfer.Status.SENT and not written:
            transfer_alerts_write(transfer)
    return send_due(kinds=[kind]).sent
