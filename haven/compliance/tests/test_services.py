"""The rules of the Section 175 audit's services."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from haven.audit.models import Action, AuditEvent
from haven.compliance import services, standards
from haven.compliance.models import AuditRound, SchoolAudit, SchoolAuditSubmission
from haven.core.errors import ApplicationError

from .conftest import complete_answers, save

pytestmark = pytest.mark.django_db


def test_opening_a_round_gives_every_school_of_the_authority_a_draft(world, s175_round):
    audits = SchoolAudit.objects.filter(round=s175_round)
    assert {a.school for a in audits} == {world.school_a, world.school_b}  # not the other authority's school
    assert all(a.status == SchoolAudit.Status.DRAFT for a in audits)
    assert s175_round.standards == standards.snapshot()
    assert AuditEvent.objects.filter(action=Action.CREATE, object_type="compliance.auditround").exists()


def test_the_round_keeps_its_standards_when_the_code_changes(world, s175_round, monkeypatch):
    monkeypatch.setattr(standards, "SECTIONS", (("New", (("new_one", "A new standard."),)),))
    today = timezone.localdate()
    later = services.round_open(
        by=world.users["la_officer_a"],
        authority=world.authority,
        title="Section 175 audit 2027-28",
        opens_on=today,
        due_on=today + dt.timedelta(days=30),
    )
    assert [s["key"] for s in later.standards] == ["new_one"]
    s175_round.refresh_from_db()
    assert len(s175_round.standards) >= 15
    assert s175_round.standards[0]["key"] == "dsl_and_deputy"


@pytest.mark.parametrize("user_key", ["dsl_a", "head_a", "trust_lead_a", "la_officer_m", "admin_a"])
def test_only_the_authoritys_officer_opens_a_round(world, user_key):
    today = timezone.localdate()
    with pytest.raises(ApplicationError):
        services.round_open(
            by=world.users[user_key], authority=world.authority, title="X", opens_on=today, due_on=today
        )
    assert not AuditRound.objects.exists()


@pytest.mark.parametrize(
    ("due_days", "field"),
    [(0, "due_on"), (-1, "due_on"), (367, "due_on")],
)
def test_the_due_date_must_be_after_opening_and_within_a_year(world, due_days, field):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as error:
        services.round_open(
            by=world.users["la_officer_a"],
            authority=world.authority,
            title="Section 175 audit",
            opens_on=today,
            due_on=today + dt.timedelta(days=due_days),
        )
    assert error.value.field == field


def test_a_title_is_used_once_per_authority(world, s175_round):
    today = timezone.localdate()
    with pytest.raises(ApplicationError) as error:
        services.round_open(
            by=world.users["la_officer_a"],
            authority=world.authority,
            title=s175_round.title,
            opens_on=today,
            due_on=today + dt.timedelta(days=10),
        )
    assert error.value.field == "title"


def test_a_deputy_saves_a_draft_and_the_version_moves_on(world, audit_a):
    saved = save(world.users["deputy_a"], audit_a, complete_answers(partly=("hot_spots",)))
    assert saved.version == 2
    assert saved.answers["hot_spots"]["answer"] == standards.PARTLY
    assert saved.training_percent == 75
    assert AuditEvent.objects.filter(action=Action.UPDATE, object_type="compliance.schoolaudit").exists()


def test_a_stale_save_is_refused(world, audit_a):
    save(world.users["dsl_a"], audit_a, based_on=1)
    with pytest.raises(ApplicationError) as error:
        save(world.users["deputy_a"], audit_a, complete_answers(not_met=("rshe",)), based_on=1)
    assert error.value.code == "stale"
    audit_a.refresh_from_db()
    assert audit_a.answers["rshe"]["answer"] == standards.MET


@pytest.mark.parametrize("user_key", ["staff_a", "governor_a", "trust_lead_a", "la_officer_a", "dsl_b", "admin_a"])
def test_only_the_schools_dsls_and_head_save(world, audit_a, user_key):
    with pytest.raises(ApplicationError):
        save(world.users[user_key], audit_a)


def test_more_trained_than_staff_is_refused(world, audit_a):
    with pytest.raises(ApplicationError) as error:
        save(world.users["dsl_a"], audit_a, total=10, trained=11)
    assert error.value.field == "staff_trained"


def test_submitting_needs_every_standard_evidence_and_actions(world, audit_a):
    answers = complete_answers(not_met=("rshe",), partly=("hot_spots",))
    answers["dsl_trained"] = {}
    answers["hot_spots"]["evidence"] = ""
    answers["rshe"]["owner"] = ""
    save(world.users["dsl_a"], audit_a, answers)
    with pytest.raises(ApplicationError) as error:
        services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    assert error.value.code == "incomplete"
    problems = services.missing_for_submission(audit_a)
    assert any(p.startswith("1.2:") for p in problems)  # not answered
    assert any("what is in place so far" in p for p in problems)  # partly met without evidence
    assert any("action" in p for p in problems)  # not met without an owner
    assert not SchoolAuditSubmission.objects.exists()


def test_a_deputy_cannot_submit(world, audit_a):
    save(world.users["deputy_a"], audit_a)
    with pytest.raises(ApplicationError):
        services.audit_submit(by=world.users["deputy_a"], audit=audit_a)


def test_the_head_submits_and_the_submission_is_kept_as_it_was(world, audit_a):
    save(world.users["dsl_a"], audit_a, complete_answers(not_met=("rshe",)))
    submission = services.audit_submit(by=world.users["head_a"], audit=audit_a)
    audit_a.refresh_from_db()
    assert audit_a.status == SchoolAudit.Status.SUBMITTED
    assert submission.number == 1 and not submission.late
    assert submission.answers["rshe"]["action"] == "Book the training"
    with pytest.raises(ApplicationError) as error:
        save(world.users["dsl_a"], audit_a)
    assert error.value.code == "submitted"


def test_a_late_submission_is_accepted_and_marked_late(world, audit_a):
    AuditRound.objects.filter(pk=audit_a.round_id).update(
        opens_on=timezone.localdate() - dt.timedelta(days=40), due_on=timezone.localdate() - dt.timedelta(days=1)
    )
    audit_a.refresh_from_db()
    save(world.users["dsl_a"], audit_a)
    submission = services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    assert submission.late
    audit_a.refresh_from_db()
    assert audit_a.is_late()


def test_the_officer_returns_with_comments_and_the_school_submits_again(world, audit_a):
    save(world.users["dsl_a"], audit_a)
    services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    with pytest.raises(ApplicationError) as error:
        services.audit_return(by=world.users["la_officer_a"], audit=audit_a, comments="  ")
    assert error.value.field == "comments"
    with pytest.raises(ApplicationError):
        services.audit_return(by=world.users["la_officer_m"], audit=audit_a, comments="Not yours.")
    returned = services.audit_return(
        by=world.users["la_officer_a"], audit=audit_a, comments="Say when the policy was reviewed."
    )
    assert returned.submission.number == 1
    audit_a.refresh_from_db()
    assert audit_a.status == SchoolAudit.Status.RETURNED
    save(world.users["dsl_a"], audit_a, complete_answers(partly=("policy_reviewed",), evidence="Reviewed in May."))
    second = services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    assert second.number == 2
    first = SchoolAuditSubmission.objects.get(audit=audit_a, number=1)
    assert first.answers["policy_reviewed"]["answer"] == standards.MET  # the first is unchanged


def test_only_a_submitted_audit_is_returned(world, audit_a):
    with pytest.raises(ApplicationError) as error:
        services.audit_return(by=world.users["la_officer_a"], audit=audit_a, comments="Too early.")
    assert error.value.code == "not_submitted"


# -- Found in review ----------------------------------------------------------------------------


def test_an_on_time_audit_returned_after_the_due_date_is_not_late(world, audit_a):
    from haven.compliance.models import AuditRound

    save(world.users["dsl_a"], audit_a)
    services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    # Submitted five days ago, due three days ago: on time. Returned today, after the due date.
    today, five_days_ago = timezone.localdate(), timezone.now() - dt.timedelta(days=5)
    SchoolAudit.objects.filter(pk=audit_a.pk).update(first_submitted_at=five_days_ago, submitted_at=five_days_ago)
    AuditRound.objects.filter(pk=audit_a.round_id).update(
        opens_on=today - dt.timedelta(days=30), due_on=today - dt.timedelta(days=3)
    )
    audit_a.refresh_from_db()
    audit_a.round.refresh_from_db()
    services.audit_return(by=world.users["la_officer_a"], audit=audit_a, comments="Say more about 2.1.")
    audit_a.refresh_from_db()
    assert not audit_a.is_late()
    save(world.users["dsl_a"], audit_a)
    second = services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    assert second.number == 2 and not second.late
    audit_a.refresh_from_db()
    assert not audit_a.is_late()


def test_staff_numbers_have_a_ceiling_and_zero_staff_cannot_be_submitted(world, audit_a):
    with pytest.raises(ApplicationError) as error:
        save(world.users["dsl_a"], audit_a, total=10**20, trained=1)
    assert error.value.field == "staff_total"
    save(world.users["dsl_a"], audit_a, total=0, trained=0)
    with pytest.raises(ApplicationError):
        services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    assert "a school has at least one" in " ".join(services.missing_for_submission(audit_a))


def test_a_round_opens_within_a_year_and_takes_no_submission_before_it_opens(world, audit_a):
    from haven.compliance.models import AuditRound

    officer = world.users["la_officer_a"]
    for opens in (dt.date(9999, 6, 1), dt.date(1900, 1, 1)):
        with pytest.raises(ApplicationError) as error:
            services.round_open(
                by=officer,
                authority=world.authority,
                title=f"Round {opens}",
                opens_on=opens,
                due_on=opens + dt.timedelta(days=30),
            )
        assert error.value.field == "opens_on"
    today = timezone.localdate()
    AuditRound.objects.filter(pk=audit_a.round_id).update(
        opens_on=today + dt.timedelta(days=10), due_on=today + dt.timedelta(days=40)
    )
    audit_a.refresh_from_db()
    audit_a.round.refresh_from_db()
    save(world.users["dsl_a"], audit_a)
    with pytest.raises(ApplicationError, match="it can be submitted from then"):
        services.audit_submit(by=world.users["dsl_a"], audit=audit_a)


def test_the_rounds_officer_keeps_the_audit_when_a_school_moves_authority(world, audit_a):
    from haven.organisations.models import School

    save(world.users["dsl_a"], audit_a)
    services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    School.objects.filter(pk=world.school_a.pk).update(authority=world.other_authority)
    audit_a.refresh_from_db()
    audit_a.school.refresh_from_db()
    services.audit_return(by=world.users["la_officer_a"], audit=audit_a, comments="Please look again.")
    other = world.users["la_officer_m"]
    audit_a.refresh_from_db()
    with pytest.raises(ApplicationError):
        services.audit_return(by=other, audit=audit_a, comments="Not mine to return.")


def test_what_is_missing_is_told_from_what_was_saved(world, audit_a):
    answers = complete_answers()
    answers["dsl_trained"] = {}
    save(world.users["dsl_a"], audit_a, answers, total=40, trained=30)
    with pytest.raises(ApplicationError):
        services.audit_submit(by=world.users["dsl_a"], audit=audit_a)
    problems = services.missing_for_submission(audit_a)  # the object the page holds
    assert any(p.startswith("1.2:") for p in problems)
    assert not any("number of staff" in p for p in problems)


def test_schools_are_told_when_a_round_opens_and_when_their_audit_is_returned(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        audit_round = services.round_open(
            by=world.users["la_officer_a"],
            authority=world.authority,
            title="Section 175 audit 2027-28",
            opens_on=today,
            due_on=today + dt.timedelta(days=60),
        )
    to_a = [m for m in mailoutbox if "dsl_a@example.org" in m.to]
    assert len(to_a) == 1
    assert set(to_a[0].to) == {"dsl_a@example.org", "deputy_a@example.org", "head_a@example.org"}
    audit = SchoolAudit.objects.get(round=audit_round, school=world.school_a)
    assert f"/compliance/audits/{audit.pk}/" in to_a[0].body
    assert "staff_a@example.org" not in {a for m in mailoutbox for a in m.to}
    assert not any(world.school_m.name in m.subject for m in mailoutbox)  # another authority's school
    mailoutbox.clear()
    save(world.users["dsl_a"], audit)
    services.audit_submit(by=world.users["dsl_a"], audit=audit)
    with django_capture_on_commit_callbacks(execute=True):
        services.audit_return(by=world.users["la_officer_a"], audit=audit, comments="Say more about 2.1.")
    assert [m.subject for m in mailoutbox] == [
        f"Section 175 audit 2027-28: returned to {world.school_a.name} with comments"
    ]
