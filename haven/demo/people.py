"""The demo world's contacts and family links (a ``DEMO_STEPS`` step of haven/demo/world.py).

Each child named in a case has one or two contacts as a school's MIS would hold them (a
parent with parental responsibility first); in every school two children named in cases are
brother and sister, sharing their mother's phone number, and the DSL has linked them; a
third child shares a contact with another without a link yet, so "Link a brother, sister or
other child" has a suggestion to show. Phone numbers are in Ofcom's drama range (07700
900000-900999) and emails at example.org: none reaches anyone."""

from __future__ import annotations

import datetime as dt

from haven.cases.models import CaseChild
from haven.core.clock import history
from haven.demo.dates import LONDON
from haven.demo.world import ADULT_FORENAMES, SCHOOLS, DemoWorld, random_stream
from haven.people.models import Contact, Pupil
from haven.people.services import contact_add, link_add

RECORDED_AT = dt.datetime(2026, 9, 3, 9, 0, tzinfo=LONDON)  # the roster's contacts, at the start of the year
LINKED_AT = dt.datetime(2026, 10, 6, 14, 30, tzinfo=LONDON)


def _contact(pupil: Pupil, forename: str, relationship: str, n: int, **more: object) -> dict[str, object]:
    return {
        "name": f"{forename} {pupil.legal_surname}",
        "relationship": relationship,
        "parental_responsibility": relationship in ("mother", "father", "carer"),
        "lives_with_child": relationship != "father" or n % 3 == 0,
        "phone": f"07700 900{n:03d}",
        "email": f"{forename.lower()}.{pupil.legal_surname.lower()}@example.org",
        "priority": 1 if relationship in ("mother", "carer") else 2,
        **more,
    }


def demo_contacts_and_family(*, world: DemoWorld, seed: int) -> None:
    rng = random_stream(seed, "contacts")
    added = links = 0
    number = 0
    for spec in SCHOOLS:
        school = world.schools.get(spec.key)
        if school is None:
            continue
        pupils = list(
            Pupil.objects.filter(school=school, pk__in=CaseChild.objects.values("pupil_id")).distinct().order_by("upn")
        )
        if len(pupils) < 3:
            continue
        sister, brother, cousin = pupils[0], pupils[1], pupils[2]
        with history() as clock:
            clock.at = RECORDED_AT.astimezone(dt.UTC)
            shared_mother = None
            for pupil in pupils:
                number = (number + 1) % 1000
                if pupil == brother and shared_mother is not None:
                    contact_add(by=None, pupil=pupil, data=dict(shared_mother))
                    added += 1
                    continue
                first = _contact(pupil, rng.choice(ADULT_FORENAMES), rng.choice(("mother", "mother", "carer")), number)
                contact_add(by=None, pupil=pupil, data=first)
                added += 1
                if pupil == sister:
                    shared_mother = first
                if rng.random() < 0.5:
                    number = (number + 1) % 1000
                    contact_add(
                        by=None, pupil=pupil, data=_contact(pupil, rng.choice(ADULT_FORENAMES), "father", number)
                    )
                    added += 1
            if shared_mother is not None:  # the cousin's aunt is on the sister's list too: a suggestion
                aunt = Contact.objects.filter(pupil=cousin).order_by("priority", "pk").first()
                if aunt is not None:
                    contact_add(
                        by=None,
                        pupil=sister,
                        data={
                            **_contact(sister, "Aunt", "relative", 0),
                            "name": aunt.name,
                            "phone": aunt.phone,
                            "email": aunt.email,
                            "parental_responsibility": False,
                            "lives_with_child": False,
                            "priority": 3,
                        },
                    )
                    added += 1
            clock.at = LINKED_AT.astimezone(dt.UTC)
            dsl = world.users.get(f"dsl@{spec.domain}")
            if dsl is not None:
                link_add(
                    by=dsl, pupil=sister, other=brother, kind="sibling", note="Same household; mother's contact shared."
                )
                links += 1
    world.extra["contacts"] = added
    world.extra["family_links"] = links
