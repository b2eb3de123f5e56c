"""The safety plans' entries in a chronology: each plan written, changed or reviewed, signed
off and closed."""

from __future__ import annotations

from django.urls import reverse

from haven.core.chronology import Entry, Scope

from .models import PlanEvent

KINDS = {"plan": "Safety plan"}


def entries(scope: Scope) -> list[Entry]:
    """Plan events of the scope's cases; a child's chronology holds only that child's plans."""
    events = PlanEvent.objects.filter(plan__case__in=scope.case_ids).select_related("by", "plan__pupil", "plan__case")
    if scope.pupil_id is not None:
        events = events.filter(plan__pupil_id=scope.pupil_id)
    return [
        Entry(
            e.at,
            e.at,
            "plan",
            f"{e.get_kind_display()} for {e.plan.pupil.display_name} (version {e.version})",
            e.text,
            e.by.full_name,
            reverse("safety_plans:detail", args=[e.plan_id]),
            e.plan.case.reference,
        )
        for e in events
    ]
