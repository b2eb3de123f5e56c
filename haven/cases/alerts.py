"""DESIGN §11: referrals with no follow-up duty get lost. When a referral is recorded, the
school's DSLs and deputies get an alert through the outbox (haven.alerts), due at 08:00 on the
day after its outcome was due (10 school days after the referral, as on the dashboard; school
closures as known when the referral is recorded). If the outcome is recorded first, it is not
sent (recorded as not needed)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils import timezone

from haven.access.policy import Capability, holders_of
from haven.alerts.handlers import register
from haven.alerts.models import OutboxAlert
from haven.alerts.services import alerts_enqueue
from haven.core.links import site_url

from .schooldays import add_school_days, closures_by_school
from .selectors import REFERRAL_OUTCOME_SCHOOL_DAYS

if TYPE_CHECKING:
    from .models import Case, Referral

MORNING = dt.time(8, 0)


def outcome_overdue_at(referral: Referral, case: Case) -> tuple[dt.date, dt.datetime]:
    """(the day the outcome is due by, the morning after it, when the alert goes)."""
    closures = closures_by_school([case.school_id], since=referral.referred_on).get(case.school_id, [])
    due = add_school_days(referral.referred_on, REFERRAL_OUTCOME_SCHOOL_DAYS, closures)
    morning = dt.datetime.combine(due + dt.timedelta(days=1), MORNING, tzinfo=timezone.get_current_timezone())
    return due, morning


def overdue_outcome_alerts_write(referral: Referral, case: Case) -> list[OutboxAlert]:
    due, morning = outcome_overdue_at(referral, case)
    memberships = holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[case.school_id]).select_related("user")
    # Where to look and by when, never to whom or about whom: email is not a safe place for it.
    outcome_url = site_url(reverse("cases:outcome", args=[case.reference, referral.pk]))  # the referral's own form
    return alerts_enqueue(
        kind=OutboxAlert.Kind.OVERDUE_OUTCOME,
        school_id=case.school_id,
        about_id=referral.pk,
        reference=case.reference,
        recipients=sorted((m.user for m in memberships), key=lambda u: u.pk),
        subject=f"Referral outcome overdue on case {case.reference}",
        body=(
            f"A referral on case {case.reference} at {case.school.name} has no outcome recorded; it was due by "
            f"{due:%-d %B %Y} (10 school days after the referral).\n\n"
            f"Record the outcome, or chase it: {outcome_url}\n"
        ),
        due_at=morning,
    )


def _outcome_recorded(alert: OutboxAlert) -> str | None:
    from .models import ReferralOutcome

    if ReferralOutcome.objects.filter(referral_id=alert.about_id).exists():
        return "The outcome was recorded first."
    return None


def register_alerts() -> None:
    register(OutboxAlert.Kind.OVERDUE_OUTCOME, not_needed=_outcome_recorded)
