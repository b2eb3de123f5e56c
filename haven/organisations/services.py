"""Writes about organisations' settings, audited."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core.errors import ApplicationError

from .models import School, SchoolClosure

if TYPE_CHECKING:
    from haven.accounts.models import User


@transaction.atomic
def closure_add(
    *, by: User, school: School, name: str, first_day: dt.date, last_day: dt.date, ctx: AuditContext = COMMAND
) -> SchoolClosure:
    name = (name or "").strip()[:100]
    if not name:
        raise ApplicationError("Enter a name, such as Autumn half term.", field="name")
    if last_day < first_day:
        raise ApplicationError("The last day cannot be before the first day.", field="last_day")
    if (last_day - first_day).days > 70:
        raise ApplicationError("Check the dates: that is more than ten weeks.", field="last_day")
    if school.closures.filter(first_day__lte=last_day, last_day__gte=first_day).exists():
        raise ApplicationError("These dates overlap a closure already recorded.", field="first_day")
    closure = SchoolClosure.objects.create(school=school, name=name, first_day=first_day, last_day=last_day)
    audit_record(
        Event.CLOSURE_ADDED,
        ctx=ctx,
        actor=by,
        obj=closure,
        school=school,
        extra={"name": name, "first_day": first_day.isoformat(), "last_day": last_day.isoformat()},
    )
    return closure


@transaction.atomic
def closure_remove(*, by: User, closure: SchoolClosure, ctx: AuditContext = COMMAND) -> None:
    """Closures are settings, not safeguarding records: removing one is allowed and audited."""
    audit_record(
        Event.CLOSURE_REMOVED,
        ctx=ctx,
        actor=by,
        obj=closure,
        school=closure.school_id,
        changes={
            "first_day": (closure.first_day.isoformat(), None),
            "last_day": (closure.last_day.isoformat(), None),
        },
        extra={"removed": str(closure)},
    )
    closure.delete()
