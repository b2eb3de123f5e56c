"""The demo world's Section 175 audit (a ``DEMO_STEPS`` step of haven/demo/world.py).

Midshire's officer opened the 2026-27 audit in September, due in December. By the demo's
"now" three schools have submitted, one was returned with comments and is being changed, one
has a draft and one has not started. Written through the services with the clock set to the
story's moments, so the audit chain reads as it happened.
"""

from __future__ import annotations

import datetime as dt
import random

from haven.access.roles import Role
from haven.accounts.models import Membership, User
from haven.compliance import services, standards
from haven.compliance.models import SchoolAudit
from haven.core.clock import history
from haven.demo.dates import LONDON
from haven.demo.world import AUTHORITY_DOMAIN, DemoWorld, random_stream

OPENS_ON = dt.date(2026, 9, 14)
DUE_ON = dt.date(2026, 12, 11)
_EVIDENCE = {
    standards.PARTLY: "Mostly in place; a few gaps we are closing this term.",
    standards.NOT_MET: "Not yet in place.",
}
_ACTIONS = {
    "annual_update": ("Run the annual safeguarding update for staff who missed September", "DSL"),
    "trained_panel": ("Book safer recruitment training for a second panel member", "Headteacher"),
    "hot_spots": ("Add a termly hot-spot review to the DSL's calendar", "Deputy DSL"),
    "filtering_monitoring": ("Review filtering and monitoring with the IT provider", "Headteacher"),
    "rshe": ("Map consent and online safety across every year group's RSHE", "PSHE lead"),
    "policy_reviewed": ("Take the reviewed policy to the governing board", "Headteacher"),
}
_NEEDS = (
    "Two new teaching assistants need induction safeguarding training; the deputy DSL's refresher is due.",
    "Lunchtime supervisors need training on recording concerns in the child's own words.",
    "Online safety training for all staff, with filtering and monitoring for the IT lead.",
    "Safer recruitment training for a second member of the senior team.",
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON).astimezone(dt.UTC)


def _lead(school_id: int, role: str) -> User:
    m = Membership.objects.filter(school_id=school_id, role=role, ended_at__isnull=True).order_by("pk").first()
    assert m is not None, f"the demo school {school_id} has no {role}"
    return User.objects.get(pk=m.user_id)


def _answers(rng: random.Random, *, gaps: int) -> dict[str, dict[str, str]]:
    keys = [s["key"] for s in standards.snapshot()]
    weak = set(rng.sample(sorted(_ACTIONS), gaps))
    out: dict[str, dict[str, str]] = {}
    for key in keys:
        if key in weak:
            answer = rng.choice((standards.PARTLY, standards.NOT_MET))
            row = {"answer": answer, "evidence": _EVIDENCE[answer]}
            if answer == standards.NOT_MET:
                what, who = _ACTIONS[key]
                row |= {"action": what, "owner": who, "due": "2027-03-31"}
            out[key] = row
        else:
            out[key] = {"answer": standards.MET}
    return out


def demo_s175_audit(*, world: DemoWorld, seed: int) -> None:
    officer = world.users[f"officer1@{AUTHORITY_DOMAIN}"]
    rng = random_stream(seed, "s175")
    schools = sorted(world.schools.values(), key=lambda s: s.name)
    # The schools would have been emailed at the time; nothing goes out now.
    with history() as clock:
        clock.at = _at(OPENS_ON, 9)
        audit_round = services.round_open(
            by=officer, authority=world.authority, title="Section 175 audit 2026-27", opens_on=OPENS_ON, due_on=DUE_ON
        )
        audits = {a.school_id: a for a in SchoolAudit.objects.filter(round=audit_round)}
        # (days after opening of the draft, submitted?, returned?) per school, by name.
        story = ((20, True, False), (27, True, True), (34, True, False), (41, True, False), (48, False, False))
        for n, school in enumerate(schools[: len(story)]):
            days, submitted, returned = story[n]
            audit = audits[school.pk]
            dsl, head = _lead(school.pk, Role.DSL), _lead(school.pk, Role.HEAD)
            total = rng.randint(35, 140)
            clock.at = _at(OPENS_ON + dt.timedelta(days=days), 15)
            services.audit_save_draft(
                by=dsl,
                audit=audit,
                based_on=audit.version,
                answers=_answers(rng, gaps=rng.randint(1, 3)),
                staff_total=total,
                staff_trained=total - rng.randint(0, total // 4),
                training_needs=_NEEDS[n % len(_NEEDS)],
            )
            if not submitted:
                continue
            clock.at = _at(OPENS_ON + dt.timedelta(days=days + 3), 10)
            services.audit_submit(by=head, audit=audit)
            if returned:
                clock.at = _at(OPENS_ON + dt.timedelta(days=days + 10), 11)
                services.audit_return(
                    by=officer,
                    audit=audit,
                    comments="Thank you. For 1.4, please say when the governing board approved the reviewed "
                    "policy, and add an owner for the RSHE action.",
                )
    world.extra["s175_audits"] = len(audits)
    world.extra["s175_submitted"] = SchoolAudit.objects.filter(
        round=audit_round, status=SchoolAudit.Status.SUBMITTED
    ).count()
