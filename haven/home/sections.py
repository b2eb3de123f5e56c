"""What each role's home page shows: a useful start, led by what needs attention.

One builder per app it asks, in the order the page shows them. Each builder asks only its
own app (and :mod:`haven.access` for where the person may look), so a new app adds one
builder here and nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.timesince import timesince

from haven.access.policy import (
    Capability,
    authorities_for,
    holders_of,
    may_check_roles,
    school_ids_for,
    schools_for,
    trusts_for,
)
from haven.accounts.enrolment import grants_to_check_for, resets_to_approve_for
from haven.accounts.models import Membership
from haven.audit.models import Action, AuditEvent
from haven.compliance.selectors import open_audits_to_complete
from haven.concerns.models import Concern
from haven.concerns.selectors import concerns_recorded_by
from haven.core import clock
from haven.organisations.models import School
from haven.records.selectors import leaver_counts, waiting_counts

if TYPE_CHECKING:
    from typing import TypedDict

    from django_stubs_ext import WithAnnotations

    from haven.accounts.models import User

    class _Roll(TypedDict):
        on_roll: int
        cp_plans: int
        looked_after: int

    ReadableSchool = WithAnnotations[School, _Roll]


@dataclass
class Item:
    text: str
    url: str = ""
    attention: bool = False


@dataclass
class Section:
    title: str
    intro: str = ""
    items: list[Item] = field(default_factory=list)


def home_sections_for(user: User) -> list[Section]:
    """The home page's sections for this person, or a welcome when they have no role yet."""
    read_schools = _readable_schools(user)
    sections = [
        *act_now_sections(user),
        *concerns_sections(user),
        *safeguarding_sections(user, read_schools),
        *pupils_sections(read_schools),
        *compliance_sections(user),
        *people_sections(user),
        *insights_sections(user),
        *checks_sections(user),
    ]
    return sections or [
        Section(
            title="Welcome to Haven",
            intro="Your account has no role in a school, trust or authority yet. Ask your administrator to add one.",
        )
    ]


def _readable_schools(user: User) -> QuerySet[ReadableSchool]:
    return schools_for(user, Capability.READ_SCHOOL_RECORDS).annotate(
        on_roll=Count("pupils", filter=Q(pupils__left_on__isnull=True)),
        cp_plans=Count("pupils", filter=Q(pupils__left_on__isnull=True, pupils__child_protection_plan=True)),
        looked_after=Count("pupils", filter=Q(pupils__left_on__isnull=True, pupils__looked_after=True)),
    )


def _safeguarding_leads(school_ids: list[int]) -> list[Membership]:
    return list(
        holders_of(Capability.WRITE_SCHOOL_RECORDS, school_ids=school_ids)
        .select_related("user", "school")
        .order_by("school__name", "role", "user__full_name")
    )


ACT_NOW_SHOWN = 10


def act_now_sections(user: User) -> list[Section]:
    """First on the page, for everyone who must act on them (the school's safeguarding leads,
    and its head, who is told when an hour passes): each urgent concern not yet received."""
    school_ids = school_ids_for(user, Capability.READ_SCHOOL_RECORDS)
    if not school_ids:
        return []
    urgent = (
        Concern.objects.filter(school__in=school_ids, urgent=True, acknowledged_at__isnull=True)
        .exclude(status=Concern.Status.NO_FURTHER_ACTION)
        .select_related("school")
        .order_by("recorded_at", "pk")
    )
    shown = list(urgent[: ACT_NOW_SHOWN + 1])
    if not shown:
        return []
    write_ids = set(school_ids_for(user, Capability.WRITE_SCHOOL_RECORDS))
    now = clock.now()
    section = Section(
        title="Act now: urgent concerns not yet received",
        intro="A safeguarding lead needs to read each of these and say so.",
    )
    for c in shown[:ACT_NOW_SHOWN]:
        waited = timesince(c.recorded_at, now)
        url = reverse("cases:triage" if c.school_id in write_ids else "concerns:detail", args=[c.reference])
        section.items.append(Item(f"{c.reference} at {c.school.name}: waiting {waited}", url, attention=True))
    if len(shown) > ACT_NOW_SHOWN:
        section.items.append(Item("All urgent concerns", reverse("cases:dashboard") + "?urgent=1", attention=True))
    return [section]


def concerns_sections(user: User) -> list[Section]:
    """Staff: record a concern, the last five they recorded, and who their safeguarding leads are."""
    record_schools = list(schools_for(user, Capability.RECORD_CONCERN))
    if not record_schools:
        return []
    record = Section(
        title="Record a concern",
        intro="Seen, heard or been told something that worries you? Record it now, in the child's own words.",
        items=[Item("Record a concern", reverse("concerns:new"))],
    )
    for c in concerns_recorded_by(user)[:5]:
        received = "received" if c.acknowledged_at else "not yet received"
        record.items.append(
            Item(f"{c.reference}, {c.recorded_at:%d %b}: {received}", reverse("concerns:detail", args=[c.reference]))
        )
    tell = Section(
        title="Who to tell",
        intro=(
            "If a child tells you something, or you see or hear something that worries you, "
            "write down the child's exact words and tell a safeguarding lead today."
        ),
    )
    leads = _safeguarding_leads([s.pk for s in record_schools])
    for m in leads:
        tell.items.append(Item(f"{m.user.full_name}, {m.get_role_display()} at {m.organisation} ({m.user.email})"))
    if not leads:
        tell.items.append(
            Item("Your school has no safeguarding lead in Haven yet: tell your headteacher.", attention=True)
        )
    return [record, tell]


def safeguarding_sections(user: User, read_schools: QuerySet[ReadableSchool]) -> list[Section]:
    """Safeguarding leads: concerns to triage (urgent ones first) and files to read or send, per school."""
    school_ids = [s.pk for s in read_schools]
    write_ids = set(schools_for(user, Capability.WRITE_SCHOOL_RECORDS).values_list("pk", flat=True))
    waiting = dict(
        Concern.objects.filter(school__in=school_ids, case__isnull=True)
        .exclude(status=Concern.Status.NO_FURTHER_ACTION)
        .values_list("school")
        .annotate(n=Count("id"))
    )
    urgent = dict(
        Concern.objects.filter(school__in=school_ids, urgent=True, acknowledged_at__isnull=True)
        .values_list("school")
        .annotate(n=Count("id"))
    )
    files_waiting = waiting_counts(sorted(write_ids))
    files_to_send = leaver_counts(sorted(write_ids))
    sections = []
    for school in read_schools:
        if school.pk not in write_ids and not waiting.get(school.pk):
            continue
        section = Section(title=f"{school.name}: safeguarding")
        if urgent.get(school.pk):
            section.items.append(
                Item(
                    f"{urgent[school.pk]} urgent concern{pluralize(urgent[school.pk])} not yet received",
                    reverse("cases:dashboard") + "?urgent=1",
                    attention=True,
                )
            )
        n = waiting.get(school.pk, 0)
        section.items.append(Item(f"{n} concern{pluralize(n)} to triage", reverse("cases:dashboard")))
        if n := files_waiting.get(school.pk):
            section.items.append(
                Item(
                    f"{n} child protection file{pluralize(n)} sent to you to read and confirm",
                    reverse("records:transfer_list"),
                    attention=True,
                )
            )
        if n := files_to_send.get(school.pk):
            section.items.append(
                Item(
                    f"{n} child{pluralize(n, 'ren')} who left with a file still to send",
                    reverse("records:transfer_list"),
                    attention=True,
                )
            )
        sections.append(section)
    return sections


def pupils_sections(read_schools: QuerySet[ReadableSchool]) -> list[Section]:
    """Readers of a school's records: its roll, and refused attempts to open them in the last 30 days."""
    since = clock.now() - timedelta(days=30)
    refused = dict(
        AuditEvent.objects.filter(school__in=[s.pk for s in read_schools], action=Action.ACCESS_DENIED, at__gte=since)
        .values_list("school")
        .annotate(n=Count("id"))
    )
    sections = []
    for school in read_schools:
        section = Section(title=f"{school.name}: pupils")
        url = reverse("people:pupil_list") + f"?school={school.pk}"
        section.items.append(Item(f"{school.on_roll} pupils on roll", url))
        section.items.append(
            Item(f"{school.cp_plans} with a child protection plan", url + "&flag=child_protection_plan")
        )
        section.items.append(Item(f"{school.looked_after} looked after", url + "&flag=looked_after"))
        if n := refused.get(school.pk, 0):
            section.items.append(
                Item(f"{n} refused attempts to open this school's records in the last 30 days", attention=True)
            )
        sections.append(section)
    return sections


def compliance_sections(user: User) -> list[Section]:
    """The annual Section 175 audit, open and not yet submitted: one query, however many schools."""
    audits = open_audits_to_complete(user, school_ids_for(user, Capability.S175_COMPLETE))
    if not audits:
        return []
    section = Section(title="Section 175 safeguarding audit")
    today = clock.localdate()
    for a in audits:
        if a.status == a.Status.RETURNED:  # lateness is the first submission's, not the return's
            text = f"{a.school.name}: {a.round.title}, returned with comments: look again and submit it"
            attention = True
        else:
            attention = a.is_late(today)
            text = f"{a.school.name}: {a.round.title}, {'was due' if attention else 'due'} {a.round.due_on:%-d %B %Y}"
        section.items.append(Item(text, reverse("compliance:audit", args=[a.pk]), attention=attention))
    return [section]


def people_sections(user: User) -> list[Section]:
    """Administrators: people and roles, each school's roster and term dates."""
    manage = list(schools_for(user, Capability.MANAGE_PEOPLE))
    if not (
        manage
        or trusts_for(user, Capability.MANAGE_PEOPLE)
        or authorities_for(user, Capability.MANAGE_AUTHORITY_PEOPLE)
    ):
        return []
    section = Section(
        title="People and rosters",
        intro="You manage accounts and the pupil roster. You cannot see safeguarding records.",
        items=[Item("Manage people and roles", reverse("manage:people"))],
    )
    for school in manage:
        section.items.append(
            Item(f"Import the pupil roster for {school.name}", reverse("people:roster_import", args=[school.pk]))
        )
        section.items.append(Item(f"Term dates for {school.name}", reverse("term_dates", args=[school.pk])))
    return [section]


def insights_sections(user: User) -> list[Section]:
    """Trust leads and LA officers: the schools whose anonymised trends they see."""
    sections = []
    trust_schools = list(schools_for(user, Capability.TRUST_DASHBOARDS))
    if trust_schools:
        sections.append(
            Section(
                title="Your trust's schools",
                intro="Trends across these schools appear here as anonymised counts.",
                items=[Item(f"{s.name} ({s.get_phase_display()}, URN {s.urn})") for s in trust_schools],
            )
        )
    county_schools = schools_for(user, Capability.COUNTY_DASHBOARDS)
    if county_schools.exists():
        by_phase = county_schools.values("phase").annotate(n=Count("id")).order_by("phase")
        sections.append(
            Section(
                title="Schools in your authority",
                items=[Item(f"{row['n']} {School.Phase(row['phase']).label.lower()} schools") for row in by_phase],
            )
        )
    return sections


def checks_sections(user: User) -> list[Section]:
    """Leads: safeguarding roles given recently and two-factor resets waiting for approval
    (DESIGN §3 rule 19), shown only when there is something to look at."""
    if not may_check_roles(user):
        return []
    grants, resets = len(grants_to_check_for(user)), len(resets_to_approve_for(user))
    if not grants and not resets:
        return []
    section = Section(
        title="Checks for you",
        intro="Administrators cannot see safeguarding records; you check the roles they give and approve resets.",
    )
    if grants:
        section.items.append(
            Item(f"{grants} safeguarding role{pluralize(grants)} given recently", reverse("accounts:checks"), True)
        )
    if resets:
        section.items.append(
            Item(f"{resets} two-factor reset{pluralize(resets)} to approve", reverse("accounts:checks"), True)
        )
    return [section]
