"""Telling schools about the Section 175 audit: a round opened, an audit returned."""

from __future__ import annotations

from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from haven.access.policy import Capability, holders_of
from haven.core.links import site_url


def _completers(school_id: int) -> list[str]:
    """Who completes a school's audit and hears about it (haven.access: S175_COMPLETE)."""
    memberships = holders_of(Capability.S175_COMPLETE, school_ids=[school_id]).select_related("user")
    return sorted({m.user.email for m in memberships if m.user.is_active})


@task()
def round_opened_notify(round_id: int) -> int:
    """Each school's DSL, deputies and head: the audit is open, and when it is due."""
    from .models import SchoolAudit

    sent = 0
    for audit in SchoolAudit.objects.filter(round_id=round_id).select_related("round__authority", "school"):
        recipients = _completers(audit.school_id)
        if not recipients:
            continue
        round_ = audit.round
        send_mail(
            f"{round_.title}: please complete {audit.school.name}'s audit",
            f"{round_.authority.name} has opened "
            f"{round_.title} for {audit.school.name}.\n\n"
            f"It opens on {round_.opens_on:%-d %B %Y} and is due by {round_.due_on:%-d %B %Y}. The DSL, a deputy "
            "or the headteacher can fill it in; the headteacher or the DSL submits it.\n\n"
            f"Open it in Haven: {site_url(reverse('compliance:audit', args=[audit.pk]))}\n",
            None,
            recipients,
        )
        sent += 1
    return sent


@task()
def audit_returned_notify(audit_id: int) -> int:
    """The school's DSL, deputies and head: the authority returned the audit with comments."""
    from .models import SchoolAudit

    audit = SchoolAudit.objects.select_related("round", "school").get(pk=audit_id)
    recipients = _completers(audit.school_id)
    if recipients:
        send_mail(
            f"{audit.round.title}: returned to {audit.school.name} with comments",
            f"The local authority has returned {audit.school.name}'s {audit.round.title} with comments. "
            "Read them, change what is needed and submit it again.\n\n"
            f"Open it in Haven: {site_url(reverse('compliance:audit', args=[audit.pk]))}\n",
            None,
            recipients,
        )
    return len(recipients)
