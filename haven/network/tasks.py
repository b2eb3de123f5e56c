"""Email reminders about network meetings and actions, through the django-tasks API.

``send_network_reminders`` (run by ``manage.py network_reminders`` from cron, e.g. hourly)
sends each invitee a reminder the day before a meeting and each owner a reminder when an
action falls due. Every reminder is recorded (a database constraint holds one per person
and meeting or action), so running it again sends nothing twice.
"""

from __future__ import annotations

import datetime as dt

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from haven.core import clock
from haven.core.links import site_url

REMIND_BEFORE = dt.timedelta(days=1)


def _record_then_send(*, subject: str, body: str, email: str, **reminder: object) -> bool:
    """Record the reminder first; only the request that records it sends it."""
    from .models import Reminder

    try:
        with transaction.atomic():
            Reminder.objects.create(**reminder)
            send_mail(subject, body, None, [email])
    except IntegrityError:
        return False
    return True


@task()
def meeting_reminders() -> int:
    """A reminder to each invitee of every meeting starting in the next 24 hours."""
    from .models import Invitation, Reminder

    now = clock.now()
    due = (
        Invitation.objects.filter(
            meeting__starts_at__gt=now, meeting__starts_at__lte=now + REMIND_BEFORE, user__is_active=True
        )
        .exclude(
            Exists(
                Reminder.objects.filter(
                    kind="meeting", meeting_id=OuterRef("meeting_id"), recipient=OuterRef("user_id")
                )
            )
        )
        .select_related("meeting", "meeting__pyramid", "user")
    )
    sent = 0
    for invitation in due:
        meeting = invitation.meeting
        when = timezone.localtime(meeting.starts_at)
        place = meeting.venue or ""
        if meeting.online_link:
            place = f"{place} (online: {meeting.online_link})" if place else f"online: {meeting.online_link}"
        body = (
            f"Reminder: the DSL network meeting “{meeting.title}” ({meeting.group_name}) is at "
            f"{when:%H:%M on %A %d %B %Y}, {place}.\n\n"
            f"The agenda, open actions and trend pack are in Haven: "
            f"{site_url(reverse('network:meeting', args=[meeting.pk]))}\n"
        )
        sent += _record_then_send(
            subject=f"Tomorrow: {meeting.title}",
            body=body,
            email=invitation.user.email,
            kind=Reminder.Kind.MEETING,
            meeting=meeting,
            recipient=invitation.user,
        )
    return sent


@task()
def action_reminders() -> int:
    """A reminder to the owner of each open action due today or earlier, once."""
    from .models import ActionItem, Reminder

    today = clock.localdate()
    due = (
        ActionItem.objects.filter(status=ActionItem.Status.OPEN, due_on__lte=today, owner__is_active=True)
        .exclude(reminders__kind=Reminder.Kind.ACTION_DUE)
        .select_related("meeting", "owner")
    )
    sent = 0
    for action in due:
        body = (
            f"An action from the DSL network meeting “{action.meeting.title}” is due on "
            f"{action.due_on:%d %B %Y}:\n\n{action.text}\n\n"
            f"See it in Haven: {site_url(reverse('network:meeting', args=[action.meeting_id]))}\n"
        )
        sent += _record_then_send(
            subject=f"Action due: {action.text[:60]}",
            body=body,
            email=action.owner.email,
            kind=Reminder.Kind.ACTION_DUE,
            action=action,
            recipient=action.owner,
        )
    return sent


def send_network_reminders() -> tuple[int, int]:
    """Both sweeps, now (``manage.py network_reminders``): (meeting reminders, action reminders)."""
    return meeting_reminders.call(), action_reminders.call()


def schedule_reminders(*, meeting_start: dt.datetime | None = None, action_due: dt.date | None = None) -> None:
    """Ask the worker to sweep when a reminder falls due (if the backend can defer; the
    cron command is the safety net either way)."""
    if meeting_start is not None and meeting_reminders.get_backend().supports_defer:
        at = max(meeting_start - REMIND_BEFORE, clock.now())
        meeting_reminders.using(run_after=at).enqueue()
    if action_due is not None and action_reminders.get_backend().supports_defer:
        at = dt.datetime.combine(action_due, dt.time(8, 0), tzinfo=timezone.get_current_timezone())
        action_reminders.using(run_after=max(at, clock.now())).enqueue()
