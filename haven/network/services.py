"""Every write about pyramids and DSL network meetings: one function per use case,
transactional, audited in the authority's chain."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction

from haven.access.policy import Capability, holders_of, may_manage_network
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.organisations.models import Authority, Pyramid, School

from .anonymity import Finding, minutes_findings, roster_names
from .models import ActionItem, FeedToken, Invitation, Meeting
from .tasks import schedule_reminders

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_TEXT = 20_000


def _manages(by: User, authority: Authority) -> None:
    if not may_manage_network(by, authority.pk):
        raise ApplicationError("You cannot manage network meetings of this authority.", code="forbidden")


def _text(value: str, *, field: str, label: str, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"Enter {label}.", field=field)
    if len(value) > limit:
        raise ApplicationError(
            f"{label.capitalize()} is {len(value):,} characters; the most is {limit:,}.", field=field
        )
    return value


_LOGGED_FIELDS = ("title", "starts_at", "ends_at")


def _logged(value: object) -> object:
    """A meeting's value as the audit log keeps it: a time as ISO 8601."""
    return value.isoformat() if isinstance(value, dt.datetime) else value


# -- Pyramids ------------------------------------------------------------------------------------


@transaction.atomic
def pyramid_create(*, by: User, authority: Authority, name: str, ctx: AuditContext = COMMAND) -> Pyramid:
    _manages(by, authority)
    name = _text(name, field="name", label="the pyramid's name", required=True, limit=200)
    if Pyramid.objects.filter(authority=authority, name__iexact=name).exists():
        raise ApplicationError(f"There is already a pyramid called “{name}”.", field="name")
    pyramid = Pyramid.objects.create(authority=authority, name=name)
    audit_record(Event.PYRAMID_CREATED, ctx=ctx, actor=by, obj=pyramid, authority=authority, extra={"name": name})
    return pyramid


@transaction.atomic
def pyramid_rename(*, by: User, pyramid: Pyramid, name: str, ctx: AuditContext = COMMAND) -> Pyramid:
    _manages(by, pyramid.authority)
    name = _text(name, field="name", label="the pyramid's new name", required=True, limit=200)
    if Pyramid.objects.filter(authority_id=pyramid.authority_id, name__iexact=name).exclude(pk=pyramid.pk).exists():
        raise ApplicationError(f"There is already a pyramid called “{name}”.", field="name")
    old = pyramid.name
    pyramid.name = name
    pyramid.save(update_fields=["name"])
    audit_record(
        Event.PYRAMID_RENAMED,
        ctx=ctx,
        actor=by,
        obj=pyramid,
        authority=pyramid.authority_id,
        changes={"name": (old, name)},
        extra={"name": [old, name]},
    )
    return pyramid


@transaction.atomic
def school_move_to_pyramid(*, by: User, school: School, pyramid: Pyramid | None, ctx: AuditContext = COMMAND) -> School:
    """Put a school in a pyramid (or in none). Meetings already scheduled keep their invitations."""
    _manages(by, school.authority)
    if pyramid is not None and pyramid.authority_id != school.authority_id:
        raise ApplicationError("That pyramid belongs to another authority.", field="pyramid")
    old = school.pyramid_id
    if old == (pyramid.pk if pyramid else None):
        return school
    school.pyramid = pyramid
    school.save(update_fields=["pyramid"])
    audit_record(
        Event.SCHOOL_MOVED,
        ctx=ctx,
        actor=by,
        obj=school,
        authority=school.authority_id,
        changes={"pyramid": (old, pyramid.pk if pyramid else None)},
        extra={"pyramid": [old, pyramid.pk if pyramid else None]},
    )
    return school


# -- Meetings ------------------------------------------------------------------------------------


def invitable_memberships(school_ids: Iterable[int]) -> Any:
    """Current DSL, deputy and head roles at these schools (the people who may be invited)."""
    return (
        holders_of(Capability.NETWORK_ATTEND, school_ids=school_ids)
        .filter(user__is_active=True)
        .select_related("user", "school")
        .order_by("school__name", "user__full_name", "pk")
    )


def default_invitees(school_ids: Iterable[int]) -> list[int]:
    """The DSLs and deputies of the schools: whom a new meeting invites unless told otherwise."""
    invited = holders_of(Capability.NETWORK_INVITED, school_ids=school_ids).filter(user__is_active=True)
    return sorted(set(invited.values_list("user_id", flat=True)))


def _check_meeting(
    *,
    authority: Authority,
    pyramid: Pyramid | None,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: str,
    venue: str,
    online_link: str,
) -> dict[str, Any]:
    if pyramid is not None and pyramid.authority_id != authority.pk:
        raise ApplicationError("That pyramid belongs to another authority.", field="pyramid")
    if ends_at <= starts_at:
        raise ApplicationError("The meeting must end after it starts.", field="ends_at")
    if ends_at - starts_at > dt.timedelta(hours=12):
        raise ApplicationError("A meeting cannot last more than 12 hours: check the times.", field="ends_at")
    venue = _text(venue, field="venue", label="the venue", limit=300)
    online_link = (online_link or "").strip()
    if not venue and not online_link:
        raise ApplicationError("Give a venue, an online meeting link, or both.", field="venue")
    return {
        "title": _text(title, field="title", label="a title", required=True, limit=200),
        "agenda": _text(agenda, field="agenda", label="the agenda"),
        "venue": venue,
        "online_link": online_link,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "pyramid": pyramid,
    }


def _set_invitations(meeting: Meeting, invitee_ids: Iterable[int] | None) -> int:
    school_ids = list(meeting.schools.values_list("pk", flat=True))
    allowed: dict[int, int | None] = {}
    for m in invitable_memberships(school_ids):
        allowed.setdefault(m.user_id, m.school_id)
    wanted = default_invitees(school_ids) if invitee_ids is None else sorted(set(map(int, invitee_ids)))
    if set(wanted) - set(allowed):
        raise ApplicationError(
            "Only the DSLs, deputies and headteachers of the invited schools can be invited.", field="invitees"
        )
    leaving = meeting.invitations.exclude(user_id__in=wanted)
    kept = set(leaving.exclude(attendance="").values_list("user__full_name", flat=True))
    kept |= set(meeting.actions.exclude(owner_id__in=wanted).values_list("owner__full_name", flat=True))
    if kept:
        raise ApplicationError(
            "Their attendance or an action is recorded at this meeting, so they stay invited: "
            + ", ".join(sorted(kept))
            + ".",
            field="invitees",
        )
    leaving.delete()
    existing = set(meeting.invitations.values_list("user_id", flat=True))
    Invitation.objects.bulk_create(
        [Invitation(meeting=meeting, user_id=u, school_id=allowed[u]) for u in wanted if u not in existing]
    )
    return len(wanted)


def meeting_schools(authority: Authority, pyramid: Pyramid | None) -> Any:
    schools = School.objects.filter(authority=authority)
    return schools.filter(pyramid=pyramid) if pyramid is not None else schools


@transaction.atomic
def meeting_schedule(
    *,
    by: User,
    authority: Authority,
    pyramid: Pyramid | None,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: str = "",
    venue: str = "",
    online_link: str = "",
    invitee_ids: Iterable[int] | None = None,
    ctx: AuditContext = COMMAND,
) -> Meeting:
    """Schedule a meeting of a pyramid (or of the whole authority, ``pyramid=None``).

    Its schools are the pyramid's (or the authority's) at the time of scheduling; unless
    ``invitee_ids`` says otherwise their DSLs and deputies are invited.
    """
    _manages(by, authority)
    data = _check_meeting(
        authority=authority,
        pyramid=pyramid,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        agenda=agenda,
        venue=venue,
        online_link=online_link,
    )
    meeting = Meeting(authority=authority, created_by=by, **data)
    meeting.full_clean(exclude=["schools"])
    meeting.save()
    meeting.schools.set(meeting_schools(authority, pyramid))
    invited = _set_invitations(meeting, invitee_ids)
    audit_record(
        Event.MEETING_SCHEDULED,
        ctx=ctx,
        actor=by,
        obj=meeting,
        authority=authority,
        extra={"pyramid": pyramid.pk if pyramid else None, "invited": invited, "starts_at": starts_at.isoformat()},
    )
    transaction.on_commit(lambda: schedule_reminders(meeting_start=meeting.starts_at))
    return meeting


@transaction.atomic
def meeting_update(
    *,
    by: User,
    meeting: Meeting,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    agenda: str,
    venue: str,
    online_link: str,
    invitee_ids: Iterable[int],
    ctx: AuditContext = COMMAND,
) -> Meeting:
    """Change a meeting's details and who is invited (its pyramid and schools stay)."""
    _manages(by, meeting.authority)
    data = _check_meeting(
        authority=meeting.authority,
        pyramid=meeting.pyramid,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        agenda=agenda,
        venue=venue,
        online_link=online_link,
    )
    changed = [k for k, v in data.items() if getattr(meeting, k) != v]
    # Old and new of the title and times; the agenda, venue and link are only named as changed.
    changes: dict[str, tuple[Any, Any] | list[Any]] = {
        k: (_logged(getattr(meeting, k)), _logged(data[k])) for k in changed if k in _LOGGED_FIELDS
    }
    for key, value in data.items():
        setattr(meeting, key, value)
    meeting.updated_at = clock.now()
    meeting.full_clean(exclude=["schools"])
    meeting.save()
    if "starts_at" in changed:
        # A moved meeting deserves a fresh reminder.
        meeting.reminders.all().delete()
        transaction.on_commit(lambda: schedule_reminders(meeting_start=meeting.starts_at))
    invited = _set_invitations(meeting, invitee_ids)
    audit_record(
        Event.MEETING_CHANGED,
        ctx=ctx,
        actor=by,
        obj=meeting,
        authority=meeting.authority_id,
        changes=changes,
        extra={"changed": changed, "invited": invited},
    )
    return meeting


@transaction.atomic
def attendance_record(*, by: User, meeting: Meeting, attendance: dict[int, str], ctx: AuditContext = COMMAND) -> int:
    """Record who was present, sent apologies or was absent (``{invitation id: value}``)."""
    _manages(by, meeting.authority)
    if not meeting.is_past:
        raise ApplicationError("Attendance can be recorded once the meeting has started.")
    if set(attendance.values()) - set(Invitation.Attendance.values):
        raise ApplicationError("Choose present, apologies or absent for each person.", field="attendance")
    changed = 0
    changes: dict[str, tuple[Any, Any] | list[Any]] = {}
    for invitation in meeting.invitations.filter(pk__in=list(attendance)):
        value = attendance[invitation.pk]
        if invitation.attendance != value:
            changes[f"invitation {invitation.pk}"] = (invitation.attendance, value)
            invitation.attendance = value
            invitation.save(update_fields=["attendance"])
            changed += 1
    audit_record(
        Event.MEETING_ATTENDANCE,
        ctx=ctx,
        actor=by,
        obj=meeting,
        authority=meeting.authority_id,
        changes=changes,
        extra={"attendance_changed": changed},
    )
    return changed


def minutes_check(meeting: Meeting, text: str) -> list[Finding]:
    """Children's names from the invited schools' rosters, and UPNs, found in the text."""
    return minutes_findings(text, names=roster_names(meeting.schools.values_list("pk", flat=True)))


@transaction.atomic
def minutes_write(
    *,
    by: User,
    meeting: Meeting,
    text: str,
    confirmed_anonymous: bool = False,
    ctx: AuditContext = COMMAND,
) -> Meeting:
    """Write (or rewrite) the minutes after the meeting.

    Minutes are read across schools, so they must not identify a child: a UPN is refused
    outright; a word that is a pupil's name on an invited school's roll is refused until the
    officer confirms it does not refer to a child (many names are also ordinary words).
    """
    _manages(by, meeting.authority)
    if not meeting.is_past:
        raise ApplicationError("Minutes can be written once the meeting has started.", field="minutes")
    text = _text(text, field="minutes", label="the minutes", required=True)
    findings = minutes_check(meeting, text)
    upns = [f for f in findings if f.kind == "upn"]
    if upns:
        raise ApplicationError(
            "Take out anything that identifies a child: " + "; ".join(map(str, upns)) + ".", field="minutes"
        )
    if findings and not confirmed_anonymous:
        raise ApplicationError(
            "Check these minutes do not name a child: " + "; ".join(map(str, findings)) + ". "
            "Change the words, or confirm they do not refer to a child.",
            field="minutes",
            code="names",
        )
    was_length = len(meeting.minutes)
    meeting.minutes = text
    meeting.minutes_by = by
    meeting.minutes_at = clock.now()
    meeting.save(update_fields=["minutes", "minutes_by", "minutes_at"])
    audit_record(
        Event.MEETING_MINUTES,
        ctx=ctx,
        actor=by,
        obj=meeting,
        authority=meeting.authority_id,
        changes={"length": (was_length, len(text))} if was_length != len(text) else None,
        extra={"minutes": True, "length": len(text), "names_confirmed": [f.text for f in findings]},
    )
    return meeting


@transaction.atomic
def action_add(
    *, by: User, meeting: Meeting, text: str, owner_id: int, due_on: dt.date, ctx: AuditContext = COMMAND
) -> ActionItem:
    """An action agreed at the meeting, owned by one of the people invited."""
    _manages(by, meeting.authority)
    text = _text(text, field="text", label="the action", required=True, limit=500)
    if not meeting.invitations.filter(user_id=owner_id).exists():
        raise ApplicationError("The owner must be one of the people invited to the meeting.", field="owner")
    if due_on < meeting.starts_at.date() - dt.timedelta(days=1):
        raise ApplicationError("The due date cannot be before the meeting.", field="due_on")
    action = ActionItem.objects.create(meeting=meeting, text=text, owner_id=owner_id, due_on=due_on)
    audit_record(
        Event.NETWORK_ACTION_ADDED,
        ctx=ctx,
        actor=by,
        obj=action,
        authority=meeting.authority_id,
        extra={"meeting": meeting.pk, "owner": owner_id, "due_on": due_on.isoformat()},
    )
    transaction.on_commit(lambda: schedule_reminders(action_due=due_on))
    return action


@transaction.atomic
def action_set_status(*, by: User, action: ActionItem, status: str, ctx: AuditContext = COMMAND) -> ActionItem:
    _manages(by, action.meeting.authority)
    if status not in ActionItem.Status.values:
        raise ApplicationError("Choose open, done or no longer needed.", field="status")
    old = action.status
    if old == status:
        return action
    action.status = status
    action.closed_at = None if status == ActionItem.Status.OPEN else clock.now()
    action.save(update_fields=["status", "closed_at"])
    audit_record(
        Event.NETWORK_ACTION_STATUS,
        ctx=ctx,
        actor=by,
        obj=action,
        authority=action.meeting.authority_id,
        changes={"status": (old, status)},
        extra={"status": [old, status]},
    )
    return action


# -- Calendar links -------------------------------------------------------------------------------


@transaction.atomic
def feed_token_issue(*, by: User, ctx: AuditContext = COMMAND) -> FeedToken:
    """The person's calendar token, made on first use."""
    token = FeedToken.objects.filter(user=by, revoked_at__isnull=True).first()
    if token is not None:
        return token
    try:
        with transaction.atomic():
            token = FeedToken.objects.create(user=by)
    except IntegrityError:  # made by a second request at the same moment
        return FeedToken.objects.get(user=by, revoked_at__isnull=True)
    audit_record(Event.FEED_TOKEN_ISSUED, ctx=ctx, actor=by, obj=token)
    return token


@transaction.atomic
def feed_token_revoke(*, by: User, ctx: AuditContext = COMMAND) -> int:
    """Stop every calendar link of the person working; the next visit gives a new one."""
    revoked = FeedToken.objects.filter(user=by, revoked_at__isnull=True).update(revoked_at=clock.now())
    if revoked:
        audit_record(
            Event.FEED_TOKEN_REVOKED,
            ctx=ctx,
            actor=by,
            object_type="network.feedtoken",
            object_id=by.pk,
            extra={"revoked": revoked},
        )
    return revoked
