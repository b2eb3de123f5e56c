"""The demo world's DSL network meetings (a ``DEMO_STEPS`` step of haven/demo/world.py).

Each pyramid (Midshire North and Midshire South) met in September and in November 2026 and
meets again in January 2027; the whole authority met in October and meets in December.
Past meetings have attendance, minutes and actions (some done, some still open and so
carried to the next meeting, one overdue). Everything is written through the services with
the clock set to the story's moment, so the audit chain reads as it happened.
"""

from __future__ import annotations

import datetime as dt

from haven.access.roles import Role
from haven.core.clock import history
from haven.demo.dates import DEMO_NOW, LONDON
from haven.demo.world import AUTHORITY_DOMAIN, DemoWorld, random_stream
from haven.network import services
from haven.network.models import ActionItem, Invitation, Meeting
from haven.organisations.models import Pyramid

# (pyramid name or None for the whole authority, date, title, venue, online link, past?)
_MEETINGS = (
    (
        "Midshire North",
        dt.date(2026, 9, 24),
        "Midshire North DSL network: autumn",
        "Oakfield Park Academy, library",
        "",
    ),
    ("Midshire South", dt.date(2026, 9, 29), "Midshire South DSL network: autumn", "Hartley Green School, room 12", ""),
    (None, dt.date(2026, 10, 8), "Midshire DSL conference: child-on-child abuse", "County Hall, Council Chamber", ""),
    (
        "Midshire North",
        dt.date(2026, 11, 12),
        "Midshire North DSL network: November",
        "",
        "https://meet.example/midshire-north",
    ),
    (
        "Midshire South",
        dt.date(2026, 11, 17),
        "Midshire South DSL network: November",
        "Riverside High School, hall 2",
        "",
    ),
    (
        None,
        dt.date(2026, 12, 3),
        "Midshire DSL briefing: KCSIE and online safety",
        "",
        "https://meet.example/midshire-dsl",
    ),
    (
        "Midshire North",
        dt.date(2027, 1, 21),
        "Midshire North DSL network: spring",
        "St Aidan's CE Primary School, hall",
        "",
    ),
    (
        "Midshire South",
        dt.date(2027, 1, 26),
        "Midshire South DSL network: spring",
        "Willowbrook School, training room",
        "",
    ),
)

_AGENDA = (
    "1. Welcome and apologies\n"
    "2. Actions from the last meeting\n"
    "3. Trend pack: concerns by month, kind and hot spot\n"
    "4. Sharing practice: {topic}\n"
    "5. Updates from the Education Safeguarding Advice Service\n"
    "6. Any other business"
)
_TOPICS = (
    "supervising corridors and toilets at changeover",
    "online bullying and group chats",
    "responding to sexual harassment reports (the review's recommendations)",
    "safety plans for children who share classes and transport",
    "assemblies on healthy relationships and consent",
)
_MINUTES = (
    "Attendees reviewed the trend pack. Corridors, toilets and online remain the main hot spots; "
    "counts were similar to last term. Schools shared how they stagger lesson changeovers and put staff on "
    "the busiest corridors.\n\n"
    "Practice shared: {topic}. Two schools described using a short pupil survey to find where pupils feel "
    "unsafe, and one changed duty rotas as a result.\n\n"
    "ESAS update: the advice line is busiest in September and November; schools were reminded to record "
    "the child's own words and the rationale for every decision.\n\n"
    "No individual children were discussed."
)
_ACTIONS = (
    "Share the lesson-changeover duty rota template with the network",
    "Circulate the pupil 'where do you feel safe' survey questions",
    "Bring examples of anonymised safety plans to the next meeting",
    "Check staff have read the updated peer-on-peer abuse policy",
    "Send the group-chat assembly slides to the primary schools",
)
_ATTENDANCE = (
    (Invitation.Attendance.PRESENT,) * 6 + (Invitation.Attendance.APOLOGIES,) * 2 + (Invitation.Attendance.ABSENT,)
)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    # In UTC, as the database gives it back: the audit chain hashes the time as written.
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def demo_network_meetings(*, world: DemoWorld, seed: int) -> None:
    officer = world.users[f"officer1@{AUTHORITY_DOMAIN}"]
    pyramids = {p.name: p for p in Pyramid.objects.filter(authority=world.authority)}
    rng = random_stream(seed, "network")
    made: list[tuple[Meeting, bool]] = []
    with history() as clock:
        for n, (pyramid_name, day, title, venue, link) in enumerate(_MEETINGS):
            topic = _TOPICS[n % len(_TOPICS)]
            # Scheduled four weeks ahead, but never after the demo's "now" (nothing in the
            # audit log may come from the future).
            clock.at = min(_at(day - dt.timedelta(days=28), 10), DEMO_NOW.astimezone(dt.UTC) - dt.timedelta(days=7))
            meeting = services.meeting_schedule(
                by=officer,
                authority=world.authority,
                pyramid=pyramids[pyramid_name] if pyramid_name else None,
                title=title,
                starts_at=_at(day, 15, 30),
                ends_at=_at(day, 17, 0),
                agenda=_AGENDA.format(topic=topic),
                venue=venue,
                online_link=link,
            )
            made.append((meeting, day < dt.date(2026, 11, 20)))
        past = [m for m, is_past in made if is_past]
        for n, meeting in enumerate(past):
            local_day = meeting.starts_at.astimezone(LONDON).date()
            clock.at = _at(local_day + dt.timedelta(days=1), 9)
            invitations = list(meeting.invitations.order_by("pk"))
            services.attendance_record(
                by=officer,
                meeting=meeting,
                attendance={i.pk: rng.choice(_ATTENDANCE) for i in invitations},
            )
            services.minutes_write(
                by=officer,
                meeting=meeting,
                text=_MINUTES.format(topic=_TOPICS[n % len(_TOPICS)]),
                # Written for the demo without children's names; a pupil's name that is also an
                # ordinary word ("Hall") would otherwise hold it.
                confirmed_anonymous=True,
            )
            owners = [i.user_id for i in invitations if i.user.memberships.filter(role=Role.DSL).exists()] or [
                i.user_id for i in invitations
            ]
            for k in range(2):
                services.action_add(
                    by=officer,
                    meeting=meeting,
                    text=_ACTIONS[(n * 2 + k) % len(_ACTIONS)],
                    owner_id=rng.choice(owners),
                    due_on=local_day + dt.timedelta(days=rng.choice((14, 21, 28, 42))),
                )
        # The September actions were done by November; later ones are still open (carried).
        for action in ActionItem.objects.filter(meeting__in=past, meeting__starts_at__lt=_at(dt.date(2026, 10, 1), 0)):
            clock.at = _at(action.due_on, 12)
            services.action_set_status(by=officer, action=action, status=ActionItem.Status.DONE)
    world.extra["network_meetings"] = len(made)
    world.extra["network_actions"] = ActionItem.objects.filter(meeting__in=[m for m, _ in made]).count()
