"""Pupils' reports in the demo world (a :data:`haven.core.demo.DEMO_STEPS` step).

Each demo school receives a handful of reports over the autumn term through the real
services, with the clock set to the story's time: a new one waiting, an urgent one the DSL
has answered, a conversation with a question and the pupil's answer, one made into a
concern, one closed, one marked malicious. References and passphrases come from the seed,
so a tester can open the first school's conversation at /tell/check/ with the details
printed in the README.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone

from haven.accounts.models import Membership, Role
from haven.concerns.models import Category, ChildRole
from haven.concerns.services import ChildInConcern
from haven.core.demo import DEMO_TODAY, DemoWorld, _NoEmailForThePast, _rng, _simulated_clock
from haven.people.models import Pupil

from . import secrets_words, services, tasks
from .models import ReportAlert

# (days before today, hour, status, text, where, kind of conversation)
STORIES = (
    (
        1,
        13,
        "new",
        "Some boys in year 9 keep saying things about my body when I walk past the lockers. "
        "It makes me not want to go to that corridor.",
        "corridor",
    ),
    (
        9,
        15,
        "replied",
        "A group chat has a picture of a girl in my class and people keep sharing it. She doesn't know I'm telling.",
        "online",
    ),
    (
        16,
        12,
        "question",
        "Someone pushed my friend into the toilets and wouldn't let her out. She was crying.",
        "toilets",
    ),
    (
        24,
        10,
        "converted",
        "An older pupil on the bus keeps touching my leg and I asked him to stop but he won't.",
        "transport",
    ),
    (30, 14, "closed", "People were being mean about my haircut in PE.", "changing_rooms"),
    (
        38,
        11,
        "malicious",
        "[a name] is a creep and should be excluded. Everyone knows it.",
        "other",
    ),
    (
        3,
        19,
        "urgent",
        "My friend said she wants to hurt herself tonight because of what people are posting about her.",
        "online",
    ),
)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0))).astimezone(dt.UTC)


@contextmanager
def _seeded_secrets(rng: random.Random) -> Iterator[None]:
    """References and passphrases from the seed (real ones come from the secrets module)."""

    def reference() -> str:
        raw = "".join(rng.choice(secrets_words.REFERENCE_ALPHABET) for _ in range(secrets_words.REFERENCE_LENGTH))
        return f"{raw[:4]}-{raw[4:]}"

    def passphrase() -> str:
        return " ".join(rng.choice(secrets_words.WORDS) for _ in range(secrets_words.PASSPHRASE_WORDS))

    with (
        mock.patch.object(secrets_words, "reference_new", reference),
        mock.patch.object(secrets_words, "passphrase_new", passphrase),
        mock.patch.object(tasks, "urgent_report_alert", _NoEmailForThePast),
    ):
        yield


def demo_pupil_reports(*, world: DemoWorld, seed: int) -> None:
    """Seven reports in each school, in every state, with replies (see :data:`STORIES`)."""
    made = 0
    touching = Category.objects.filter(authority__isnull=True, code="sexual_physical").order_by("-valid_from").first()
    with _simulated_clock() as clock:
        for school in world.schools.values():
            rng = _rng(seed, "pupil_voice", school.urn)
            dsl = Membership.objects.filter(school=school, role=Role.DSL, ended_at__isnull=True).first().user
            deputy_row = Membership.objects.filter(school=school, role=Role.DEPUTY_DSL, ended_at__isnull=True).first()
            with _seeded_secrets(rng):
                for days, hour, fate, text, where in STORIES:
                    start = _at(DEMO_TODAY - dt.timedelta(days=days), hour)
                    clock["at"] = start
                    report = services.report_submit(
                        school=school,
                        what_happened=text,
                        where=where,
                        when="today",
                        happened_to="friend" if "friend" in text else "me",
                        contact="reply_here",
                    ).report
                    made += 1
                    if report.urgent:
                        for user in {dsl, deputy_row.user} if deputy_row else {dsl}:
                            ReportAlert.objects.create(report=report, recipient=user, sent_at=start)
                    if fate == "new":
                        continue
                    clock["at"] = start + dt.timedelta(hours=1 if fate == "urgent" else 18)
                    services.report_mark_read(by=dsl, report=report)
                    if fate in ("replied", "urgent"):
                        services.staff_message_add(
                            by=dsl,
                            report=report,
                            kind="reply",
                            body="Thank you for telling us. You did the right thing. We are looking into it today "
                            "and will make sure the right people help.",
                        )
                    elif fate == "question":
                        services.staff_message_add(
                            by=dsl, report=report, kind="question", body="Thank you. Do you know which day it was?"
                        )
                        clock["at"] += dt.timedelta(hours=20)
                        services.pupil_message_add(report=report, body="It was last Tuesday after lunch.")
                    elif fate == "converted":
                        roll = Pupil.objects.filter(school=school, left_on__isnull=True).order_by("pk")
                        pupil = rng.choice(list(roll[:20]))
                        services.report_convert(
                            by=dsl,
                            report=report,
                            children=[ChildInConcern(pupil.pk, ChildRole.AFFECTED)],
                            occurred_at=start - dt.timedelta(hours=4),
                            location="journey",
                            category_ids=[touching.pk],
                            what_happened="A pupil reported this through the school's reporting page. The pupil "
                            "named on this concern came forward when the DSL spoke to the bus route's year group.",
                            child_told_next_steps="yes",
                        )
                        services.staff_message_add(
                            by=dsl,
                            report=report,
                            kind="reply",
                            body="Thank you. We have spoken to the people who need to know and the bus is being "
                            "supervised. You can talk to me any time.",
                        )
                    elif fate == "closed":
                        services.staff_message_add(
                            by=dsl,
                            report=report,
                            kind="reply",
                            body="Thank you for telling us. Your PE teacher will talk to the class about kindness.",
                        )
                        services.report_close(
                            by=dsl, report=report, reason="Dealt with by the PE department: class talk on kindness."
                        )
                    elif fate == "malicious":
                        services.report_close(
                            by=dsl,
                            report=report,
                            malicious=True,
                            reason="Four near-identical reports about the same pupil within ten minutes; nothing "
                            "specific happened. No action against anyone; the head of year will speak to the form "
                            "about the reporting page.",
                        )
    world.extra["pupil reports"] = made
