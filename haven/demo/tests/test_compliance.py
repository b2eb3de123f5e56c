"""The demo world's Section 175 audit (built on the bare demo world, quickly)."""

from __future__ import annotations

from haven.audit.models import AuditEvent
from haven.compliance.models import AuditRound, SchoolAudit, SchoolAuditReturn, SchoolAuditSubmission
from haven.demo.compliance import demo_s175_audit
from haven.demo.dates import DEMO_NOW
from haven.demo.world import demo_world_build


def test_the_demo_has_submitted_returned_draft_and_untouched_audits(db, mailoutbox, django_capture_on_commit_callbacks):
    world = demo_world_build(steps=())
    with django_capture_on_commit_callbacks(execute=True):
        demo_s175_audit(world=world, seed=2026)
    assert mailoutbox == []  # the story is in the past: nobody is emailed about it now
    audit_round = AuditRound.objects.get()
    statuses = sorted(SchoolAudit.objects.filter(round=audit_round).values_list("status", "version"))
    assert [s for s, _ in statuses].count("submitted") == 3
    assert [s for s, _ in statuses].count("returned") == 1
    assert ("draft", 1) in statuses and ("draft", 2) in statuses  # one untouched, one with a draft
    assert SchoolAuditSubmission.objects.count() == 4
    assert SchoolAuditReturn.objects.get().comments.startswith("Thank you.")
    assert not AuditEvent.objects.filter(at__gt=DEMO_NOW).exclude(action="import").exists()


def test_the_demo_is_deterministic(db):
    from django.db import transaction

    def build() -> list[tuple]:
        with transaction.atomic():
            world = demo_world_build(steps=())
            demo_s175_audit(world=world, seed=2026)
            rows = list(
                SchoolAudit.objects.order_by("school__urn").values_list(
                    "school__urn", "status", "answers", "staff_total", "staff_trained", "training_needs"
                )
            )
            transaction.set_rollback(True)
        return rows

    first = build()
    assert len({str(row[2]) for row in first}) > 2  # schools answered differently
    assert build() == first
