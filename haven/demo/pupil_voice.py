"""Pupils' reports in the demo world (a :data:`haven.demo.world.DEMO_STEPS` step).

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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from unittest import mock

from django.utils import timezone

from haven.access.roles import Role
from haven.accounts.models import Membership, User
from haven.cases.models import Case, CaseChild
from haven.cases.services import case_add_concern
from haven.concerns.models import Category, ChildRole, Concern
from haven.concerns.services import ChildInConcern, concern_close_no_further_action
from haven.core.clock import HistoryClock, history
from haven.demo.dates import DEMO_TODAY, TERM_DAYS
from haven.demo.world import DemoWorld, random_stream
from haven.organisations.models import School
from haven.people.models import Pupil
from haven.pupil_voice import secrets_words, services, survey_questions, survey_services
from haven.pupil_voice.models import PupilReport, ReportAlert, SurveyAnswer, SurveyResponse

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
        "An older pupil on the bus keeps taking my phone and pushing me into the window. "
        "I asked him to stop but he won't.",
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
    ):
        yield


def _converted(*, report: PupilReport, school: School, dsl: User, clock: HistoryClock, rng: random.Random) -> Concern:
    """The DSL makes the report a concern about the child affected in an open case it fits,
    and adds it to that case (or, with no such case, closes it with no further action and a reason)."""
    link = (
        CaseChild.objects.filter(
            case__school=school,
            case__status=Case.Status.OPEN,
            case__restricted=False,
            case__opened_at__lt=clock.at,
            role=ChildRole.AFFECTED,
        )
        .select_related("case", "pupil")
        .order_by("-case__opened_at")
        .first()
    )
    pupil = link.pupil if link else rng.choice(list(Pupil.objects.filter(school=school, left_on__isnull=True)[:20]))
    bullying = Category.objects.filter(authority__isnull=True, code="bullying").order_by("-valid_from").first()
    assert bullying is not None, "the national categories are loaded by a data migration"
    concern: Concern = services.report_convert(
        by=dsl,
        report=report,
        children=[ChildInConcern(pupil.pk, ChildRole.AFFECTED)],
        occurred_at=_at(TERM_DAYS[-17], 15) + dt.timedelta(minutes=30),
        location="journey",
        category_ids=[bullying.pk],
        what_happened=f"A pupil reported this through the school's reporting page. When the DSL spoke to the bus "
        f"route's year group, {pupil.preferred_forename or pupil.legal_forename} said it was happening to them.",
        child_told_next_steps="yes",
    )
    if link:
        case_add_concern(by=dsl, case=link.case, concern=concern)
    else:
        concern_close_no_further_action(
            by=dsl,
            concern=concern,
            rationale="Dealt with by the transport coordinator: a seating plan on the bus and a word with the older "
            "pupil's parents. No further safeguarding action; the pupil has been told who to go to.",
        )
    return concern


def demo_pupil_reports(*, world: DemoWorld, seed: int) -> None:
    """Seven reports in each school, in every state, with replies (see :data:`STORIES`)."""
    made = converted = 0
    with history() as clock:
        for school in world.schools.values():
            rng = random_stream(seed, "pupil_voice", school.urn)
            dsl_row = Membership.objects.filter(school=school, role=Role.DSL, ended_at__isnull=True).first()
            assert dsl_row is not None, f"the demo school {school.urn} has no DSL"
            dsl = dsl_row.user
            deputy_row = Membership.objects.filter(school=school, role=Role.DEPUTY_DSL, ended_at__isnull=True).first()
            with _seeded_secrets(rng):
                for days, hour, fate, text, where in STORIES:
                    start = _at(DEMO_TODAY - dt.timedelta(days=days), hour)
                    if fate == "converted":  # told on a school day, so the concern is recorded in term time
                        start = _at(TERM_DAYS[-16], hour)
                    clock.at = start
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
                    clock.at = start + dt.timedelta(hours={"urgent": 1, "converted": 3}.get(fate, 18))
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
                        clock.at += dt.timedelta(hours=20)
                        services.pupil_message_add(report=report, body="It was last Tuesday after lunch.")
                    elif fate == "converted":
                        _converted(report=report, school=school, dsl=dsl, clock=clock, rng=rng)
                        converted += 1
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
    # Concerns made from reports are concerns like any other in the world's count.
    world.extra["concerns"] = world.extra.get("concerns", 0) + converted


# -- Culture surveys -----------------------------------------------------------------------------
# Two rounds the authority ran in every school: spring (closed) and autumn (open on the demo's
# "today", so a tester can answer through a school's link). Pupils feel safer and know better
# how to report in the autumn. Willowbrook, a small special school, has fewer than 10 answers
# each time, to show hiding. (title, opens, closes, answers per school by its demo key (30 for
# any other), chance of each answer)
SURVEY_ROUNDS: tuple[tuple[str, dt.date, dt.date, dict[str, int], dict[str, dict[str, float]]], ...] = (
    (
        "Spring 2026: how safe do pupils feel?",
        dt.date(2026, 3, 2),
        dt.date(2026, 3, 27),
        {
            "oakfield-primary": 46,
            "oakfield-park": 84,
            "riverside-high": 71,
            "willowbrook": 7,
            "st-aidans": 33,
            "hartley-green": 55,
        },
        {
            "safe_school": {"very_safe": 0.24, "mostly_safe": 0.38, "not_very_safe": 0.2, "not_safe": 0.08},
            "safe_online": {"very_safe": 0.18, "mostly_safe": 0.36, "not_very_safe": 0.24, "not_safe": 0.1},
            "tell_adult": {"yes": 0.48, "maybe": 0.32},
            "know_how_to_report": {"yes": 0.44, "not_sure": 0.34},
            "seen_sexual_comments": {"never": 0.34, "once_or_twice": 0.34, "often": 0.22},
            "know_harassment": {"yes": 0.5, "not_sure": 0.3},
        },
    ),
    (
        "Autumn 2026: how safe do pupils feel?",
        dt.date(2026, 11, 2),
        dt.date(2026, 11, 13),
        {
            "oakfield-primary": 58,
            "oakfield-park": 97,
            "riverside-high": 83,
            "willowbrook": 8,
            "st-aidans": 41,
            "hartley-green": 64,
        },
        {
            "safe_school": {"very_safe": 0.34, "mostly_safe": 0.4, "not_very_safe": 0.14, "not_safe": 0.05},
            "safe_online": {"very_safe": 0.22, "mostly_safe": 0.38, "not_very_safe": 0.22, "not_safe": 0.08},
            "tell_adult": {"yes": 0.6, "maybe": 0.26},
            "know_how_to_report": {"yes": 0.71, "not_sure": 0.19},
            "seen_sexual_comments": {"never": 0.45, "once_or_twice": 0.32, "often": 0.14},
            "know_harassment": {"yes": 0.72, "not_sure": 0.18},
        },
    ),
    (  # open on the demo's "today": results show once it closes; pupils can still answer
        "Winter 2026: how safe do pupils feel?",
        dt.date(2026, 11, 16),
        dt.date(2026, 12, 11),
        {
            "oakfield-primary": 6,
            "oakfield-park": 9,
            "riverside-high": 7,
            "willowbrook": 2,
            "st-aidans": 4,
            "hartley-green": 5,
        },
        {
            "safe_school": {"very_safe": 0.35, "mostly_safe": 0.4, "not_very_safe": 0.13, "not_safe": 0.05},
            "safe_online": {"very_safe": 0.23, "mostly_safe": 0.38, "not_very_safe": 0.21, "not_safe": 0.08},
            "tell_adult": {"yes": 0.62, "maybe": 0.25},
            "know_how_to_report": {"yes": 0.73, "not_sure": 0.18},
            "seen_sexual_comments": {"never": 0.46, "once_or_twice": 0.32, "often": 0.13},
            "know_harassment": {"yes": 0.74, "not_sure": 0.17},
        },
    ),
)


def _answer(rng: random.Random, values: Sequence[str], chances: Mapping[str, float]) -> str:
    """One of a question's answer values: the named answers with their chances, the rest
    shared by what is left."""
    rest = [v for v in values if v not in chances]
    left = max(0.0, 1 - sum(chances.values()))
    weights = [chances.get(v, left / len(rest) if rest else 0.0) for v in values]
    return rng.choices(values, weights=weights)[0]


def demo_surveys(*, world: DemoWorld, seed: int) -> None:
    """Three survey rounds in every school (spring and autumn closed, showing pupils feeling
    safer; winter open on the demo's "today"), opened by the authority's officer through the real
    service; pupils' answers bulk inserted (dated on school days of the round, never after today)."""

    officer_row = (
        Membership.objects.filter(authority=world.authority, role=Role.LA_OFFICER, ended_at__isnull=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    assert officer_row is not None, "the demo county has no officer"
    officer = officer_row.user
    schools = sorted(world.schools.items(), key=lambda item: item[1].urn)
    responses: list[SurveyResponse] = []
    answers: list[tuple[int, str, str]] = []  # (index into responses, question, answer)
    with history() as clock:
        for title, opens_on, closes_on, per_school, chances in SURVEY_ROUNDS:
            clock.at = _at(opens_on, 8)
            survey = survey_services.survey_open(
                by=officer, title=title, opens_on=opens_on, closes_on=closes_on, schools=[s for _, s in schools]
            )
            days = [
                opens_on + dt.timedelta(days=d)
                for d in range((min(closes_on, DEMO_TODAY) - opens_on).days + 1)
                if (opens_on + dt.timedelta(days=d)).weekday() < 5
            ]
            for key, school in schools:
                rng = random_stream(seed, "survey", title, school.urn)
                bands = [value for value, _ in survey_questions.year_bands_for(school.phase)]
                for _ in range(per_school.get(key, 30)):
                    responses.append(
                        SurveyResponse(
                            survey=survey,
                            school=school,
                            answered_on=rng.choice(days),
                            year_band="" if rng.random() < 0.15 else rng.choice(bands),
                        )
                    )
                    for question in survey.questions:
                        answers.append(
                            (
                                len(responses) - 1,
                                question["key"],
                                _answer(rng, [a["value"] for a in question["answers"]], chances[question["key"]]),
                            )
                        )
    made = SurveyResponse.objects.bulk_create(responses, batch_size=1000)
    SurveyAnswer.objects.bulk_create(
        (SurveyAnswer(response=made[i], question=q, answer=a) for i, q, a in answers), batch_size=2000
    )
    world.extra["survey answers"] = len(made)
