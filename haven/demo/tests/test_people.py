"""The demo world's contacts, family links and body maps: children named in cases have a
parent with parental responsibility first; in each school a brother and sister share their
mother and are linked; the physical concerns whose account names a mark have it on their
body map."""

from __future__ import annotations

import pytest
from django.db.models import Count

from haven.concerns.models import BodyMark, Concern
from haven.demo.people import demo_contacts_and_family
from haven.demo.world import demo_world_build
from haven.people.models import Contact, PupilLink
from haven.people.selectors import link_suggestions

STEPS = ("haven.demo.story.demo_concerns_and_cases",)


@pytest.mark.slow
def test_the_demo_has_contacts_linked_families_and_body_maps(db):
    world = demo_world_build(steps=STEPS)
    demo_contacts_and_family(world=world, seed=2026)

    first = Contact.objects.filter(priority=1, ended_at__isnull=True)
    assert first.exists() and all(c.parental_responsibility for c in first)
    assert all(c.phone.startswith("07700 900") and c.email.endswith("@example.org") for c in Contact.objects.all())
    links = list(PupilLink.objects.select_related("pupil", "other"))
    assert links and len(links) == world.extra["family_links"]
    for link in links:
        assert link.pupil.school_id == link.other.school_id
        mothers = {c.phone for c in Contact.objects.filter(pupil=link.pupil)}
        assert mothers & {c.phone for c in Contact.objects.filter(pupil=link.other)}
    dsl = next(u for key, u in world.users.items() if key.startswith("dsl@"))
    school_pupils = {link.pupil for link in links if dsl.memberships.filter(school=link.pupil.school).exists()}
    assert any(link_suggestions(dsl, p) for p in school_pupils)  # the cousin's aunt, not linked yet

    marked = Concern.objects.filter(body_mark_count__gt=0)
    assert marked.exists()
    counted = dict(BodyMark.objects.values_list("concern").annotate(n=Count("pk")))
    for concern in marked:
        assert counted[concern.pk] == concern.body_mark_count
        mark = concern.body_marks.get()
        assert ("red mark" in concern.what_happened) == (mark.region == "front_right_upper_arm")
