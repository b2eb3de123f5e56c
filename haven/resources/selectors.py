"""Reads of the resource bank and the case-study bank, for an acting user, scoped by haven.access."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import F, Q, QuerySet
from django.http import Http404

from haven.access.policy import (
    Capability,
    authorities_for,
    case_study_visibility,
    deny,
    has_any,
    resource_visibility,
)
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock

from . import search
from .models import PHASE_FIELDS, PHASE_GROUPS, REVIEW_EVERY, CaseStudy, Kind, Resource

if TYPE_CHECKING:
    from haven.accounts.models import User

AUDIENCES = {"staff": "for_staff", "pupils": "for_pupils", "parents": "for_parents"}


def phase_q(value: str) -> Q | None:
    names = PHASE_GROUPS[value][1] if value in PHASE_GROUPS else (value,) if value in dict(PHASE_FIELDS) else ()
    if not names:
        return None
    q = Q()
    for name in names:
        q |= Q(**{name: True})
    return q


def _topic_q(code: str, prefix: str = "topics") -> Q:
    """A category or any of its sub-categories (so "sexual harassment" finds "upskirting")."""
    return Q(**{f"{prefix}__code": code}) | Q(**{f"{prefix}__parent__code": code})


def resource_list_for(user: User, *, filters: Mapping[str, str] | None = None) -> QuerySet[Resource]:
    """The resources the user may read, filtered: q (words in title, provider or
    description), kind, audience, phase (a key stage or early_years/primary/secondary/post16),
    topic (a category code), send, area (national or local), status, due (review due)."""
    filters = filters or {}
    qs = Resource.objects.filter(resource_visibility(user))
    for word in (filters.get("q") or "").split()[:8]:
        qs = qs.filter(Q(title__icontains=word) | Q(provider__icontains=word) | Q(description__icontains=word))
    if filters.get("kind") in Kind.values:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("audience") in AUDIENCES:
        qs = qs.filter(**{AUDIENCES[filters["audience"]]: True})
    phase = phase_q(filters.get("phase") or "")
    if phase is not None:
        qs = qs.filter(phase)
    if filters.get("topic"):
        qs = qs.filter(pk__in=Resource.objects.filter(_topic_q(filters["topic"])).values("pk"))
    if filters.get("send"):
        qs = qs.filter(send_suitable=True)
    if filters.get("area") == "national":
        qs = qs.filter(national=True)
    elif filters.get("area") == "local":
        qs = qs.filter(national=False)
    if filters.get("status") in Resource.Status.values:
        qs = qs.filter(status=filters["status"])
    elif not filters.get("due"):
        qs = qs.filter(status=Resource.Status.APPROVED)
    if filters.get("due"):
        qs = qs.filter(review_due_q())
    return qs.select_related("authority").prefetch_related("topics").order_by("title", "pk")


def review_due_q(today: dt.date | None = None) -> Q:
    today = today or clock.localdate()
    return Q(status=Resource.Status.APPROVED) & (
        Q(last_reviewed_on__isnull=True) | Q(last_reviewed_on__lte=today - REVIEW_EVERY)
    )


def resource_get_for(user: User, pk: int, *, ctx: AuditContext = COMMAND) -> Resource:
    resource = (
        Resource.objects.filter(resource_visibility(user), pk=pk)
        .select_related("authority", "proposed_by", "reviewed_by")
        .prefetch_related("topics")
        .first()
    )
    if resource is None:
        raise deny(ctx, actor=user, object_type="resources.resource", object_id=pk, reason="resource not readable")
    return resource


def proposals_of(user: User) -> QuerySet[Resource]:
    """The user's own proposals still waiting, returned or refused."""
    return (
        Resource.objects.filter(proposed_by=user.pk)
        .exclude(status=Resource.Status.APPROVED)
        .select_related("authority")
        .order_by("-proposed_at", "pk")
    )


def curation_queue_for(user: User) -> dict[str, QuerySet[Resource]]:
    """For an LA officer: proposals waiting for their authority, and items due for review
    (their authority's and the national list's)."""
    ids = [a.pk for a in authorities_for(user, Capability.RESOURCES_CURATE)]
    if not ids:
        raise Http404
    waiting = Resource.objects.filter(authority__in=ids, status=Resource.Status.PROPOSED)
    due = Resource.objects.filter(Q(authority__in=ids) | Q(authority__isnull=True)).filter(review_due_q())
    return {
        "waiting": waiting.select_related("authority", "proposed_by").order_by("proposed_at", "pk"),
        # The officers' own area first, then the national list; longest unreviewed first.
        "due": due.select_related("authority").order_by(
            F("authority").asc(nulls_last=True), F("last_reviewed_on").asc(nulls_first=True), "title", "pk"
        ),
    }


# -- Case studies --------------------------------------------------------------------------


def case_study_list_for(user: User, *, filters: Mapping[str, str] | None = None) -> QuerySet[CaseStudy]:
    """Published case studies the user may read (q, topic, phase filters)."""
    filters = filters or {}
    qs = CaseStudy.objects.filter(case_study_visibility(user), status=CaseStudy.Status.PUBLISHED)
    if filters.get("q"):
        qs = qs.filter(search.text_matches(filters["q"]))
    if filters.get("topic"):
        qs = qs.filter(pk__in=CaseStudy.objects.filter(_topic_q(filters["topic"], "categories")).values("pk"))
    if filters.get("phase"):
        qs = qs.filter(phase=filters["phase"])
    return (
        qs.select_related("school__authority", "authority")
        .prefetch_related("categories")
        .order_by("-published_at", "pk")
    )


def case_study_workbench_for(user: User) -> QuerySet[CaseStudy]:
    """Unpublished case studies the user may see: their school's drafts and returned ones,
    and (for officers) everything sent to their authority."""
    if not has_any(user, Capability.CASE_STUDIES_READ):
        return CaseStudy.objects.none()
    return (
        CaseStudy.objects.filter(case_study_visibility(user))
        .exclude(status=CaseStudy.Status.PUBLISHED)
        .select_related("school", "author")
        .order_by("-updated_at", "pk")
    )


def case_study_get_for(user: User, pk: int, *, ctx: AuditContext = COMMAND) -> CaseStudy:
    """One case study the user may read; the read is audited in the school's chain."""
    study = (
        CaseStudy.objects.filter(case_study_visibility(user), pk=pk)
        .select_related("school__authority", "author", "authority")
        .prefetch_related("categories", "reviews__by")
        .first()
    )
    if study is None:
        raise deny(ctx, actor=user, object_type="resources.casestudy", object_id=pk, reason="case study not readable")
    audit_record(Event.CASE_STUDY_VIEWED, ctx=ctx, actor=user, obj=study, school=study.school_id)
    return study


def similar_case_studies(user: User, study: CaseStudy, *, limit: int = 5) -> list[CaseStudy]:
    """Published case studies the user may read, ranked by how alike their text is to this one."""
    among = CaseStudy.objects.filter(case_study_visibility(user), status=CaseStudy.Status.PUBLISHED)
    ids = search.ranked_ids(terms=search.key_terms(study.body), among=among, exclude=study.pk, limit=limit)
    found = {s.pk: s for s in CaseStudy.objects.filter(pk__in=ids).select_related("school__authority")}
    return [found[i] for i in ids if i in found]
