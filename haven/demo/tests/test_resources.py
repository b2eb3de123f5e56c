"""The demo world's resource bank and case studies, built through the real services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from conftest import sign_in
from haven.demo.world import demo_world_build
from haven.resources.models import CaseStudy, Resource
from haven.resources.seed import LOCAL, NATIONAL

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo():
    return demo_world_build(steps=("haven.demo.resources.demo_resources_and_case_studies",))


def test_the_demo_bank_holds_the_seeds_and_proposals_in_every_state(demo):
    assert Resource.objects.filter(seed_key__isnull=False).count() == len(NATIONAL) + len(LOCAL)
    states = set(Resource.objects.filter(seed_key__isnull=True).values_list("status", flat=True))
    assert states == {"approved", "changes_requested", "proposed"}
    # Officers reviewed twelve national entries this year; the editions of statutory guidance
    # read in 2026 (seed.GUIDANCE_CHECKED_ON) are this year's too.
    fresh = {s.key for s in NATIONAL if s.checked_on.year == 2026}
    reviewed = Resource.objects.filter(reviewed_by__isnull=False, authority__isnull=True).values_list(
        "seed_key", flat=True
    )
    assert len(reviewed) == 12
    expected = len(fresh | set(reviewed)) + len(LOCAL) + 1
    assert Resource.objects.filter(status="approved", last_reviewed_on__year=2026).count() == expected
    assert demo.extra["case_studies"] == CaseStudy.objects.count() == 7


def test_the_demo_steps_audit_chain_verifies(demo):
    from django.core.management import call_command

    call_command("verify_audit")


def test_the_demo_case_studies_are_published_drafted_sent_and_returned(demo, client):
    assert sorted(CaseStudy.objects.values_list("status", flat=True)) == [
        "draft",
        "published",
        "published",
        "published",
        "published",
        "returned",
        "submitted",
    ]
    dsl = demo.users["dsl@hartley-green.example"]
    sign_in(client, dsl)
    text = client.get(reverse("case_studies:list")).text
    assert "Sexual comments in a Year 9 group chat" in text
    assert "A nude image shared in Year 8" not in text  # sent, not yet published
    officer = demo.users["officer1@midshire.example"]
    client.logout()
    sign_in(client, officer)
    assert "A nude image shared in Year 8" in client.get(reverse("case_studies:list")).text
    assert "Healthy relationships assembly for Year 10" in client.get(reverse("resources:queue")).text
