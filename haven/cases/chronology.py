"""The cases' entries in a chronology: case events, considerations, decisions, parents
informed, referrals and their outcomes, support, sanctions and tasks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from haven.core.chronology import Entry, Scope, choices_of, start_of_day

from .models import (
    CaseEvent,
    ConsiderationAnswer,
    Decision,
    ParentsInformed,
    Referral,
    ReferralOutcome,
    Sanction,
    Support,
    Task,
)

KINDS = {
    "event": "Case",
    "consideration": "Consideration",
    "decision": "Decision",
    "parents": "Parents or carers",
    "referral": "Referral",
    "outcome": "Referral outcome",
    "support": "Support",
    "sanction": "Sanction",
    "task": "Task",
}

# The columns each source needs, read as dictionaries rather than model instances (a 300-entry
# chronology otherwise builds about a thousand instances to read a few fields of each).
_PUPIL = ("pupil_id", "pupil__preferred_forename", "pupil__legal_forename", "pupil__legal_surname")


def pupil_name(r: dict[str, Any]) -> str:
    """Pupil.display_name (and str(pupil)) from the row's columns."""
    return f"{r['pupil__preferred_forename'] or r['pupil__legal_forename']} {r['pupil__legal_surname']}"


def entries(scope: Scope) -> list[Entry]:
    """Every entry of the scope's cases; a child's chronology keeps only that child's parents
    informed, support and sanctions. One query per source."""
    out: list[Entry] = []
    event_kind = choices_of(CaseEvent, "kind")
    item = choices_of(ConsiderationAnswer, "item")
    answer = choices_of(ConsiderationAnswer, "answer")
    route = choices_of(Decision, "route")
    agency = choices_of(Referral, "agency")

    def referral_name(organisation: str, agency_value: str) -> str:  # str(Referral)
        return f"Referral to {organisation or agency.get(agency_value, agency_value)}"

    case_refs, pupil_id = scope.case_refs, scope.pupil_id
    case_ids = scope.case_ids
    related = {"case_id__in": case_ids}
    recorded = ("at", "by__full_name", "case_id")
    # (kind, rows, row -> (when it happened, title, text)); every row also gives when it was
    # recorded ("at", a task's "created_at"), by whom ("by", a task's "created_by") and its case.
    sources: list[tuple[str, QuerySet[Any], Any]] = [
        (
            "event",
            CaseEvent.objects.filter(**related).values(*recorded, "kind", "text", *_PUPIL),
            lambda r: (
                r["at"],
                event_kind.get(r["kind"], r["kind"]) + (f": {pupil_name(r)}" if r["pupil_id"] else ""),
                r["text"],
            ),
        ),
        (
            "consideration",
            ConsiderationAnswer.objects.filter(**related).values(*recorded, "item", "answer", "notes"),
            lambda r: (
                r["at"],
                f"{item.get(r['item'], r['item'])}: {answer.get(r['answer'], r['answer'])}",
                r["notes"],
            ),
        ),
        (
            "decision",
            Decision.objects.filter(**related).values(
                *recorded, "withdrawn", "route", "rationale", "statutory_override"
            ),
            lambda r: (
                r["at"],
                ("Withdrawn: " if r["withdrawn"] else "Route: ") + route.get(r["route"], r["route"]),
                r["rationale"]
                + (
                    f"\n\nWhy the statutory starting point was not followed: {r['statutory_override']}"
                    if r["statutory_override"]
                    else ""
                ),
            ),
        ),
        (
            "parents",
            ParentsInformed.objects.filter(**related).values(
                *recorded, "informed", "informed_on", "rationale", *_PUPIL
            ),
            lambda r: (
                r["informed_on"] if r["informed_on"] else r["at"],
                f"Parents or carers of {pupil_name(r)} " + ("informed" if r["informed"] else "not informed"),
                r["rationale"],
            ),
        ),
        (
            "referral",
            Referral.objects.filter(**related).values(
                *recorded, "referred_on", "organisation_name", "agency", "agency_reference", "notes"
            ),
            lambda r: (
                r["referred_on"],
                referral_name(r["organisation_name"], r["agency"])
                + (f" (reference {r['agency_reference']})" if r["agency_reference"] else ""),
                r["notes"],
            ),
        ),
        (
            "outcome",
            ReferralOutcome.objects.filter(referral__case_id__in=case_ids).values(
                "at",
                "by__full_name",
                "referral__case_id",
                "outcome_on",
                "outcome",
                "referral__organisation_name",
                "referral__agency",
            ),
            lambda r: (
                r["outcome_on"],
                f"Outcome of {referral_name(r['referral__organisation_name'], r['referral__agency'])}",
                r["outcome"],
            ),
        ),
        (
            "support",
            Support.objects.filter(**related).values(*recorded, "description", *_PUPIL),
            lambda r: (r["at"], f"Support for {pupil_name(r)}", r["description"]),
        ),
        (
            "sanction",
            Sanction.objects.filter(**related).values(*recorded, "decided_on", "description", *_PUPIL),
            lambda r: (r["decided_on"], f"Sanction for {pupil_name(r)}", r["description"]),
        ),
        (
            "task",
            Task.objects.filter(**related).values(
                "case_id",
                "created_at",
                "due_on",
                "title",
                "done_at",
                "assignee__full_name",
                "created_by__full_name",
            ),
            lambda r: (
                r["created_at"],
                f"Task for {r['assignee__full_name']}, due {r['due_on']:%d %b %Y}: {r['title']}",
                f"Done {timezone.localtime(r['done_at']):%d %b %Y %H:%M}" if r["done_at"] else "",
            ),
        ),
    ]
    for kind, qs, fields in sources:
        if pupil_id is not None and kind in ("parents", "support", "sanction"):
            qs = qs.filter(pupil_id=pupil_id)
        for row in qs:
            at, title, text = fields(row)
            # A record known only to the day (a referral date) sits at the start of that day.
            all_day = not isinstance(at, dt.datetime)
            if all_day:
                at = start_of_day(at)
            out.append(
                Entry(
                    at,
                    row.get("at") or row.get("created_at", at),
                    kind,
                    title,
                    text,
                    row.get("by__full_name") or row.get("created_by__full_name") or "",
                    case=case_refs.get(row.get("case_id") or row.get("referral__case_id"), ""),
                    all_day=all_day,
                )
            )
    return out
