"""Review reminders for safety plans, through the django-tasks API (DESIGN §5, §6).

A signed-off plan's review is due on its review date and after any new concern about the
child. The school's safeguarding leads and deputies get one email for each thing that made
a review due, recorded (:class:`ReviewReminder`) so none is sent twice. The email says which
plan and where to look, never what the plan says: email is not a safe place for it."""

from __future__ import annotations

import datetime as dt

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django_tasks import task

from haven.access.policy import Capability, holders_of
from haven.core import clock
from haven.core.links import site_url

from .models import ReviewReminder, SafetyPlan
from .selectors import SIGNED_STATUSES, plans_annotated, review_due


def plan_review_reminders_send(today: dt.date | None = None) -> int:
    """Email a reminder for every review now due that has not been reminded about."""
    today = today or clock.localdate()
    plans = plans_annotated(SafetyPlan.objects.filter(status__in=SIGNED_STATUSES)).order_by("pk")
    leads = {}
    sent = 0
    for plan in plans:
        reasons = review_due(plan, today)
        if not reasons:
            continue
        if plan.school_id not in leads:
            leads[plan.school_id] = sorted(
                {
                    m.user.email
                    for m in holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[plan.school_id]).select_related(
                        "user"
                    )
                    if m.user.is_active
                }
            )
        recipients = leads[plan.school_id]
        for key, _ in reasons:
            try:
                with transaction.atomic():
                    ReviewReminder.objects.create(
                        plan=plan, school_id=plan.school_id, due_because=key, recipients=len(recipients)
                    )
            except IntegrityError:
                continue  # already reminded about this
            # Email is not a safe place for a child's name: say why without it.
            why = (
                f"its review date was {plan.review_date:%-d %B %Y}"
                if key.startswith("review-date")
                else f"a new concern ({getattr(plan, 'new_concern', None)}) has been recorded about the child"
            )
            url = site_url(reverse("safety_plans:detail", args=[plan.pk]))
            send_mail(
                f"Safety plan review due at {plan.school.name} (plan {plan.pk})",
                f"A safety plan at {plan.school.name} needs a review: {why}.\n\nOpen it in Haven to review it: {url}\n",
                None,
                recipients,
            )
            sent += 1
    return sent


@task()
def plan_review_reminders() -> int:
    return plan_review_reminders_send()
