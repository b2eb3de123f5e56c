"""Who holds a capability where (haven.access.policy.holders_of): the grants read the other way
round, for the people an email or an invitation goes to."""

from __future__ import annotations

from django.utils import timezone

from haven.access.policy import Capability, can, holders_of, may_submit_s175
from haven.accounts.models import Membership
from haven.compliance.models import SchoolAudit


def _emails(memberships) -> set[str]:
    return {m.user.email for m in memberships.select_related("user")}


def test_the_safeguarding_leads_of_a_school_are_its_dsl_and_deputy(world):
    assert _emails(holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[world.school_a.pk])) == {
        "dsl_a@example.org",
        "deputy_a@example.org",
    }


def test_an_urgent_concern_waiting_an_hour_reaches_the_head_only(world):
    assert _emails(holders_of(Capability.URGENT_ESCALATION, school_ids=[world.school_a.pk])) == {"head_a@example.org"}


def test_a_trust_or_authority_membership_reaches_the_schools_it_covers(world):
    # Survey results: the school's DSL, deputy and head, the trust's lead and the authority's officer.
    assert _emails(holders_of(Capability.SURVEY_RESULTS, school_ids=[world.school_a.pk])) == {
        "dsl_a@example.org",
        "deputy_a@example.org",
        "head_a@example.org",
        "trust_lead_a@example.org",
        "la_officer_a@example.org",
    }
    # Not another trust's lead, nor another authority's officer.
    assert "trust_lead_b@example.org" not in _emails(
        holders_of(Capability.SURVEY_RESULTS, school_ids=[world.school_a.pk])
    )
    assert _emails(holders_of(Capability.SURVEY_RESULTS, school_ids=[world.school_m.pk])) >= {
        "la_officer_m@example.org"
    }
    assert "la_officer_a@example.org" not in _emails(
        holders_of(Capability.SURVEY_RESULTS, school_ids=[world.school_m.pk])
    )


def test_an_ended_membership_reaches_nobody(world):
    Membership.objects.filter(user=world.users["deputy_a"]).update(ended_at=timezone.now())
    assert _emails(holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=[world.school_a.pk])) == {"dsl_a@example.org"}


def test_holders_agree_with_can_for_every_capability(world):
    """Everyone listed may do it there, and everyone who may do it there is listed."""
    school = world.school_a
    for capability in Capability:
        listed = {m.user_id for m in holders_of(capability, school_ids=[school.pk])}
        allowed = {u.pk for u in world.users.values() if can(u, capability, school=school)}
        assert listed == allowed, capability


def test_the_head_or_the_dsl_submits_the_s175_audit_and_a_deputy_prepares_it(world):
    audit = SchoolAudit(school=world.school_a)
    assert may_submit_s175(world.users["head_a"], audit)
    assert may_submit_s175(world.users["dsl_a"], audit)
    assert not may_submit_s175(world.users["deputy_a"], audit)
    assert not may_submit_s175(world.users["dsl_b"], audit)
