"""The police investigation's entries in a chronology: the investigation recorded and each
change of its details, bail conditions set, varied and ended, charging decisions and court
dates. A child's chronology keeps the case-wide entries and those about that child."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q

from haven.cases.models import Case
from haven.core.chronology import Entry, Scope, choices_of, start_of_day

from .models import BailCondition, ChargingDecision, CourtDate, Investigation

KINDS = {
    "police": "Police investigation",
    "bail": "Bail conditions",
    "charge": "Charging decision",
    "court": "Court date",
}


def _day(day: dt.date) -> dt.datetime:
    return start_of_day(day)


def _cases_with_police(case_ids: list[int]) -> list[int]:
    """The cases that hold anything of a police investigation, in one query: most hold none,
    and then the chronology asks nothing more of this app."""
    if not case_ids:
        return []
    return list(
        Case.objects.filter(pk__in=case_ids)
        .filter(
            Exists(Investigation.objects.filter(case=OuterRef("pk")))
            | Exists(BailCondition.objects.filter(case=OuterRef("pk")))
            | Exists(ChargingDecision.objects.filter(case=OuterRef("pk")))
            | Exists(CourtDate.objects.filter(case=OuterRef("pk")))
        )
        .values_list("pk", flat=True)
    )


def entries(scope: Scope) -> list[Entry]:
    """One query to find the cases with a police investigation, then one per source."""
    out: list[Entry] = []
    refs, pupil_id = scope.case_refs, scope.pupil_id
    ids = _cases_with_police(scope.case_ids)
    if not ids:
        return out
    about = Q() if pupil_id is None else Q(pupil_id__isnull=True) | Q(pupil_id=pupil_id)
    for v in Investigation.objects.filter(case_id__in=ids).select_related("by"):
        contact = " ".join(part for part in (v.phone, v.email) if part)
        title = (
            f"Police investigation recorded: {v.force}, crime reference {v.crime_reference}"
            if v.version == 1
            else f"Police details changed: {v.force}, crime reference {v.crime_reference}"
        )
        text = f"Officer in the case: {v.officer} ({contact})." + (f"\n\n{v.notes}" if v.notes else "")
        out.append(Entry(v.at, v.at, "police", title, text, v.by.full_name, case=refs.get(v.case_id, "")))
    # Each condition with its end, if it has one, in one query.
    bail = BailCondition.objects.filter(case_id__in=ids).select_related("by", "pupil", "end__by")
    if pupil_id is not None:
        bail = bail.filter(pupil_id=pupil_id)
    for b in bail:
        verb = "varied" if b.varies_id else "set"
        text = b.condition + (f"\n\nWhy it changed: {b.reason}" if b.reason else "")
        case = refs.get(b.case_id, "")
        out.append(
            Entry(
                b.at,
                b.at,
                "bail",
                f"Bail condition {verb} on {b.pupil.display_name}, until {b.until:%-d %b %Y}",
                text,
                b.by.full_name,
                case=case,
            )
        )
        end = getattr(b, "end", None)  # selected above: missing is cached, no query
        if end is not None:
            out.append(
                Entry(
                    end.at,
                    end.at,
                    "bail",
                    f"Bail condition ended on {b.pupil.display_name}",
                    f"{b.condition}\n\nWhy it ended: {end.reason}",
                    end.by.full_name,
                    case=case,
                )
            )
    outcome = choices_of(ChargingDecision, "outcome")
    for c in ChargingDecision.objects.filter(about, case_id__in=ids).select_related("by", "pupil"):
        who = f" ({c.pupil.display_name})" if c.pupil else ""
        out.append(
            Entry(
                _day(c.decided_on),
                c.at,
                "charge",
                f"Charging decision{who}: {outcome.get(c.outcome, c.outcome)}",
                c.notes,
                c.by.full_name,
                case=refs.get(c.case_id, ""),
                all_day=True,
            )
        )
    # A hearing is entered when the school was told of it (it may be weeks ahead), its date named.
    for d in CourtDate.objects.filter(about, case_id__in=ids).select_related("by", "pupil"):
        who = f" ({d.pupil.display_name})" if d.pupil else ""
        out.append(
            Entry(
                d.at,
                d.at,
                "court",
                f"Court date {d.on:%-d %b %Y}: {d.hearing} at {d.court}{who}",
                d.notes,
                d.by.full_name,
                case=refs.get(d.case_id, ""),
            )
        )
    return out
