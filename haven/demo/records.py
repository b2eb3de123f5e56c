"""The demo world's child-protection file transfer (a ``DEMO_STEPS`` step of haven/demo/world.py).

A Year 9 pupil of Oakfield Park Academy, named in concerns there and with no open case or
safety plan, left on Friday 13 November 2026 for Riverside High School. Oakfield Park's DSL
sent the file through Haven on Wednesday 18 November, inside the 5 school days; it is waiting
for Riverside High's DSL to read it and confirm receipt. Written through the service with the
clock at the story's moment, so the audit chain reads as it happened.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef

from haven.cases.models import Case, CaseChild
from haven.concerns.models import ConcernChild
from haven.core.clock import history
from haven.demo.dates import LONDON
from haven.demo.world import SCHOOLS, DemoWorld, random_stream
from haven.people.models import Pupil
from haven.records.services import transfer_send
from haven.safety_plans.models import SafetyPlan

FROM_SCHOOL, TO_SCHOOL = "oakfield-park", "riverside-high"
LEFT_ON = dt.date(2026, 11, 13)
SENT_AT = dt.datetime(2026, 11, 18, 10, 15, tzinfo=LONDON)


def demo_file_transfer(*, world: DemoWorld, seed: int) -> None:
    school, new_school = world.schools[FROM_SCHOOL], world.schools[TO_SCHOOL]
    domain = next(s.domain for s in SCHOOLS if s.key == FROM_SCHOOL)
    open_case = CaseChild.objects.filter(pupil_id=OuterRef("pk"), case__status=Case.Status.OPEN)
    candidates = list(
        Pupil.objects.filter(school=school, year_group="9", left_on__isnull=True)
        .filter(Exists(ConcernChild.objects.filter(pupil_id=OuterRef("pk"))))
        .exclude(Exists(open_case))
        .exclude(Exists(SafetyPlan.objects.filter(pupil_id=OuterRef("pk"))))
        .order_by("upn")
    )
    if not candidates:  # a world built with other steps: nothing recorded about anyone
        return
    pupil = random_stream(seed, "file_transfer").choice(candidates)
    # The roster import marks a leaver; the demo writes what it would have left.
    Pupil.objects.filter(pk=pupil.pk).update(left_on=LEFT_ON)
    pupil.refresh_from_db()
    with history() as clock:
        clock.at = SENT_AT.astimezone(dt.UTC)
        # The new school's leads would have been emailed at the time; nothing goes out now.
        transfer_send(by=world.users[f"dsl@{domain}"], pupil=pupil, left_on=LEFT_ON, to_school=new_school)
    world.extra["file_transfers"] = 1
