"""Reads for the API: the concern and case selectors of their apps, with the filters an
integration needs. Access is never decided here: every queryset starts from a selector
that asked haven.access."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db.models import CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast

from haven.access.policy import Capability, schools_for
from haven.audit.models import Action, AuditEvent
from haven.cases.models import Case
from haven.cases.selectors import case_list_for
from haven.concerns.models import Amendment, Concern
from haven.concerns.selectors import concern_list_for

if TYPE_CHECKING:
    from haven.accounts.models import User


def reader_school_ids(user: User) -> set[int]:
    """Schools whose records the user reads: only there are a concern's status, case and
    closing rationale shown (as on the concern page; staff see only that it was received)."""
    return set(schools_for(user, Capability.READ_SCHOOL_RECORDS).values_list("pk", flat=True))


def concern_list_api(
    user: User,
    *,
    school_urn: str = "",
    status: str = "",
    received: bool | None = None,
    updated_since: dt.datetime | None = None,
) -> QuerySet[Concern]:
    """Concerns the user may read, newest first, filtered.

    ``status`` only matches concerns whose status the user may see (schools whose records
    they read), so filtering cannot reveal what happened to a member of staff's concern.
    ``updated_since`` matches concerns recorded, received or amended since then, and, where
    the user reads the school's records, also any other change of state (added to a case,
    closed): every such change is a service call that writes the audit log, which is the
    one place that times them.
    """
    qs = concern_list_for(user).select_related("acknowledged_by")
    readers = schools_for(user, Capability.READ_SCHOOL_RECORDS).values("pk")
    if school_urn:
        qs = qs.filter(school__urn=school_urn)
    if status:
        qs = qs.filter(status=status, school__in=readers)
    if received is not None:
        qs = qs.filter(acknowledged_at__isnull=not received)
    if updated_since is not None:
        amended = Amendment.objects.filter(concern=OuterRef("pk"), created_at__gte=updated_since)
        changed = AuditEvent.objects.filter(
            object_type=Concern._meta.label_lower,
            object_id=Cast(OuterRef("pk"), CharField()),
            action=Action.UPDATE,
            at__gte=updated_since,
        )
        qs = qs.filter(
            Q(recorded_at__gte=updated_since)
            | Q(acknowledged_at__gte=updated_since)
            | Exists(amended)
            | (Q(school__in=readers) & Exists(changed))
        )
    return qs.order_by("-recorded_at", "-pk")


def case_list_api(user: User, *, school_urn: str = "", status: str = "") -> QuerySet[Case]:
    """Cases the user may read (haven.access.case_visibility), newest first, filtered."""
    qs = case_list_for(user)
    if school_urn:
        qs = qs.filter(school__urn=school_urn)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-pk")
