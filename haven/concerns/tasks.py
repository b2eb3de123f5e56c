"""Background work about concerns, through the django-tasks API (DESIGN §6)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from haven.access.policy import Capability, holders_of
from haven.core import clock
from haven.core.links import site_url

if TYPE_CHECKING:
    from haven.concerns.models import Concern

ESCALATE_AFTER = dt.timedelta(hours=1)


def _send(*, concern: Concern, kind: str, capability: Capability) -> int:
    from .models import Alert

    recipients = list(holders_of(capability, school_ids=[concern.school_id]).select_related("user").order_by("user_id"))
    # The email says where to look, never what happened: email is not a safe place for it.
    subject = (
        f"Urgent concern {concern.reference} at {concern.school.name}"
        if kind == Alert.Kind.URGENT
        else f"Not yet acknowledged: urgent concern {concern.reference}"
    )
    body = (
        f"An urgent safeguarding concern ({concern.reference}) was recorded at {concern.school.name} "
        f"at {timezone.localtime(concern.recorded_at):%H:%M on %d %B %Y}.\n\n"
        + ("No safeguarding lead has acknowledged it within an hour.\n\n" if kind == Alert.Kind.ESCALATION else "")
        + f"Open it in Haven: {site_url(reverse('cases:dashboard'))}\n"
    )
    sent = 0
    seen: set[int] = set()
    for membership in recipients:
        if membership.user_id in seen or not membership.user.is_active:
            continue
        seen.add(membership.user_id)
        send_mail(subject, body, None, [membership.user.email])
        Alert.objects.create(concern=concern, kind=kind, recipient=membership.user)
        sent += 1
    return sent


@task()
def urgent_concern_alert(concern_id: int) -> int:
    """DESIGN §3 rule 2: alert every DSL and deputy of the school at once, then check back."""
    from .models import Alert, Concern

    concern = Concern.objects.select_related("school").get(pk=concern_id)
    with transaction.atomic():
        sent = _send(concern=concern, kind=Alert.Kind.URGENT, capability=Capability.WRITE_SCHOOL_RECORDS)
    backend = urgent_concern_escalate.get_backend()
    if backend.supports_defer:
        urgent_concern_escalate.using(run_after=concern.recorded_at + ESCALATE_AFTER).enqueue(concern_id)
    return sent


@task()
def urgent_concern_escalate(concern_id: int) -> int:
    """If no DSL has acknowledged an urgent concern within an hour, alert the headteacher."""
    from .models import Alert, Concern

    concern = Concern.objects.select_related("school").get(pk=concern_id)
    if concern.acknowledged_at is not None or clock.now() < concern.recorded_at + ESCALATE_AFTER:
        return 0
    if concern.alerts.filter(kind=Alert.Kind.ESCALATION).exists():
        return 0
    with transaction.atomic():
        return _send(concern=concern, kind=Alert.Kind.ESCALATION, capability=Capability.URGENT_ESCALATION)


def escalate_overdue_urgent_concerns() -> int:
    """A sweep for backends that cannot defer a task (and after a worker outage): escalate
    every urgent concern still unacknowledged an hour on. Run by ``manage.py escalate_concerns``."""
    from .models import Alert, Concern

    due = (
        Concern.objects.filter(urgent=True, acknowledged_at__isnull=True, recorded_at__lte=clock.now() - ESCALATE_AFTER)
        .exclude(alerts__kind=Alert.Kind.ESCALATION)
        .values_list("pk", flat=True)
    )
    return sum(urgent_concern_escalate.call(pk) for pk in due)
