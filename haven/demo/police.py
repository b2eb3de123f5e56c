"""A police investigation in the demo world (a :data:`haven.demo.world.DEMO_STEPS` step).

An open case with a child alleged to have harmed (one sent to the police if there is one; if
not, the most recent, which the DSL then sends to the police) gets what policy §12 asks a school to keep:
the officer in the case and the crime reference (then a new officer, the first on leave, so
the history shows), a bail condition on the child alleged to have harmed that ends soon after
the demo's "today" (it brought the case's safety plans forward for review), and a charging
decision still awaited. All through the real services with the clock set to the story's time.
The officer's phone number is in Ofcom's drama range and the email at example.org: neither
reaches anyone."""

from __future__ import annotations

import datetime as dt

from haven.access.roles import Role
from haven.accounts.models import Membership, User
from haven.cases.models import Case, Decision, Route
from haven.cases.services import current_routes, decisions_record
from haven.concerns.models import ChildRole
from haven.core.clock import history
from haven.core.errors import ApplicationError
from haven.demo.dates import DEMO_NOW, DEMO_TODAY
from haven.demo.world import DemoWorld
from haven.police.services import bail_condition_record, charging_decision_record, investigation_record

BAIL_ENDS = DEMO_TODAY + dt.timedelta(days=11)
TOLD_AT = DEMO_NOW - dt.timedelta(days=4)  # the DSL rang 101 on the Monday of the demo's week


def _candidates(world: DemoWorld) -> list[Case]:
    """Open cases anyone at the school may work (not restricted) with a child alleged to have
    harmed, opened before the DSL rang the police: those sent to the police first, then the
    most recent."""
    cases = (
        Case.objects.filter(
            school__in=list(world.schools.values()),
            status=Case.Status.OPEN,
            restricted=False,
            opened_at__lt=TOLD_AT - dt.timedelta(days=1),
            children__role=ChildRole.ALLEGED_HARMER,
        )
        .distinct()
        .order_by("-opened_at", "pk")
    )
    police = set(Decision.objects.filter(route=Route.POLICE, withdrawn=False).values_list("case_id", flat=True))
    return sorted(cases, key=lambda c: c.pk not in police)


def _sent_to_the_police(case: Case, by: User) -> bool:
    """The case has a police route, or the DSL decides one now (as the story's time allows)."""
    if Route.POLICE in current_routes(case):
        return True
    try:
        decisions_record(
            by=by,
            case=case,
            version=case.version,
            routes=[Route.POLICE],
            rationale="Further messages with threats came to light: reported to the police on 101, "
            "after advice from the local children's advice and support service.",
        )
    except ApplicationError:
        return False
    return True


def _officer(by: User, case: Case, *, name: str, email: str, notes: str, seed: int) -> None:
    investigation_record(
        by=by,
        case=case,
        force="Midshire Police",
        officer_name=name,
        officer_rank="DC",
        phone="01632 960 418",
        email=email,
        crime_reference=f"MP/{TOLD_AT.year}/{seed % 10000:04d}{case.pk % 100:02d}",
        notes=notes,
    )


def demo_police_investigation(*, world: DemoWorld, seed: int) -> None:
    with history() as clock:
        clock.at = (TOLD_AT - dt.timedelta(hours=1)).astimezone(dt.UTC)
        for case in _candidates(world):
            dsl_row = Membership.objects.filter(school=case.school, role=Role.DSL, ended_at__isnull=True).first()
            assert dsl_row is not None, f"the demo school {case.school.urn} has no DSL"
            if _sent_to_the_police(case, dsl_row.user):
                break
        else:
            return
    dsl = dsl_row.user
    harmer = case.children.filter(role=ChildRole.ALLEGED_HARMER).select_related("pupil").order_by("pk").first()
    assert harmer is not None
    with history() as clock:
        clock.at = TOLD_AT.replace(hour=11, minute=20).astimezone(dt.UTC)
        _officer(
            dsl,
            case,
            name="Aisha Grant",
            email="aisha.grant@police.example.org",
            notes="Rang 101; the officer called back the same morning.",
            seed=seed,
        )
        # The bail brings the case's safety plans forward for review: the demo shows them due.
        clock.at = (TOLD_AT + dt.timedelta(days=1)).replace(hour=15, minute=5).astimezone(dt.UTC)
        bail_condition_record(
            by=dsl,
            case=case,
            pupil=harmer.pupil,
            condition="Not to contact the child affected, directly or through others, including online; "
            "not to go to the library at lunchtime.",
            until=BAIL_ENDS,
        )
        charging_decision_record(
            by=dsl,
            case=case,
            outcome="awaiting",
            decided_on=(TOLD_AT + dt.timedelta(days=1)).date(),
            pupil=harmer.pupil,
            notes="File with the Crown Prosecution Service; the officer will ring when there is a decision.",
        )
        clock.at = (TOLD_AT + dt.timedelta(days=2)).replace(hour=9, minute=40).astimezone(dt.UTC)
        _officer(
            dsl,
            case,
            name="Tom Reid",
            email="tom.reid@police.example.org",
            notes="DC Grant is on leave: DC Reid is the officer in the case until she is back.",
            seed=seed,
        )
    world.extra["police_investigations"] = 1
