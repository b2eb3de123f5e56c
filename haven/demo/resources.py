"""The demo world's resource bank and case studies (a DEMO_STEPS step, DESIGN §10).

The bank: the national list (loaded by the data migration) and the county review's local
organisations for Midshire; officers have reviewed part of it this year, so the rest shows
as due for review; a few staff proposals wait, were returned or were approved. Case
studies: published, sent, returned and draft ones by the demo schools' DSLs, written
through the real services at the story's times, each passing the anonymisation check
against its school's real demo roster.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from haven.concerns.models import Category
from haven.core.clock import history
from haven.demo.world import SCHOOLS, DemoWorld
from haven.resources import services
from haven.resources.models import CaseStudy, Resource
from haven.resources.seed import resource_bank_seed

LONDON = ZoneInfo("Europe/London")


def _at(day: dt.date, hour: int = 16) -> dt.datetime:
    """A London time of the story, in UTC as the database gives it back (the audit hash covers it)."""
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=LONDON).astimezone(dt.UTC)


@dataclass(frozen=True)
class StudySpec:
    school: str  # SchoolSpec key
    status: str  # draft, submitted, returned, published
    written: dt.date
    title: str
    categories: tuple[str, ...]
    context: str
    what_happened: str
    school_response: str
    what_worked: str
    outcome: str
    differently: str
    share_wider: bool = False
    comments: str = ""


STUDIES: tuple[StudySpec, ...] = (
    StudySpec(
        "oakfield-park",
        "published",
        dt.date(2025, 3, 10),
        "Sexual comments in a Year 9 group chat",
        ("online_sexual_harassment",),
        "A large secondary academy. A mixed Year 9 tutor group with an active group chat outside school.",
        "A girl told her tutor that boys in the group chat were rating girls' bodies and making sexual comments "
        "about her. Screenshots had been shared around the year group at lunch.",
        "The safeguarding lead spoke to the girl first and recorded her words. Parents of every child involved "
        "were told. The boys were spoken to one by one, with a parent present, and a safety plan kept the girl "
        "out of shared lessons with the main instigator for two weeks. Nobody was asked to show images.",
        "Hearing the girl first, and telling her what would happen next. A Year 9 assembly on online sexual "
        "harassment the following week, built with the PSHE lead, and a tutor-time session on being an "
        "active bystander.",
        "The comments stopped. The girl said she felt safe to come to lessons again. Two other pupils came "
        "forward about a different chat after the assembly.",
        "Involve the online safety lead on day one and send the parents' letter sooner: rumours spread faster "
        "than our letter.",
        share_wider=True,
    ),
    StudySpec(
        "riverside-high",
        "published",
        dt.date(2025, 6, 16),
        "Upskirting on the stairs between lessons",
        ("upskirting",),
        "An 11 to 16 secondary school with narrow stairwells that are crowded at lesson change.",
        "A Year 10 pupil saw another pupil holding a phone under a girl's skirt on the stairs. She told a "
        "teacher straight away.",
        "We followed the police starting point for a possible offence and called the police after speaking "
        "to the girl. Parents were informed. Staff did not view the phone; the police took it. The stairs "
        "were added to the duty rota as a hot spot.",
        "The pupil who told was thanked in person and kept anonymous. Staff on the stairs at lesson change, "
        "and a short staff briefing on what upskirting is and how to respond.",
        "The police dealt with the pupil responsible through an out of court disposal with the youth "
        "offending service. Reports from the stairs fell over the next term.",
        "We would map hot spots from our records every half term rather than waiting for an incident.",
    ),
    StudySpec(
        "oakfield-primary",
        "published",
        dt.date(2025, 11, 24),
        "Sexualised language in the Key Stage 2 playground",
        ("harmful_sexual_behaviour", "sexual_comments"),
        "A one-form-entry primary academy. Lunchtime supervisors noticed a change in the language used by "
        "a small group in Year 5.",
        "A group of Year 5 pupils were using sexual words they had heard online and pressuring others to "
        "repeat them. One child was upset and told a lunchtime supervisor.",
        "The safeguarding lead used the Brook traffic light tool to decide what was age-appropriate, spoke "
        "to parents, and asked the early help team for advice about one child. Consent was taught again in "
        "every class through the relationships education scheme.",
        "Teaching consent with everyday examples (asking before borrowing a pencil), and giving lunchtime "
        "supervisors a short script for what to say.",
        "The language stopped. One family accepted early help support.",
        "Train lunchtime supervisors at the start of the year, not after something happens.",
        share_wider=True,
    ),
    StudySpec(
        "willowbrook",
        "published",
        dt.date(2026, 2, 2),
        "Unwanted touching and a pupil with communication needs",
        ("sexual_physical",),
        "A special school for pupils with complex learning needs. Many pupils communicate with symbols.",
        "A pupil with limited speech became distressed at the end of PE. Using symbols, she showed a member "
        "of staff that another pupil had touched her in the changing room.",
        "We recorded what she showed us in her own symbols. Both pupils' needs and developmental stages were "
        "considered. The safety plan used a symbol-supported child-friendly page, and changing was supervised "
        "in separate spaces.",
        "A symbol-supported safety plan the pupil could point to, and a social story for the other pupil about "
        "private body parts and asking first.",
        "She now changes confidently and knows who she can go to. No further incidents this year.",
        "We would have symbols for body parts and feelings ready in every classroom before they are needed.",
    ),
    StudySpec(
        "riverside-high",
        "submitted",
        dt.date(2026, 11, 9),
        "A nude image shared in Year 8",
        ("nudes",),
        "An 11 to 16 secondary school.",
        "A Year 8 pupil shared a nude image of herself with a boy, who forwarded it to friends.",
        "We followed the UKCIS advice: no member of staff viewed the image, devices were not searched by "
        "staff, and we used the Report Remove tool with the pupil. Parents were told.",
        "Calm, non-judgemental conversations, and making sure the pupil knew it was not her fault.",
        "The image was reported for removal. The pupils involved completed an education session.",
        "Tell every member of staff, not only the pastoral team, what to do if shown an image.",
    ),
    StudySpec(
        "oakfield-park",
        "returned",
        dt.date(2026, 10, 12),
        "An initiation ritual in a sports team",
        ("hazing",),
        "A large secondary academy with many after-school sports teams.",
        "Older team members made new Year 8 members do humiliating tasks after training.",
        "The coaches were briefed, the team was suspended for two weeks and parents were informed.",
        "Clear expectations for team captains.",
        "No further rituals were reported.",
        "",
        comments="Thank you. Please say more about how the younger pupils were supported, and what the team "
        "captains now do differently: other schools will want that detail.",
    ),
    StudySpec(
        "st-aidans",
        "draft",
        dt.date(2026, 11, 16),
        "Unkind messages on a gaming platform in Year 6",
        ("online_bullying",),
        "A small Church of England primary school.",
        "Pupils in Year 6 were excluding one child from an online game and sending unkind messages.",
        "",
        "",
        "",
        "",
    ),
)

PROPOSALS = (
    # (school key, proposer email prefix, title, kind, url, outcome, note)
    (
        "riverside-high",
        "staff1",
        "Consent lessons for Key Stage 3 (PSHE Association)",
        "teaching",
        "https://pshe-association.org.uk/",
        "approve",
        "",
    ),
    ("willowbrook", "dsl", "Symbol-supported safety plan template", "policy_template", "", "changes", ""),
    ("hartley-green", "staff2", "Healthy relationships assembly for Year 10", "assembly", "", "waiting", ""),
)


def demo_resources_and_case_studies(*, world: DemoWorld, seed: int) -> None:
    """The seeded resource bank with this year's reviews and proposals, and case studies."""

    domains = {s.key: s.domain for s in SCHOOLS}
    users = world.users
    officer = users["officer1@midshire.example"]
    resource_bank_seed()  # the data migration loaded it; a flushed test database may not have
    local = resource_bank_seed(authority=world.authority)
    with history() as clock:
        # This year's review of part of the bank: the rest shows as due.
        clock.at = _at(dt.date(2026, 9, 14))
        for resource in Resource.objects.filter(authority__isnull=True).order_by("title")[:12]:
            services.resource_curate(by=officer, resource=resource, action="reviewed")
        for resource in Resource.objects.filter(authority=world.authority).order_by("title"):
            services.resource_curate(by=officer, resource=resource, action="reviewed")
        for n, (school_key, who, title, kind, url, outcome, _) in enumerate(PROPOSALS):
            clock.at = _at(dt.date(2026, 10, 5) + dt.timedelta(days=7 * n), 12)
            school = world.schools[school_key]
            data = {
                "title": title,
                "kind": kind,
                "url": url,
                "email": "" if url else f"{who}@{domains[school_key]}",
                "for_staff": kind == "policy_template",
                "for_pupils": kind != "policy_template",
                "ks3": True,
                "ks4": kind != "teaching",
                "send_suitable": school_key == "willowbrook",
                "national": bool(url),
            }
            resource = services.resource_propose(by=users[f"{who}@{domains[school_key]}"], school=school, data=data)
            clock.at += dt.timedelta(days=3)
            if outcome == "approve":
                services.resource_curate(by=officer, resource=resource, action="approve")
            elif outcome == "changes":
                services.resource_curate(
                    by=officer,
                    resource=resource,
                    action="changes",
                    note="Please add the age range and a link or contact for the symbols used.",
                )
        categories = {c.code: c.pk for c in Category.objects.filter(authority__isnull=True)}
        for spec in STUDIES:
            clock.at = _at(spec.written)
            school = world.schools[spec.school]
            author = users[f"dsl@{domains[spec.school]}"]
            data = {f: getattr(spec, f) for f in ("title", "context", "what_happened", "school_response")}
            data |= {f: getattr(spec, f) for f in ("what_worked", "outcome", "differently", "share_wider")}
            data["phase"] = school.phase
            study = services.case_study_save(
                by=author, school=school, data=data, category_ids=[categories[c] for c in spec.categories]
            )
            if spec.status == "draft":
                continue
            # The texts are fictional: a word flagged only because a demo pupil or member of
            # staff happens to share it is confirmed, as an author would. A UPN, date or
            # postcode would still stop it.
            flags = services.case_study_flags(study)
            services.case_study_submit(by=author, case_study=study, confirmed=[f.term for f in flags if f.confirmable])
            clock.at += dt.timedelta(days=4)
            if spec.status == "published":
                services.case_study_review(by=officer, case_study=study, action="publish")
            elif spec.status == "returned":
                services.case_study_review(by=officer, case_study=study, action="return", comments=spec.comments)
    world.extra["resources"] = Resource.objects.count()
    world.extra["resources_local"] = local
    world.extra["case_studies"] = CaseStudy.objects.count()
