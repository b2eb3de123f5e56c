"""The concerns' entries in a chronology: each concern (with its body map in words), and
each amendment to one."""

from __future__ import annotations

from typing import Any, cast

from haven.core.chronology import Entry, Scope, choices_of
from haven.core.converters import reference_urls

from . import bodymap
from .models import Amendment, BodyMark, Category, Concern

KINDS = {"concern": "Concern", "amendment": "Amendment"}


def entries(scope: Scope) -> list[Entry]:
    """The scope's concerns, by when they happened, and their amendments. Three queries: the
    concerns, their categories and the amendments (none when there are no concerns), and a
    fourth for the body maps when one of the concerns has one."""
    concern_url = reference_urls("concerns:detail")
    concern_rows = list(
        scope.concerns.values(
            "pk",
            "occurred_at",
            "occurred_time_known",
            "recorded_at",
            "reference",
            "what_happened",
            "child_words",
            "recorded_by__full_name",
            "case__reference",
            "body_mark_count",
        )
    )
    concern_ids = [c["pk"] for c in concern_rows]  # an empty list runs no query
    categories: dict[int, list[str]] = {}
    # As prefetch_related("categories") gave them: in the taxonomy's order.
    order = [
        f"-category__{f[1:]}" if f.startswith("-") else f"category__{f}"
        for f in cast("list[str]", Category._meta.ordering)
    ]
    for concern_id, name in (
        Concern.categories.through.objects.filter(concern_id__in=concern_ids)
        .order_by(*order)
        .values_list("concern_id", "category__name")
    ):
        categories.setdefault(concern_id, []).append(name)
    marks: dict[int, list[dict[str, Any]]] = {}
    if with_marks := [c["pk"] for c in concern_rows if c["body_mark_count"]]:
        rows = BodyMark.objects.filter(concern_id__in=with_marks)
        if scope.pupil_id is not None:  # a child's chronology: only the marks on that child
            rows = rows.filter(pupil_id=scope.pupil_id)
        for mark in rows.values(
            "concern_id",
            "number",
            "region",
            "description",
            "pupil__preferred_forename",
            "pupil__legal_forename",
            "pupil__legal_surname",
        ):
            forename = mark["pupil__preferred_forename"] or mark["pupil__legal_forename"]
            child = "" if scope.pupil_id is not None else f"{forename} {mark['pupil__legal_surname']}"
            marks.setdefault(mark["concern_id"], []).append({**mark, "child": child})
    out = [
        Entry(
            c["occurred_at"],
            c["recorded_at"],
            "concern",
            f"Concern {c['reference']}: " + ", ".join(categories.get(c["pk"], ())),
            c["what_happened"]
            + (f"\n\nThe child's words: “{c['child_words']}”" if c["child_words"] else "")
            + (f"\n\n{bodymap.summary(marks[c['pk']])}" if c["pk"] in marks else ""),
            c["recorded_by__full_name"],
            concern_url(c["reference"]),
            c["case__reference"] or "",
            all_day=not c["occurred_time_known"],  # its occurred_at is already the start of the day
            figure=bodymap.figure(marks[c["pk"]]) if c["pk"] in marks else None,
        )
        for c in concern_rows
    ]
    references = {c["pk"]: c["reference"] for c in concern_rows}
    amendment_kind = choices_of(Amendment, "kind")
    out += [
        Entry(
            a["created_at"],
            a["created_at"],
            "amendment",
            f"{amendment_kind.get(a['kind'], a['kind'])} to concern {references[a['concern_id']]}",
            a["text"],
            a["author__full_name"],
        )
        for a in Amendment.objects.filter(concern_id__in=concern_ids).values(
            "created_at", "kind", "text", "concern_id", "author__full_name"
        )
    ]
    return out
