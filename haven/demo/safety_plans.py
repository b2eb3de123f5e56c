"""Safety plans in the demo world (a :data:`haven.demo.world.DEMO_STEPS` step).

For the most recent open cases of each demo school that have a child affected and a child
alleged to have harmed, the school's DSL writes a plan for each child through the real
services, with the clock set to the story's time: signed off and active, some reviewed
after a new incident, some overdue for review on the demo's "today", one closed, one still
a draft. References, versions, chronologies and the audit chain are exactly what the
product writes."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from haven.access.roles import Role
from haven.accounts.models import Membership, User
from haven.cases.models import Case, CaseChild
from haven.concerns.models import ChildRole
from haven.core import clock
from haven.core.clock import history
from haven.demo.dates import DEMO_TODAY
from haven.demo.world import DemoWorld, random_stream
from haven.safety_plans.models import SafetyPlan
from haven.safety_plans.selectors import plan_prefill
from haven.safety_plans.services import plan_close, plan_create, plan_sign_off, plan_version_add

PLANS_PER_SCHOOL = 4  # the most recent open cases a school writes plans for

AFFECTED_LINES = [
    (
        "Further comments or contact from the other child between lessons",
        2,
        4,
        "Staff on the corridor at changeover; separate routes between lessons",
        "Move the lesson to another room; DSL to speak to both children that day",
    ),
    (
        "Messages, images or gossip about what happened shared online",
        3,
        4,
        "Talk to both families about the group chat; online safety lesson for the form",
        "Report images to CEOP and Report Remove; inform the police",
    ),
    (
        "Being isolated by friends who take sides",
        2,
        2,
        "Trusted adult check-in twice a week",
        "Referral to the school counsellor",
    ),
]
HARMER_LINES = [
    (
        "Retribution or bullying from other pupils because of what happened",
        2,
        4,
        "Staff aware at break and lunch; a safe space to go to",
        "DSL to review the plan the same day",
    ),
    (
        "The behaviour happening again at unstructured times",
        3,
        4,
        "Supervised break times; different arrival and leaving times",
        "Parents called in; consider a referral to the harmful sexual behaviour service",
    ),
    (
        "Missing education while the plan is in place",
        1,
        4,
        "Work set for any lesson missed; mentor each week",
        "Early help assessment",
    ),
]


def _content(case: Case, link: CaseChild, by: User, at: dt.datetime, rng: random.Random) -> dict[str, Any]:
    content, _ = plan_prefill(case, link.pupil, by)
    affected = link.role == ChildRole.AFFECTED
    name = link.pupil.forename
    content.update(
        review_date=timezone.localdate(at) + dt.timedelta(days=rng.choice([14, 21, 28])),
        controls=(
            ["separate_classes", "supervised_breaks", "trusted_adult", "safe_space", "staff_informed"]
            if affected
            else ["separate_classes", "supervised_breaks", "arrival_leaving", "staff_informed", "online"]
        ),
        trusted_adult=rng.choice(["Ms Patel, head of year", "Mr Khan, learning mentor", "Mrs Osei, pastoral lead"]),
        staff_informed="Form tutor, head of year, class teachers, lunchtime supervisors",
        controls_notes="Classes and break-time duties arranged so the children are not together without an adult.",
        support_from=f"{name} gets on well with the form tutor and the learning mentor.",
        risky_places="Corridors at changeover, the dining hall, the bus home.",
        safe_places="The classroom during lessons; the library at lunch; the pastoral office.",
        places_actions="Staff on duty told where to look; a pass to leave lessons a minute early.",
        child_fair="Yes." if affected else "Mostly. I don't like having different break times.",
        child_can_do="Tell my tutor if anything happens." if affected else "Stay away from them and go to my mentor.",
        parents_fair="Yes, thank you for acting quickly.",
        parents_can_do="Keep an eye on the group chats and talk to us if anything changes.",
        worried_about=(
            "Some pupils said and did things that upset you. We want you to feel safe at school."
            if affected
            else "What happened hurt someone. We want to help you make good choices and feel safe too."
        ),
        feel_safe=(
            "Going to lessons with a friend. Having a quiet place to go at lunch."
            if affected
            else "Knowing where to be at break. Talking to your mentor each week."
        ),
        go_to="Your form tutor, the learning mentor, or any adult in the pastoral office.",
        i_can_do=(
            "Tell an adult straight away if anything happens. Use your pass if you need to leave a lesson."
            if affected
            else "Keep away from the other child. Go to your mentor if you feel cross or worried."
        ),
    )
    return content


def _lines(role: str, rng: random.Random) -> list[dict[str, Any]]:
    pool = AFFECTED_LINES if role == ChildRole.AFFECTED else HARMER_LINES
    chosen = rng.sample(pool, k=rng.choice([2, 3]))
    return [
        {"hazard": h, "hazard_rating": a, "likelihood": b, "measures": m, "contingency": c} for h, a, b, m, c in chosen
    ]


def _review(plan: SafetyPlan, by: User, *, reason: str, notes: str, next_in: int, likelihood: int | None) -> None:
    version = plan.versions.get(number=plan.current_version)
    content = {f.name: getattr(version, f.name) for f in version._meta.concrete_fields}
    content["review_date"] = clock.localdate() + dt.timedelta(days=next_in)
    lines = [
        {k: getattr(r, k) for k in ("hazard", "hazard_rating", "likelihood", "measures", "contingency")}
        for r in version.risk_lines.all()
    ]
    if likelihood:
        lines = [{**line, "likelihood": min(line["likelihood"], likelihood)} for line in lines]
    plan_version_add(
        by=by,
        plan=plan,
        content=content,
        risk_lines=lines,
        based_on=plan.current_version,
        reason=reason,
        reason_notes=notes,
        sign_off=True,
    )


def _at(day: dt.date, hour: int) -> dt.datetime:
    """A moment of the story in UTC, as the clock gives it (the audit chain hashes the time)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0))).astimezone(dt.UTC)


def demo_safety_plans(*, world: DemoWorld, seed: int) -> None:
    """Each school's recent open cases get a plan for the child affected and the child alleged
    to have harmed; the plans then live: reviewed on time, reviewed after a new incident,
    left overdue, closed, or still a draft (by turns, so every school shows several)."""
    made = 0
    end = _at(DEMO_TODAY, 16)
    with history() as clock:
        for school in world.schools.values():
            rng = random_stream(seed, "safety_plans", school.urn)
            dsl_row = Membership.objects.filter(school=school, role=Role.DSL, ended_at__isnull=True).first()
            assert dsl_row is not None, f"the demo school {school.urn} has no DSL"
            dsl = dsl_row.user
            cases = (
                Case.objects.filter(school=school, status=Case.Status.OPEN, restricted=False)
                .prefetch_related("children__pupil")
                .order_by("-opened_at")[:PLANS_PER_SCHOOL]
            )
            for case in cases:
                start = min(case.opened_at + dt.timedelta(days=rng.randint(1, 4), hours=2), end - dt.timedelta(days=2))
                links = [ch for ch in case.children.all() if ch.role in (ChildRole.AFFECTED, ChildRole.ALLEGED_HARMER)]
                for link in links[:2]:
                    fate = ("reviewed", "overdue", "closed", "active", "draft")[made % 5]
                    made += 1
                    clock.at = start
                    plan = plan_create(
                        by=dsl,
                        case=case,
                        pupil=link.pupil,
                        content=_content(case, link, dsl, start, rng),
                        risk_lines=_lines(link.role, rng),
                    )
                    if fate == "draft" and start > end - dt.timedelta(days=30):
                        continue  # still being written
                    clock.at = start + dt.timedelta(hours=3)
                    plan = plan_sign_off(by=dsl, plan=plan, based_on=1)
                    # Reviewed on each review date (the risk falling as things settle), except an
                    # overdue plan's last review, which nobody has done yet.
                    stop = end - dt.timedelta(days=rng.randint(20, 40)) if fate == "overdue" else end
                    while _at(plan.review_date, 10) < stop and plan.current_version < 8:
                        clock.at = _at(plan.review_date, 10)
                        incident = fate == "reviewed" and plan.current_version == 1
                        _review(
                            plan,
                            dsl,
                            reason="new_incident" if incident else "scheduled",
                            notes="A further comment in the corridor, dealt with the same day."
                            if incident
                            else "No further incidents since the last review.",
                            next_in=rng.choice([21, 28, 35]),
                            likelihood=None if incident else 2,
                        )
                        plan = SafetyPlan.objects.get(pk=plan.pk)
                        close_at = _at(timezone.localdate(plan.version_at) + dt.timedelta(days=1), 11)
                        if fate == "closed" and plan.current_version >= 2 and close_at < end:
                            clock.at = close_at
                            plan_close(
                                by=dsl,
                                plan=plan,
                                reason="The children are in different classes now and there have been no further "
                                "incidents. Support continues through the learning mentor.",
                            )
                            break
    world.extra["safety_plans"] = made
