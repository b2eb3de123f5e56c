"""Mark roll-up slices dirty when the records they count change (see rollups.py).

A concern's children and categories are written in the same transaction as the concern,
and the refresh runs after it commits, so the concern's own signal covers them. No signal
here runs a query."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from haven.cases.models import Case, Decision
from haven.concerns.models import Concern

from .rollups import mark_dirty


@receiver(post_save, sender=Concern)
def _concern_saved(sender: Any, instance: Concern, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        mark_dirty(instance.school_id, instance.occurred_at)


@receiver(post_save, sender=Decision)
def _decision_saved(sender: Any, instance: Decision, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    case = instance._state.fields_cache.get("case")
    school_id = (
        case.school_id
        if case is not None
        else Case.objects.values_list("school_id", flat=True).get(pk=instance.case_id)
    )
    mark_dirty(school_id, instance.at)
