"""The enquiry log in the demo world (a :data:`haven.demo.world.DEMO_STEPS` step).

The county's advice service kept counts before Haven: the review's two tables (September
2020 to April 2021 counting sexually harmful behaviour, May to December 2021 counting sexual
violence and harassment) are imported as monthly counts, exactly as printed. Since September
2024 each enquiry is logged through the real service: busier in September and before
holidays, quiet in August, about 3 in 100 about sexual violence, sexual harassment or
harmful sexual behaviour, never naming a child."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from haven.access.roles import Role
from haven.accounts.models import Membership
from haven.concerns.models import Category
from haven.core.clock import history
from haven.core.months import month_starts
from haven.demo.dates import DEMO_TODAY
from haven.demo.world import DemoWorld, random_stream
from haven.insights.models import CallerRole, Channel, MonthlyCount
from haven.insights.rollups import rebuild
from haven.insights.services import enquiry_follow_up_done, enquiry_record
from haven.organisations.models import School
from haven.people.models import Pupil
from haven.resources import anonymise

# The review's tables: (month, enquiries, about sexual harm, measure).
REVIEW_TABLES = [
    ((2020, 9), 488, 18, "SHB"),
    ((2020, 10), 406, 8, "SHB"),
    ((2020, 11), 491, 11, "SHB"),
    ((2020, 12), 310, 4, "SHB"),
    ((2021, 1), 291, 0, "SHB"),
    ((2021, 2), 287, 2, "SHB"),
    ((2021, 3), 442, 16, "SHB"),
    ((2021, 4), 227, 8, "SHB"),
    ((2021, 5), 398, 12, "SV&H"),
    ((2021, 6), 366, 16, "SV&H"),
    ((2021, 7), 297, 16, "SV&H"),
    ((2021, 8), 55, 1, "SV&H"),
    ((2021, 9), 483, 22, "SV&H"),
    ((2021, 10), 402, 7, "SV&H"),
    ((2021, 11), 400, 18, "SV&H"),
    ((2021, 12), 222, 15, "SV&H"),
]
# Relative busyness by month, from the review's figures (August the quietest).
SEASON = {9: 1.4, 10: 1.1, 11: 1.2, 12: 0.8, 1: 0.8, 2: 0.8, 3: 1.2, 4: 0.7, 5: 1.1, 6: 1.0, 7: 0.9, 8: 0.15}
PER_MONTH = 22  # the six demo schools' enquiries in an ordinary month

ASKS = {
    "bullying": [
        (
            "A Year {y} pupil is being left out and called names at lunch; the parents want to know what the school "
            "will do.",
            "Follow the anti-bullying policy, record each incident, agree a plan with the pupil and "
            "parents, review in two weeks.",
        ),
        (
            "Parents say their child is bullied on the bus home; the school asked whose responsibility that is.",
            "The school can act on conduct on the way to and from school: talk to the transport provider and record "
            "it.",
        ),
    ],
    "online_bullying": [
        (
            "A group chat in Year {y} is being used to mock one pupil; screenshots were shown to a teacher.",
            "Do not ask for the images to be forwarded; record what was seen, speak to the pupils and parents, "
            "consider the online safety curriculum.",
        ),
    ],
    "physical": [
        (
            "Two Year {y} pupils fought on the field; one was hurt and the parents are asking about the police.",
            "Record it, inform parents, the family may report to the police; consider a risk assessment for both.",
        ),
    ],
    "sexual_harassment": [
        (
            "A Year {y} girl reports repeated sexual comments from boys in her class; the DSL asked about a risk "
            "assessment.",
            "Use the safety plan template, separate seating, talk to both sets of parents, consider "
            "the behaviour policy for the boys and support for all.",
        ),
    ],
    "nudes": [
        (
            "A Year {y} pupil says a nude image of them is being shared; the DSL asked what to do with the phone.",
            "Do not view or copy the image (UKCIS advice); refer to children's social care and the police; tell the "
            "pupil about Report Remove.",
        ),
    ],
    "harmful_sexual_behaviour": [
        (
            "A Year {y} child has shown sexualised behaviour towards a younger child; the school wants advice.",
            "Refer to children's social care, make a safety plan for both children, consider the harmful sexual "
            "behaviour service.",
        ),
    ],
    "prejudice": [
        (
            "Racist comments were made to a Year {y} pupil in PE; the parent is upset that nothing seems to change.",
            "Record it as a prejudice-based incident, meet the parent, consider whole-class work and sanctions.",
        ),
    ],
}
WEIGHTS = {
    "bullying": 40,
    "online_bullying": 22,
    "physical": 18,
    "prejudice": 10,
    "sexual_harassment": 1.2,
    "nudes": 0.8,
    "harmful_sexual_behaviour": 0.6,
}


def demo_enquiries(*, world: DemoWorld, seed: int) -> None:
    authority = world.authority
    officers = [
        m.user for m in Membership.objects.filter(authority=authority, role=Role.LA_OFFICER).select_related("user")
    ]
    MonthlyCount.objects.bulk_create(
        [
            MonthlyCount(
                authority=authority, month=dt.date(y, m, 1), total=t, sexual=s, measure=meas, imported_by=officers[0]
            )
            for (y, m), t, s, meas in REVIEW_TABLES
        ]
    )
    categories = {c.code: c for c in Category.objects.filter(authority__isnull=True, code__in=list(WEIGHTS))}
    schools = list(world.schools.values())
    rosters = {s.pk: anonymise.roster_for(s) for s in schools}
    years = {s.pk: _years(s) for s in schools}
    rng = random_stream(seed, "enquiries")
    made = 0
    with history() as clock:
        for month in month_starts(dt.date(2024, 9, 1), DEMO_TODAY.replace(day=1)):
            count = round(PER_MONTH * SEASON[month.month] * rng.uniform(0.8, 1.2))
            days = [
                month + dt.timedelta(days=d)
                for d in range(31)
                if (month + dt.timedelta(days=d)).month == month.month
                and (month + dt.timedelta(days=d)).weekday() < 5
                and month + dt.timedelta(days=d) < DEMO_TODAY
            ]
            for _ in range(count if days else 0):
                day = rng.choice(days)
                at = timezone.make_aware(
                    dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.choice([0, 15, 30, 45])))
                )
                code = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
                if code == "sexual_harassment" and day < dt.date(2021, 5, 1):
                    code = "harmful_sexual_behaviour"
                ask, advice = rng.choice(ASKS[code])
                school = rng.choice(schools)
                clock.at = at.astimezone(dt.UTC)
                follow = rng.random() < 0.3
                enquiry = enquiry_record(
                    by=rng.choice(officers),
                    authority=authority,
                    school=school,
                    at=at.astimezone(dt.UTC),
                    caller_role=rng.choices(CallerRole.values, weights=[60, 15, 12, 5, 6, 2])[0],
                    channel=rng.choices(Channel.values, weights=[70, 22, 6, 2])[0],
                    category_ids=[categories[code].pk],
                    summary=ask.format(y=rng.choice(years[school.pk])),
                    advice=advice,
                    risk_assessment_supported=code in ("sexual_harassment", "nudes", "harmful_sexual_behaviour")
                    or rng.random() < 0.1,
                    follow_up_on=day + dt.timedelta(days=7) if follow else None,
                    roster=rosters[school.pk],
                )
                if follow and day + dt.timedelta(days=7) < DEMO_TODAY - dt.timedelta(days=3) and rng.random() < 0.9:
                    clock.at = (at + dt.timedelta(days=6)).astimezone(dt.UTC)
                    enquiry_follow_up_done(by=enquiry.recorded_by, enquiry=enquiry)
                made += 1
    world.extra["enquiries"] = made


def _years(school: School) -> list[str]:
    years = sorted(set(Pupil.objects.filter(school=school).values_list("year_group", flat=True)))
    return [y for y in years if y.isdigit()] or ["7"]


def demo_rollups(*, world: DemoWorld, seed: int) -> None:
    """The last step: count the dashboards' roll-ups from everything the story wrote (and
    drop the refresh the story's saves queued: this is the same count)."""
    world.extra["rollup_rows"] = rebuild()
    transaction.get_connection().__dict__.get("_haven_rollup_slices", set()).clear()
