"""The addresses of a case's changes, for tests that post as the case's pages do."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

# Each change of a case and its view (haven/workspace/urls.py); some name a record too.
CHANGES = {
    "decision": "cases:decision_new",
    "parents": "cases:parents_new",
    "referral": "cases:referral_new",
    "outcome": "cases:outcome",  # referral=<id>
    "support": "cases:support_new",
    "sanction": "cases:sanction_new",
    "task": "cases:task_new",
    "task_done": "cases:task_done",  # task=<id>
    "consideration": "cases:consideration",  # item=<consideration>
    "child": "cases:child_new",
    "access": "cases:access_change",
    "close": "cases:close",
    "reopen": "cases:reopen",
}
_NAMED = {"outcome": "referral", "task_done": "task", "consideration": "item"}


def change_url(case: Any, change: str, data: dict[str, Any] | None = None) -> str:
    """The address of ``change`` on ``case``; the record it names (a referral, a task, a
    checklist item) is taken out of ``data``, where the old single address had it posted."""
    args: list[Any] = [case.reference]
    if change in _NAMED:
        args.append((data or {}).pop(_NAMED[change]))
    return reverse(CHANGES[change], args=args)
