"""The reminder before a bail condition ends, through the django-tasks API (as the safety
plans' review reminders, haven.safety_plans.tasks).

Three school days before a condition ends (weekends and the school's closures skipped), the
safeguarding leads who may open the case get one email, recorded (:class:`BailReminder`) so
it is never sent twice: the protection it gave the other children is about to lapse, and the
safety plans may need to change. A condition recorded closer to its end than that is reminded
about at the next run. The email says which case and where to look, never who or what: email
is not a safe place for it."""

from __future__ import annotations

import datetime as dt
import logging

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django_tasks import task

from haven.access.policy import Capability, holders_of
from haven.cases.models import Case
from haven.cases.schooldays import Closure, closures_by_school
from haven.core import clock
from haven.core.links import site_url

from .models import BailCondition, BailEnd, BailReminder

REMINDER_SCHOOL_DAYS = 3
logger = logging.getLogger(__name__)


def school_days_before(day: dt.date, days: int, closures: list[Closure]) -> dt.date:
    """The school day ``days`` school days before ``day``."""
    found, counted = day, 0
    while counted < days:
        found -= dt.timedelta(days=1)
        if found.weekday() < 5 and not any(first <= found <= last for first, last in closures):
            counted += 1
    return found


def _recipients(case: Case) -> list[str]:
    """The case's safeguarding leads: the school's, or of a restricted case only those named on it."""
    memberships = holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[case.school_id]).select_related("user")
    users = {m.user for m in memberships if m.user.is_active}
    if case.restricted:
        named = set(case.restricted_to.values_list("pk", flat=True))
        users = {u for u in users if u.pk in named}
    return sorted(u.email for u in users)


def bail_end_reminders_send(today: dt.date | None = None) -> int:
    """Email a reminder for each condition in force that ends within three school days and
    has not been reminded about. Returns how many were sent."""
    today = today or clock.localdate()
    horizon = today + dt.timedelta(days=31)  # three school days are never more than a holiday away
    waiting = list(
        BailCondition.objects.filter(until__gte=today, until__lte=horizon)
        .exclude(Exists(BailEnd.objects.filter(bail=OuterRef("pk"))))
        .exclude(Exists(BailCondition.objects.filter(varies=OuterRef("pk"))))
        .exclude(Exists(BailReminder.objects.filter(bail=OuterRef("pk"))))
        .select_related("case__school")
        .order_by("until", "pk")
    )
    closures = closures_by_school({b.school_id for b in waiting}, since=today - dt.timedelta(days=31))
    sent = 0
    for bail in waiting:
        if today < school_days_before(bail.until, REMINDER_SCHOOL_DAYS, closures.get(bail.school_id, [])):
            continue
        case = bail.case
        recipients = _recipients(case)
        if not recipients:  # nobody may be told (a restricted case naming no lead): try again next run
            logger.warning("bail reminder for case %s has no safeguarding lead to send it to", case.reference)
            continue
        url = site_url(reverse("cases:police", args=[case.reference]) + f"#bail-{bail.pk}")
        try:
            # Recorded and sent together: a send that fails leaves no record, so the next run
            # (hourly) sends it; a second run at the same moment waits on the row and skips it.
            with transaction.atomic():
                BailReminder.objects.create(bail=bail, school_id=bail.school_id, recipients=len(recipients))
                send_mail(
                    f"A bail condition on case {case.reference} ends on {bail.until:%-d %B %Y}",
                    f"A police bail condition recorded on case {case.reference} at {case.school.name} ends on "
                    f"{bail.until:%A %-d %B %Y}.\n\nCheck with the officer in the case whether it is extended, "
                    f"varied or ended, and review the safety plans of the children in the case: {url}\n",
                    None,
                    recipients,
                )
        except IntegrityError:
            continue  # another run sent it
        except OSError:  # SMTP refused or unreachable (smtplib's errors are OSErrors)
            logger.exception("bail reminder for case %s not sent; it is tried again next run", case.reference)
            continue
        sent += 1
    return sent


@task()
def bail_end_reminders() -> int:
    return bail_end_reminders_send()
