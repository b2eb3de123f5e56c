"""Northshire's few records (a ``DEMO_STEPS`` step of haven/demo/world.py).

The neighbouring authority is there to show isolation: its officer, trust lead and DSLs see
their own schools and nothing of Midshire's, and Midshire's people see nothing of theirs. So
it has only a little history, all in the autumn term of 2026: a handful of concerns at each
school, each triaged (closed with no further action and its rationale) but one still waiting
at Northgate, and one open case at Fellside Academy with its checklist, a decision, the
parents told and support in place. As in the county's story, online incidents happen in the
evening and are told the next school day. Written through the real services with the
clock at each moment, like the county's story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from haven.accounts.models import User
from haven.cases.models import Case
from haven.cases.services import (
    case_add_concern,
    case_open,
    consideration_answer,
    decision_record,
    parents_informed_record,
    support_record,
)
from haven.concerns.models import Category, ChildRole, Concern
from haven.concerns.services import (
    ChildInConcern,
    concern_acknowledge,
    concern_close_no_further_action,
    concern_submit,
)
from haven.core.clock import HistoryClock, history
from haven.demo.dates import LONDON
from haven.demo.world import NORTH_SCHOOLS, DemoWorld, random_stream
from haven.people.models import Pupil


@dataclass(frozen=True)
class _Concern:
    school: str  # a NORTH_SCHOOLS key
    recorded: dt.datetime  # London time; it happened an hour or so before
    year_group: str
    category: str
    location: str
    what_happened: str  # {a}: the child affected; {h}: the child alleged to have harmed
    triage: str  # "nfa" (closed with ``rationale``), "case" (the case), "new" (waiting)
    online_platform: str = ""
    rationale: str = ""


def _at(day: int, month: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


_CASE_TITLE = "Name-calling and pushing in the Year 8 corridor"
_CONCERNS = (
    _Concern(
        "fellside-academy",
        _at(15, 9, 11, 20),
        "8",
        "bullying",
        "corridor",
        "{a} told me {h} keeps calling her names by the lockers between lessons, and others laugh.",
        "case",
    ),
    _Concern(
        "fellside-academy",
        _at(6, 10, 13, 5),
        "8",
        "physical",
        "corridor",
        "I saw {h} push {a} into the lockers at lunchtime. {a} was upset and said it happens most days.",
        "case",
    ),
    _Concern(
        "fellside-academy",
        _at(21, 10, 9, 40),
        "10",
        "online_bullying",
        "online",
        "{a} showed me messages in a group chat where {h} and others mock her photos.",
        "nfa",
        "Snapchat",
        rationale="Messages deleted by the group; both families met the head of year; to be watched in tutor time.",
    ),
    _Concern(
        "fellside-academy",
        _at(12, 11, 15, 10),
        "9",
        "bullying",
        "toilets",
        "{a} said {h} took his bag in the boys' toilets and would not give it back until he paid him.",
        "nfa",
        rationale="Bag returned; both boys and their parents spoken to; no further incidents reported.",
    ),
    _Concern(
        "fellside-academy",
        _at(17, 11, 10, 30),
        "7",
        "bullying",
        "dining_hall",
        "{a} said {h} moved his tray so he had nowhere to sit. A one-off; they made up.",
        "nfa",
        rationale="Spoken to both boys, who made up; a one-off that has been resolved.",
    ),
    _Concern(
        "fellside-primary",
        _at(30, 9, 12, 45),
        "4",
        "physical",
        "playground",
        "{h} kicked {a} during a game of football. Both were spoken to.",
        "nfa",
        rationale="Rough play in a game; both children spoken to and parents told at home time.",
    ),
    _Concern(
        "fellside-primary",
        _at(4, 11, 14, 0),
        "5",
        "racist",
        "playground",
        "{a} told me {h} said something racist about her family at break. She was crying.",
        "nfa",
        rationale="Recorded as a racist incident; both families met the head; learning on respect with the class.",
    ),
    _Concern(
        "northgate",
        _at(9, 10, 10, 15),
        "3",
        "bullying",
        "classroom",
        "{a} said {h} keeps telling the others not to play with her.",
        "nfa",
        rationale="Play leaders at lunch; the class teacher is watching friendships; parents told.",
    ),
    _Concern(
        "northgate",
        _at(19, 11, 15, 30),
        "6",
        "online_bullying",
        "online",
        "{a}'s mum says {h} sent {a} unkind messages in an online game after school.",
        "new",
        "Roblox",
    ),
)


def _name(pupil: Pupil) -> str:
    return pupil.preferred_forename or pupil.legal_forename


def demo_northshire(*, world: DemoWorld, seed: int) -> None:
    """A few concerns at each Northshire school and one open case at Fellside Academy, in
    the order they happened."""
    north = world.northshire
    if north is None:
        return
    categories = {c.code: c for c in Category.objects.filter(authority__isnull=True).order_by("valid_from")}
    domains = {s.key: s.domain for s in NORTH_SCHOOLS}
    users = world.users
    case: Case | None = None
    case_children: tuple[Pupil, Pupil] | None = None
    with history() as clock:
        for n, plan in sorted(enumerate(_CONCERNS), key=lambda item: item[1].recorded):
            rng = random_stream(seed, "northshire", plan.school, n)
            if plan.triage == "case" and case_children is not None:
                affected, harmer = case_children  # the same two children again
            else:
                year = [p for p in north.pupils[plan.school] if p.year_group == plan.year_group]
                affected, harmer = rng.sample(year, 2)
            domain = domains[plan.school]
            dsl = users[f"dsl@{domain}"]
            clock.at = plan.recorded.astimezone(dt.UTC)
            occurred = clock.at - dt.timedelta(minutes=50)
            if plan.location == "online":  # the evening before, told the next school day
                occurred = plan.recorded.replace(hour=19, minute=40) - dt.timedelta(days=1)
            concern = concern_submit(
                by=users[f"staff1@{domain}"],
                school=north.schools[plan.school],
                children=[
                    ChildInConcern(affected.pk, ChildRole.AFFECTED),
                    ChildInConcern(harmer.pk, ChildRole.ALLEGED_HARMER),
                ],
                occurred_at=occurred,
                location=plan.location,
                online_platform=plan.online_platform,
                category_ids=[categories[plan.category].pk],
                what_happened=plan.what_happened.format(a=_name(affected), h=_name(harmer)),
                child_told_next_steps="yes",
            )
            if plan.triage == "new":
                continue
            clock.at += dt.timedelta(minutes=25)
            concern_acknowledge(by=dsl, concern=concern)
            clock.at += dt.timedelta(minutes=20)
            if plan.triage == "nfa":
                concern_close_no_further_action(
                    by=dsl,
                    concern=concern,
                    rationale=plan.rationale,
                )
            elif plan.triage == "case" and case is None:
                case_children = (affected, harmer)
                case = _case_open(dsl, concern, case_children, clock)
            elif plan.triage == "case" and case is not None:
                case_add_concern(by=dsl, case=case, concern=concern)
    world.extra["northshire_concerns"] = len(_CONCERNS)
    world.extra["northshire_cases"] = 1 if case else 0


def _case_open(dsl: User, concern: Concern, children: tuple[Pupil, Pupil], clock: HistoryClock) -> Case:
    """Fellside Academy's DSL opens the case, works through the checklist, decides to manage
    it in school, tells both families and puts support in place."""
    affected, _harmer = children
    case = case_open(by=dsl, concern=concern, title=_CASE_TITLE)
    answers = {
        "wishes": ("considered", f"{_name(affected)} wants it to stop and does not want to move tutor group."),
        "crime": ("no", "Name-calling; no crime and no harmful sexual behaviour."),
        "ages": ("considered", "Both in Year 8."),
        "pattern": ("yes", "Most days since the start of term, she says."),
        "ongoing_risk": ("unsure", "Staff to watch the corridor at changeovers."),
    }
    for item, (answer, notes) in answers.items():
        clock.at += dt.timedelta(minutes=5)
        consideration_answer(by=dsl, case=case, item=item, answer=answer, notes=notes, version=_version(case))
    clock.at += dt.timedelta(minutes=10)
    decision_record(
        by=dsl,
        case=case,
        route="internal",
        rationale="Managed in school: staff at the lockers at changeovers, and work with both children.",
        version=_version(case),
    )
    for pupil in children:
        clock.at += dt.timedelta(minutes=30)
        parents_informed_record(by=dsl, case=case, pupil=pupil, informed=True, informed_on=clock.at.date())
        support_record(
            by=dsl,
            case=case,
            pupil=pupil,
            description="A weekly check-in with the head of year."
            if pupil == affected
            else "Sessions with the pastoral team on how his words land.",
        )
    return case


def _version(case: Case) -> int:
    """The case's version as stored (the demo writes as the only person at work)."""
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)
