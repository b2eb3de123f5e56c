"""The demo world (DESIGN §10): a deterministic, fictional county to try Haven in.

Midshire County Council (LA 881, fictional) holds two trusts and six schools of different
phases in two DSL pyramids, 1,500 pupils with valid UPNs, and people in every role. Beside
it, a smaller neighbour, Northshire Council (LA 882, also fictional), has one trust, three
schools and its own officer and administrator, so a tester can see that one authority's
people see nothing of the other's. Every value comes from the seed, so two builds on empty
databases give identical rows and a tester's notes ("sign in as dsl@riverside-high.example,
look at Year 9") stay true.

Why it is built the way it is:

- Each part of the world draws from its own random stream (``random_stream(seed, "pupils", urn)``),
  so a later issue that adds, say, concerns to the world does not reshuffle the pupils or
  the people already there.
- Dates hang off fixed points (:data:`ACADEMIC_YEAR_START`, :data:`DEMO_EPOCH`), never the
  clock, so pupils' ages always fit their year group for 2026/27.
- The demo password and TOTP secrets are public by design. The builder refuses to run
  where settings say production, and so do both management commands.
- Later issues add their records through :data:`DEMO_STEPS`: dotted paths of functions
  ``step(*, world: DemoWorld, seed: int) -> None`` called, in order, inside the same
  transaction once the base world exists.
- The first step, :func:`demo_concerns_and_cases`, lays two years of concerns and cases
  behind the world (2024/25, 2025/26 and the autumn of 2026/27 up to :data:`DEMO_TODAY`).
  It writes them through the real services with the clock set to each moment of the
  story, so references, validation, statutory prompts and the audit chain are exactly what
  a school's own use would give.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Q
from django.utils.module_loading import import_string

from haven.access.roles import Role, needs_two_factors
from haven.accounts.models import AuthenticatorApp, Membership, User
from haven.accounts.services import totp_secret_base32
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.organisations.models import Authority, Pyramid, School, Trust
from haven.people.models import Pupil, SenStatus, Sex
from haven.people.upn import make_upn, upn_problem

DEMO_SEED = 2026
# Public on purpose: printed at every start and listed in docs/demo-logins.md.
DEMO_PASSWORD = "haven-demo-2026"  # noqa: S105
AUTHORITY_NAME = "Midshire County Council"
LA_CODE = "881"
AUTHORITY_DOMAIN = "midshire.example"
# The world is set in the 2026/27 academic year; accounts "joined" two years before, so
# later issues can lay two years of history behind it.
ACADEMIC_YEAR_START = dt.date(2026, 9, 1)
DEMO_EPOCH = dt.datetime(2024, 9, 2, 8, 0, tzinfo=dt.UTC)
TOTP_DEVICE_NAME = "Demo authenticator"

# Functions that add later issues' records to the world, as dotted paths (module docstring).
DEMO_STEPS: tuple[str, ...] = (
    "haven.demo.story.demo_concerns_and_cases",
    "haven.demo.safety_plans.demo_safety_plans",
    "haven.demo.police.demo_police_investigation",
    "haven.demo.pupil_voice.demo_pupil_reports",
    "haven.demo.pupil_voice.demo_surveys",
    "haven.demo.resources.demo_resources_and_case_studies",
    "haven.demo.insights.demo_enquiries",
    "haven.demo.network.demo_network_meetings",
    "haven.demo.records.demo_file_transfer",
    "haven.demo.people.demo_contacts_and_family",
    "haven.demo.compliance.demo_s175_audit",
    "haven.demo.northshire.demo_northshire",
    "haven.demo.insights.demo_rollups",
)

# The same unambiguous alphabet as organisations.new_report_code, but drawn from the seed so
# the demo's pupil-reporting links are stable across rebuilds.
_REPORT_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


class DemoWorldRefused(Exception):
    """The demo world may not be built here (production settings, or data already there)."""


# --------------------------------------------------------------------------------------
# The shape of the world
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrustSpec:
    key: str
    name: str
    domain: str


@dataclass(frozen=True)
class SchoolSpec:
    key: str
    name: str
    urn: str
    establishment: int  # the DfE establishment number, the middle of each pupil's UPN
    phase: School.Phase
    trust: str | None  # a TrustSpec key; None for a maintained school
    pyramid: str
    domain: str
    pupils: int
    year_groups: tuple[str, ...]
    staff: int  # members of staff without another role


PYRAMIDS = ("Midshire North", "Midshire South")
TRUSTS = (
    TrustSpec("oakfield", "Oakfield Learning Trust", "oakfield-trust.example"),
    TrustSpec("riverside", "Riverside Academies Trust", "riverside-trust.example"),
)
_PRIMARY_YEARS = ("R", "1", "2", "3", "4", "5", "6")
SCHOOLS = (
    SchoolSpec(
        "oakfield-primary",
        "Oakfield Primary Academy",
        "990101",
        2101,
        School.Phase.PRIMARY,
        "oakfield",
        "Midshire North",
        "oakfield-primary.example",
        210,
        _PRIMARY_YEARS,
        2,
    ),
    SchoolSpec(
        "oakfield-park",
        "Oakfield Park Academy",
        "990102",
        4101,
        School.Phase.SECONDARY,
        "oakfield",
        "Midshire North",
        "oakfield-park.example",
        400,
        ("7", "8", "9", "10", "11", "12", "13"),
        4,
    ),
    SchoolSpec(
        "riverside-high",
        "Riverside High School",
        "990201",
        4102,
        School.Phase.SECONDARY,
        "riverside",
        "Midshire South",
        "riverside-high.example",
        360,
        ("7", "8", "9", "10", "11"),
        4,
    ),
    SchoolSpec(
        "willowbrook",
        "Willowbrook School",
        "990202",
        7001,
        School.Phase.SPECIAL,
        "riverside",
        "Midshire South",
        "willowbrook.example",
        80,
        ("3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14"),
        2,
    ),
    SchoolSpec(
        "st-aidans",
        "St Aidan's CE Primary School",
        "990301",
        3301,
        School.Phase.PRIMARY,
        None,
        "Midshire North",
        "st-aidans.example",
        170,
        _PRIMARY_YEARS,
        2,
    ),
    SchoolSpec(
        "hartley-green",
        "Hartley Green School",
        "990302",
        4201,
        School.Phase.ALL_THROUGH,
        None,
        "Midshire South",
        "hartley-green.example",
        280,
        (*_PRIMARY_YEARS, "7", "8", "9", "10", "11"),
        3,
    ),
)

# The neighbouring authority: smaller, with a trust of two schools and a maintained primary.
NORTH_AUTHORITY_NAME = "Northshire Council"
NORTH_LA_CODE = "882"
NORTH_DOMAIN = "northshire.example"
NORTH_PYRAMIDS = ("Northshire",)
NORTH_TRUSTS = (TrustSpec("fellside", "Fellside Learning Trust", "fellside-trust.example"),)
NORTH_SCHOOLS = (
    SchoolSpec(
        "fellside-academy",
        "Fellside Academy",
        "990401",
        4301,
        School.Phase.SECONDARY,
        "fellside",
        "Northshire",
        "fellside-academy.example",
        150,
        ("7", "8", "9", "10", "11"),
        2,
    ),
    SchoolSpec(
        "fellside-primary",
        "Fellside Primary Academy",
        "990402",
        2301,
        School.Phase.PRIMARY,
        "fellside",
        "Northshire",
        "fellside-primary.example",
        70,
        _PRIMARY_YEARS,
        1,
    ),
    SchoolSpec(
        "northgate",
        "Northgate Primary School",
        "990501",
        2302,
        School.Phase.PRIMARY,
        None,
        "Northshire",
        "northgate.example",
        60,
        _PRIMARY_YEARS,
        1,
    ),
)
DEMO_DOMAINS = (
    AUTHORITY_DOMAIN,
    *(t.domain for t in TRUSTS),
    *(s.domain for s in SCHOOLS),
    NORTH_DOMAIN,
    *(t.domain for t in NORTH_TRUSTS),
    *(s.domain for s in NORTH_SCHOOLS),
)


@dataclass(frozen=True)
class PersonSpec:
    """One demo account and the roles it holds: (role, organisation kind, organisation key)."""

    email: str
    job_title: str
    memberships: tuple[tuple[str, str, str], ...]


_STAFF_TITLES = {
    School.Phase.PRIMARY: ("Class teacher (Year 4)", "Teaching assistant", "Class teacher (Year 1)"),
    School.Phase.SECONDARY: (
        "Head of Year 9",
        "Form tutor and teacher of English",
        "Pastoral support officer",
        "Teacher of PE",
    ),
    School.Phase.SPECIAL: ("Class teacher", "Higher-level teaching assistant"),
    School.Phase.ALL_THROUGH: ("Head of Key Stage 3", "Class teacher (Year 2)", "Learning mentor"),
}


def _people() -> list[PersonSpec]:
    """Everyone in the county, in a fixed order (the order decides which name each gets)."""
    people = [
        PersonSpec(
            f"officer1@{AUTHORITY_DOMAIN}", "Education safeguarding adviser", ((Role.LA_OFFICER, "authority", LA_CODE),)
        ),
        PersonSpec(
            f"officer2@{AUTHORITY_DOMAIN}", "Education safeguarding adviser", ((Role.LA_OFFICER, "authority", LA_CODE),)
        ),
        PersonSpec(f"admin@{AUTHORITY_DOMAIN}", "Schools systems administrator", ((Role.ADMIN, "authority", LA_CODE),)),
    ]
    return people + _organisation_people(TRUSTS, SCHOOLS, governor_elsewhere=("oakfield-park", "st-aidans"))


def _north_people() -> list[PersonSpec]:
    """Everyone in Northshire: one officer and an administrator, then its trust and schools."""
    people = [
        PersonSpec(
            f"officer@{NORTH_DOMAIN}",
            "Safeguarding in education officer",
            ((Role.LA_OFFICER, "authority", NORTH_LA_CODE),),
        ),
        PersonSpec(
            f"admin@{NORTH_DOMAIN}", "Schools systems administrator", ((Role.ADMIN, "authority", NORTH_LA_CODE),)
        ),
    ]
    return people + _organisation_people(NORTH_TRUSTS, NORTH_SCHOOLS)


def _organisation_people(
    trusts: tuple[TrustSpec, ...], schools: tuple[SchoolSpec, ...], *, governor_elsewhere: tuple[str, str] | None = None
) -> list[PersonSpec]:
    """Each trust's lead, trustee and administrator, then each school's people. With
    ``governor_elsewhere`` (school, other school), that school's deputy DSL is also a governor
    of the other, as real people are."""
    people: list[PersonSpec] = []
    for trust in trusts:
        people += [
            PersonSpec(f"lead@{trust.domain}", "Trust safeguarding lead", ((Role.TRUST_LEAD, "trust", trust.key),)),
            PersonSpec(f"trustee@{trust.domain}", "Trustee for safeguarding", ((Role.GOVERNOR, "trust", trust.key),)),
            PersonSpec(f"admin@{trust.domain}", "Trust data manager", ((Role.ADMIN, "trust", trust.key),)),
        ]
    for school in schools:
        secondary = school.phase in {School.Phase.SECONDARY, School.Phase.ALL_THROUGH}
        deputy: tuple[tuple[str, str, str], ...] = ((Role.DEPUTY_DSL, "school", school.key),)
        if governor_elsewhere and school.key == governor_elsewhere[0]:
            deputy = (*deputy, (Role.GOVERNOR, "school", governor_elsewhere[1]))
        people += [
            PersonSpec(
                f"dsl@{school.domain}",
                "Assistant headteacher and DSL" if secondary else "Deputy headteacher and DSL",
                ((Role.DSL, "school", school.key),),
            ),
            PersonSpec(f"deputy.dsl@{school.domain}", "Deputy DSL", deputy),
            PersonSpec(
                f"head@{school.domain}",
                "Principal" if school.trust else "Headteacher",
                ((Role.HEAD, "school", school.key),),
            ),
            PersonSpec(f"governor@{school.domain}", "Safeguarding governor", ((Role.GOVERNOR, "school", school.key),)),
            PersonSpec(f"admin@{school.domain}", "School business manager", ((Role.ADMIN, "school", school.key),)),
        ]
        titles = _STAFF_TITLES[school.phase]
        people += [
            PersonSpec(
                f"staff{n}@{school.domain}", titles[(n - 1) % len(titles)], ((Role.STAFF, "school", school.key),)
            )
            for n in range(1, school.staff + 1)
        ]
    return people


# --------------------------------------------------------------------------------------
# Names (fictional people; diverse, as an English county is)
# --------------------------------------------------------------------------------------

GIRLS_NAMES = (
    "Olivia", "Amelia", "Isla", "Ava", "Ivy", "Freya", "Lily", "Florence", "Mia", "Willow",
    "Rosie", "Sophia", "Isabella", "Grace", "Daisy", "Sienna", "Poppy", "Elsie", "Emily", "Ella",
    "Evelyn", "Phoebe", "Sofia", "Evie", "Charlotte", "Harper", "Matilda", "Ruby", "Alice", "Maya",
    "Aisha", "Fatima", "Maryam", "Zara", "Amira", "Hafsa", "Priya", "Ananya", "Simran", "Mei",
    "Chloe", "Jessica", "Abigail", "Elizabeth", "Katherine", "Zuzanna", "Oliwia", "Amara", "Chidinma", "Niamh",
)  # fmt: skip
BOYS_NAMES = (
    "Muhammad", "Noah", "Oliver", "George", "Leo", "Arthur", "Oscar", "Theodore", "Freddie", "Harry",
    "Archie", "Jack", "Henry", "Charlie", "Finley", "Alfie", "Thomas", "William", "Jacob", "Isaac",
    "Joshua", "Samuel", "Benjamin", "Alexander", "Sebastian", "Joseph", "Daniel", "Matthew", "Max", "Reuben",
    "Ibrahim", "Yusuf", "Ayaan", "Zayn", "Arjun", "Rohan", "Harjit", "Kwame", "Tobi", "Chinedu",
    "Jakub", "Szymon", "Luca", "Mateo", "Kai", "Ethan", "Lewis", "Callum", "Connor", "Dylan",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke",
    "Patel", "Khan", "Begum", "Ahmed", "Hussain", "Ali", "Shah", "Iqbal", "Akhtar", "Mahmood",
    "Singh", "Kaur", "Sharma", "Gill", "Sandhu", "Chowdhury", "Rahman", "Miah", "Uddin", "Islam",
    "Okafor", "Adeyemi", "Mensah", "Osei", "Boateng", "Asante", "Abdi", "Mohamed", "Hassan", "Yusuf",
    "Campbell", "Francis", "Grant", "Reid", "Gordon", "Stewart", "Murray", "Fraser", "Byrne", "Doyle",
    "Kelly", "Walsh", "Murphy", "O'Brien", "McCarthy", "Nowak", "Kowalski", "Wiśniewski", "Popescu", "Ionescu",
    "Silva", "Santos", "Ferreira", "Rossi", "Kaya", "Yilmaz", "Chen", "Wong", "Nguyen", "Tran",
    "Hughes", "Edwards", "Lewis", "Morgan", "Cooper", "King", "Lee", "Martin", "Harris", "Baker",
    "Turner", "Parker", "Mitchell", "Bailey", "Carter", "Phillips", "Cook", "Bell", "Marshall", "Ward",
)  # fmt: skip
ADULT_FORENAMES = (
    "Sarah", "Claire", "Emma", "Rachel", "Helen", "Joanne", "Nicola", "Laura", "Priya", "Nadia",
    "Samina", "Funmi", "Grace", "Anna", "Kate", "Louise", "Fiona", "Mei", "Agnieszka", "Ruth",
    "David", "James", "Mark", "Paul", "Richard", "Andrew", "Simon", "Imran", "Tariq", "Rajesh",
    "Kofi", "Daniel", "Gareth", "Owen", "Stephen", "Michael", "Sanjay", "Tomasz", "Neil", "Peter",
)  # fmt: skip
# Preferred forenames a pupil might use instead of their legal one.
NICKNAMES = {
    "Alexander": "Alex", "Benjamin": "Ben", "Samuel": "Sam", "Thomas": "Tom", "William": "Will",
    "Joseph": "Joe", "Matthew": "Matt", "Daniel": "Dan", "Theodore": "Theo", "Sebastian": "Seb",
    "Joshua": "Josh", "Muhammad": "Mo", "Elizabeth": "Lizzie", "Katherine": "Kate", "Jessica": "Jess",
    "Abigail": "Abi", "Isabella": "Bella", "Florence": "Flo", "Olivia": "Liv", "Charlotte": "Lottie",
    "Zuzanna": "Zuza", "Chidinma": "Dinma",
}  # fmt: skip


# --------------------------------------------------------------------------------------
# Building it
# --------------------------------------------------------------------------------------


@dataclass
class DemoNeighbour:
    """The second authority (Northshire): its own trust, schools and pupils, kept apart from
    the county's so that every step written for Midshire stays Midshire's."""

    authority: Authority
    trusts: dict[str, Trust] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)  # by SchoolSpec key
    pupils: dict[str, list[Pupil]] = field(default_factory=dict)  # by SchoolSpec key


@dataclass
class DemoWorld:
    """What was built, for the command's summary and for later issues' :data:`DEMO_STEPS`.
    ``authority``, ``trusts``, ``schools`` and ``pupils`` are the county's (Midshire);
    ``northshire`` is the neighbour; ``users`` is everyone in both, by email."""

    seed: int
    authority: Authority
    trusts: dict[str, Trust] = field(default_factory=dict)
    schools: dict[str, School] = field(default_factory=dict)  # by SchoolSpec key
    users: dict[str, User] = field(default_factory=dict)  # by email
    pupils: dict[str, list[Pupil]] = field(default_factory=dict)  # by SchoolSpec key
    northshire: DemoNeighbour | None = None
    memberships: int = 0
    devices: int = 0
    extra: dict[str, int] = field(default_factory=dict)  # counts added by DEMO_STEPS, e.g. concerns

    @property
    def pupil_count(self) -> int:
        return sum(len(p) for p in self.pupils.values())

    def summary(self) -> dict[str, int]:
        north = self.northshire
        return {
            "trusts": len(self.trusts),
            "schools": len(self.schools),
            "pupils": self.pupil_count,
            "northshire_trusts": len(north.trusts) if north else 0,
            "northshire_schools": len(north.schools) if north else 0,
            "northshire_pupils": sum(len(p) for p in north.pupils.values()) if north else 0,
            "users": len(self.users),
            "memberships": self.memberships,
            "totp_devices": self.devices,
            **self.extra,
        }


def random_stream(seed: int, *parts: object) -> random.Random:
    """An independent stream for one part of the world (string seeds hash stably)."""
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def demo_totp_key(*, email: str, seed: int = DEMO_SEED) -> str:
    """A fixed TOTP key (40 hex characters, as django-otp stores it) for a demo account, so a
    tester can add it to an authenticator once and keep it across rebuilds."""
    return hashlib.sha256(f"haven-demo-totp:{seed}:{email}".encode()).digest()[:20].hex()


_BEFORE_YEAR_1 = {"N1": -2, "N2": -1, "R": 0}


def year_offset(year_group: str) -> int:
    """Years after Reception: N1 is -2, N2 -1, R 0, Year 7 is 7."""
    return _BEFORE_YEAR_1[year_group] if year_group in _BEFORE_YEAR_1 else int(year_group)


def birth_range(year_group: str, *, academic_year_start: dt.date = ACADEMIC_YEAR_START) -> tuple[dt.date, dt.date]:
    """The first and last dates of birth for a year group in England (1 September to 31
    August): in 2026/27, Year 7 were born 1 September 2014 to 31 August 2015."""
    first_year = academic_year_start.year - 5 - year_offset(year_group)
    return dt.date(first_year, 9, 1), dt.date(first_year + 1, 8, 31)


def _year_sizes(spec: SchoolSpec) -> dict[str, int]:
    """Split a roll across its year groups; a secondary's sixth form is smaller than the years
    below it, as many leave at 16."""
    sixth_form = {"12", "13"} if spec.phase == School.Phase.SECONDARY else set()
    weights = [0.6 if yg in sixth_form else 1.0 for yg in spec.year_groups]
    sizes = [int(spec.pupils * w / sum(weights)) for w in weights]
    for i in range(spec.pupils - sum(sizes)):
        sizes[i % len(sizes)] += 1
    return dict(zip(spec.year_groups, sizes, strict=True))


def _pupils_for(spec: SchoolSpec, school: School, seed: int, *, la_code: str = LA_CODE) -> list[Pupil]:
    """A school's roll, with rates close to England's: SEN support ~13 % and EHC plans ~3 % in
    mainstream schools (nearly every pupil at a special school has an EHC plan), looked
    after ~1 %, child in need ~3 %, child protection plan ~1 %, young carers ~2 %. Serials
    count within a school and year of allocation, so UPNs are unique."""
    rng = random_stream(seed, "pupils", spec.urn)
    special = spec.phase == School.Phase.SPECIAL
    pupils: list[Pupil] = []
    for year_group, size in _year_sizes(spec).items():
        first, last = birth_range(year_group)
        allocated = ACADEMIC_YEAR_START.year - year_offset(year_group)  # the year they started school
        born = sorted(first + dt.timedelta(days=rng.randrange((last - first).days + 1)) for _ in range(size))
        for serial, date_of_birth in enumerate(born, start=1):
            sex = Sex.FEMALE if rng.random() < 0.49 else Sex.MALE
            forename = rng.choice(GIRLS_NAMES if sex == Sex.FEMALE else BOYS_NAMES)
            preferred = NICKNAMES[forename] if forename in NICKNAMES and rng.random() < 0.35 else ""
            sen_roll = rng.random()
            if special:
                sen = SenStatus.EHC_PLAN if sen_roll < 0.92 else SenStatus.SUPPORT
            else:
                sen = (
                    SenStatus.EHC_PLAN if sen_roll < 0.03 else SenStatus.SUPPORT if sen_roll < 0.16 else SenStatus.NONE
                )
            # A child on a protection plan is counted there, not also as "in need".
            social_care = rng.random()
            pupils.append(
                Pupil(
                    school=school,
                    upn=make_upn(int(la_code), spec.establishment, allocated, serial),
                    legal_forename=forename,
                    legal_surname=rng.choice(SURNAMES),
                    preferred_forename=preferred,
                    date_of_birth=date_of_birth,
                    year_group=year_group,
                    sex=sex,
                    sen_status=sen,
                    looked_after=rng.random() < 0.01,
                    child_protection_plan=social_care < 0.01,
                    child_in_need=0.01 <= social_care < 0.04,
                    young_carer=rng.random() < 0.02,
                    created_at=DEMO_EPOCH,
                )
            )
    for pupil in pupils:
        problem = upn_problem(pupil.upn)
        if problem:  # make_upn is right by construction; this guards a future edit of it
            raise ValueError(f"demo UPN {pupil.upn}: {problem}")
    return pupils


def demo_refuse_in_production() -> None:
    """Raise :class:`DemoWorldRefused` where settings say production (HAVEN_ENV=production)."""
    if getattr(settings, "PRODUCTION", False):
        raise DemoWorldRefused(
            "Refusing to touch demo data: this database's settings say production (HAVEN_ENV=production). "
            "The demo password and TOTP secrets are public."
        )


def demo_world_present() -> bool:
    """Whether this database already holds the demo world (its county council or its neighbour)."""
    return Authority.objects.filter(
        Q(name__in=[AUTHORITY_NAME, NORTH_AUTHORITY_NAME]) | Q(la_code__in=[LA_CODE, NORTH_LA_CODE])
    ).exists()


def demo_world_build(*, seed: int = DEMO_SEED, steps: tuple[str, ...] | None = None) -> DemoWorld:
    """Build the whole demo world into an empty database, in one transaction.

    Steps: the county, its pyramids and trusts; the six schools; Northshire and its trust and
    three schools (:class:`DemoNeighbour`); the people of both, with one shared
    password hash (Argon2 is slow on purpose, so it is hashed once) and fixed TOTP secrets
    for the roles that must use two factors; each school's roll (bulk inserted); then any
    later issues' :data:`DEMO_STEPS` (or only ``steps``, e.g. none for the bare world in
    tests); finally one audit event saying the demo was loaded.

    Raises :class:`DemoWorldRefused` under production settings or when the county or any
    school already exists, rather than mixing fictional people into real data.
    """
    demo_refuse_in_production()
    with transaction.atomic():
        if demo_world_present() or School.objects.exists():
            raise DemoWorldRefused(
                "This database already holds schools or the demo county; the demo needs an empty one."
            )
        world = DemoWorld(seed=seed, authority=Authority.objects.create(name=AUTHORITY_NAME, la_code=LA_CODE))
        _organisations_build(
            seed,
            world.authority,
            pyramid_names=PYRAMIDS,
            trust_specs=TRUSTS,
            school_specs=SCHOOLS,
            trusts=world.trusts,
            schools=world.schools,
        )
        north = world.northshire = DemoNeighbour(
            authority=Authority.objects.create(name=NORTH_AUTHORITY_NAME, la_code=NORTH_LA_CODE)
        )
        _organisations_build(
            seed,
            north.authority,
            pyramid_names=NORTH_PYRAMIDS,
            trust_specs=NORTH_TRUSTS,
            school_specs=NORTH_SCHOOLS,
            trusts=north.trusts,
            schools=north.schools,
        )
        _people_build(world)
        for s in SCHOOLS:
            world.pupils[s.key] = Pupil.objects.bulk_create(_pupils_for(s, world.schools[s.key], seed), batch_size=500)
        for s in NORTH_SCHOOLS:
            north.pupils[s.key] = Pupil.objects.bulk_create(
                _pupils_for(s, north.schools[s.key], seed, la_code=NORTH_LA_CODE), batch_size=500
            )
        for step in DEMO_STEPS if steps is None else steps:
            import_string(step)(world=world, seed=seed)
        audit_record(
            Event.DEMO_WORLD_BUILT,
            obj=world.authority,
            authority=world.authority,
            extra={"demo_world": {"seed": seed, **world.summary()}},
        )
    return world


def _organisations_build(
    seed: int,
    authority: Authority,
    *,
    pyramid_names: tuple[str, ...],
    trust_specs: tuple[TrustSpec, ...],
    school_specs: tuple[SchoolSpec, ...],
    trusts: dict[str, Trust],
    schools: dict[str, School],
) -> None:
    """An authority's pyramids, trusts and schools (filling ``trusts`` and ``schools``)."""
    pyramids = {name: Pyramid.objects.create(authority=authority, name=name) for name in pyramid_names}
    for t in trust_specs:
        trusts[t.key] = Trust.objects.create(name=t.name, authority=authority)
    for s in school_specs:
        code_rng = random_stream(seed, "report_code", s.urn)
        school = School(
            name=s.name,
            urn=s.urn,
            phase=s.phase,
            authority=authority,
            trust=trusts[s.trust] if s.trust else None,
            pyramid=pyramids[s.pyramid],
            report_code="".join(code_rng.choice(_REPORT_CODE_ALPHABET) for _ in range(12)),
        )
        school.full_clean()
        school.save()
        schools[s.key] = school


def _people_build(world: DemoWorld) -> None:
    """Both authorities' people, with one shared password hash. Northshire's names come from
    a stream of their own (the county's are as before) and share no surname with the county's."""
    north = world.northshire
    assert north is not None
    organisations: dict[str, Mapping[str, Authority | Trust | School]] = {
        "authority": {LA_CODE: world.authority, NORTH_LA_CODE: north.authority},
        "trust": {**world.trusts, **north.trusts},
        "school": {**world.schools, **north.schools},
    }
    county, neighbours = _people(), _north_people()
    rng = random_stream(world.seed, "people")
    surnames = rng.sample(SURNAMES, len(county))
    forenames = [rng.choice(ADULT_FORENAMES) for _ in county]
    north_rng = random_stream(world.seed, "people", NORTH_LA_CODE)
    surnames += north_rng.sample([s for s in SURNAMES if s not in surnames], len(neighbours))
    forenames += [north_rng.choice(ADULT_FORENAMES) for _ in neighbours]
    people = county + neighbours
    password = make_password(DEMO_PASSWORD)
    users = [
        User(
            email=p.email,
            full_name=f"{forename} {surname}",
            job_title=p.job_title,
            password=password,
            date_joined=DEMO_EPOCH,
        )
        for p, forename, surname in zip(people, forenames, surnames, strict=True)
    ]
    users = User.objects.bulk_create(users)
    world.users = {u.email: u for u in users}
    memberships: list[Membership] = []
    devices: list[AuthenticatorApp] = []
    for p in people:
        user = world.users[p.email]
        for role, kind, key in p.memberships:
            membership = Membership(user=user, role=role, started_at=DEMO_EPOCH, **{kind: organisations[kind][key]})
            membership.full_clean(validate_unique=False)  # role fits organisation, exactly one organisation
            memberships.append(membership)
        if needs_two_factors({role for role, _, _ in p.memberships}):
            key = demo_totp_key(email=p.email, seed=world.seed)
            devices.append(AuthenticatorApp(user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True))
    Membership.objects.bulk_create(memberships)
    AuthenticatorApp.objects.bulk_create(devices)
    world.memberships, world.devices = len(memberships), len(devices)


# --------------------------------------------------------------------------------------
# Listing the logins
# --------------------------------------------------------------------------------------

_ROLE_ORDER: list[str] = [
    Role.LA_OFFICER,
    Role.TRUST_LEAD,
    Role.DSL,
    Role.DEPUTY_DSL,
    Role.HEAD,
    Role.STAFF,
    Role.GOVERNOR,
    Role.ADMIN,
]
_KIND_ORDER = {"authority": 0, "trust": 1, "school": 2}


def demo_base_url() -> str:
    """Where `make run` serves Haven (scripts/run.sh: 127.0.0.1 on HAVEN_PORT)."""
    return f"http://127.0.0.1:{os.environ.get('HAVEN_PORT') or 8000}"


class DemoLogin(TypedDict):
    """One demo account in one role, as ``manage.py demo_logins --json`` prints it."""

    email: str
    password: str
    role: str
    organisation: str
    totp_secret: str | None


class DemoSchoolLink(TypedDict):
    """A demo school and its pupil reporting link."""

    name: str
    urn: str
    tell_url: str


class DemoLogins(TypedDict):
    users: list[DemoLogin]
    schools: list[DemoSchoolLink]


def demo_logins_list() -> DemoLogins:
    """The demo accounts, one row per current membership, and the schools' reporting links.

    Reads the database (so it shows what is really there), limited to the demo's email
    domains and the two demo authorities' schools, the county's first, then Northshire's.
    Empty lists when the demo world is absent.
    """
    demo_refuse_in_production()
    if not demo_world_present():
        return {"users": [], "schools": []}
    by_domain = Q()
    for domain in DEMO_DOMAINS:
        by_domain |= Q(user__email__iendswith=f"@{domain}")
    memberships = list(
        Membership.objects.filter(by_domain, ended_at__isnull=True, user__is_active=True).select_related(
            "user", "school", "trust", "authority"
        )
    )
    # The county before its neighbour (built first, so its rows have the lower ids).
    authority_order = {
        pk: n
        for n, pk in enumerate(
            Authority.objects.filter(la_code__in=[LA_CODE, NORTH_LA_CODE]).order_by("pk").values_list("pk", flat=True)
        )
    }
    devices = {
        d.user_id: d
        for d in AuthenticatorApp.objects.filter(
            user_id__in={m.user_id for m in memberships}, confirmed=True, name=TOTP_DEVICE_NAME
        )
    }

    def order(m: Membership) -> tuple[int, int, str, int, str]:
        kind = "school" if m.school_id else "trust" if m.trust_id else "authority"
        authority_id = m.school.authority_id if m.school else m.trust.authority_id if m.trust else m.authority_id
        role = _ROLE_ORDER.index(m.role) if m.role in _ROLE_ORDER else len(_ROLE_ORDER)
        return (authority_order.get(authority_id or 0, 2), _KIND_ORDER[kind], str(m.organisation), role, m.user.email)

    users: list[DemoLogin] = [
        {
            "email": m.user.email,
            "password": DEMO_PASSWORD,
            "role": m.role,
            "organisation": str(m.organisation),
            "totp_secret": totp_secret_base32(devices[m.user_id]) if m.user_id in devices else None,
        }
        for m in sorted(memberships, key=order)
    ]
    base = demo_base_url()
    schools: list[DemoSchoolLink] = [
        {"name": s.name, "urn": s.urn, "tell_url": f"{base}/tell/{s.report_code}/"}
        for s in School.objects.filter(authority__la_code__in=[LA_CODE, NORTH_LA_CODE]).order_by("authority_id", "name")
    ]
    return {"users": users, "schools": schools}
