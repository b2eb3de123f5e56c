"""Reads of concerns, for an acting user, scoped by haven.access."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from haven.access.policy import Capability, concern_visibility, deny, schools_for
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core.converters import parse_id
from haven.people.models import Pupil

from .models import Amendment, Concern, ConcernChild

if TYPE_CHECKING:
    from haven.accounts.models import User

_ID_SUFFIX = re.compile(r"#([0-9]+)\s*$")


def pupils_matching(*, school_id: int, query: str, limit: int = 10) -> list[Pupil]:
    """Pupils on a school's roll matching a typed name or UPN ("#123" picks pupil 123)."""
    query = (query or "").strip()
    if not query:
        return []
    qs = Pupil.objects.filter(school_id=school_id, left_on__isnull=True)
    m = _ID_SUFFIX.search(query)
    if m:
        pupil_id = parse_id(m.group(1))
        return list(qs.filter(pk=pupil_id)) if pupil_id else []
    for term in query.split()[:4]:
        qs = qs.filter(
            Q(legal_forename__istartswith=term)
            | Q(preferred_forename__istartswith=term)
            | Q(legal_surname__istartswith=term)
            | Q(upn__iexact=term)
        )
    return list(qs.order_by("legal_surname", "legal_forename", "pk")[:limit])


def picked_pupil_id(query: str) -> int | None:
    """The pupil id a query names ("... #123", as a choice from the list gives it), if any:
    a number that cannot be a record's id names none (and so no pupil is found)."""
    m = _ID_SUFFIX.search((query or "").strip())
    return parse_id(m.group(1)) if m else None


def pupils_on_roll(*, school_id: int, ids: list[int]) -> dict[int, Pupil]:
    """The pupils with these ids on a school's roll, in one query (what ``pupils_matching``
    gives for "#id", for several ids at once)."""
    if not ids:
        return {}
    return {p.pk: p for p in Pupil.objects.filter(school_id=school_id, left_on__isnull=True, pk__in=ids)}


def pupil_search_for(user: User, *, school_id: int, query: str) -> list[Pupil]:
    """Type-ahead for the concern form: only at a school where the user records concerns."""
    if not schools_for(user, Capability.RECORD_CONCERN).filter(pk=school_id).exists():
        return []
    return pupils_matching(school_id=school_id, query=query)


def concern_list_for(user: User) -> QuerySet[Concern]:
    return (
        Concern.objects.filter(concern_visibility(user))
        .select_related("school", "recorded_by", "case")
        .prefetch_related("categories", Prefetch("children", queryset=ConcernChild.objects.select_related("pupil")))
    )


def concerns_recorded_by(user: User) -> QuerySet[Concern]:
    """The member of staff's own concerns: whether the DSL has received them, not the case."""
    return (
        Concern.objects.filter(recorded_by=user.pk, school__in=schools_for(user, Capability.RECORD_CONCERN))
        .select_related("school")
        .prefetch_related("categories")
        .order_by("-recorded_at")
    )


def concern_get_for(user: User, reference: str, *, ctx: AuditContext = COMMAND) -> Concern:
    """One concern the user may read, with its children, categories, amendments and
    attachments; the read is audited. Otherwise 404 (and the refusal audited)."""
    concern = (
        concern_list_for(user)
        .prefetch_related(
            Prefetch("amendments", queryset=Amendment.objects.select_related("author")),
            "attachments",
        )
        .filter(reference=reference)
        .first()
    )
    if concern is None:
        school_id = Concern.objects.filter(reference=reference).values_list("school_id", flat=True).first()
        raise deny(ctx, actor=user, object_type="concerns.concern", object_id=reference, school=school_id)
    audit_record(Event.CONCERN_VIEWED, ctx=ctx, actor=user, obj=concern, school=concern.school_id)
    return concern
