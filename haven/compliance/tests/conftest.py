from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from haven.compliance import services, standards
from haven.compliance.models import SchoolAudit


@pytest.fixture
def s175_round(world):
    today = timezone.localdate()
    return services.round_open(
        by=world.users["la_officer_a"],
        authority=world.authority,
        title="Section 175 audit 2026-27",
        opens_on=today,
        due_on=today + dt.timedelta(days=60),
    )


def complete_answers(
    *, not_met: tuple[str, ...] = (), partly: tuple[str, ...] = (), evidence: str = "In place."
) -> dict[str, dict[str, Any]]:
    """Every standard answered: Met unless named, with evidence and an action where needed."""
    out = {}
    for s in standards.snapshot():
        k = s["key"]
        if k in not_met:
            out[k] = {
                "answer": standards.NOT_MET,
                "evidence": evidence,
                "action": "Book the training",
                "owner": "Head A",
                "due": (timezone.localdate() + dt.timedelta(days=30)).isoformat(),
            }
        elif k in partly:
            out[k] = {"answer": standards.PARTLY, "evidence": evidence}
        else:
            out[k] = {"answer": standards.MET}
    return out


@pytest.fixture
def audit_a(world, s175_round) -> SchoolAudit:
    return SchoolAudit.objects.get(round=s175_round, school=world.school_a)


def save(
    by, audit: SchoolAudit, answers=None, *, total=40, trained=30, needs="New staff need induction.", based_on=None
):
    return services.audit_save_draft(
        by=by,
        audit=audit,
        based_on=audit.version if based_on is None else based_on,
        answers=answers if answers is not None else complete_answers(),
        staff_total=total,
        staff_trained=trained,
        training_needs=needs,
    )
