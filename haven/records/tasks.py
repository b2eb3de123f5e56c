"""Telling a new school's safeguarding leads that a child's file is waiting for them."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from haven.access.policy import Capability, holders_of
from haven.core.links import site_url


@task()
def transfer_sent_notify(transfer_id: int) -> int:
    from .models import FileTransfer

    transfer = FileTransfer.objects.select_related("school", "to_school").get(pk=transfer_id)
    if transfer.to_school is None or transfer.status != FileTransfer.Status.SENT:
        return 0
    recipients = sorted(
        {
            m.user.email
            for m in holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[transfer.to_school.pk]).select_related(
                "user"
            )
            if m.user.is_active
        }
    )
    # The email says where to look, never whose file it is: email is not a safe place for it.
    subject = f"A child-protection file from {transfer.school.name} is waiting for you"
    body = (
        f"{transfer.school.name} has sent {transfer.to_school.name} a child's child-protection file through Haven.\n\n"
        "Read it and confirm you received it, so the sending school knows it arrived:\n"
        f"{site_url(reverse('records:transfer_detail', args=[transfer.pk]))}\n"
    )
    for email in recipients:
        send_mail(subject, body, None, [email])
    return len(recipients)
