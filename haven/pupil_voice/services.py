"""Every write about pupil reports: one function per use case, transactional, audited.

Pupil actions are audited through :data:`haven.audit.context.PUPIL_PAGE` from their pages,
so the audit log keeps no network address or user agent for them (the actor is empty: a
pupil has no account).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth.hashers import check_password, make_password
from django.core import signing
from django.db import transaction

from haven.access.policy import Capability, can
from haven.audit.context import COMMAND, AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns.services import concern_submit
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.organisations.models import School

from . import limits, rules, secrets_words
from .models import Contact, HappenedTo, PupilReport, ReportMessage, VoiceSettings, When, Where

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_REPORT = 10_000
MAX_MESSAGE = 5_000
MAX_SHORT = 200
CHECK_TOKEN_AGE = dt.timedelta(minutes=30)
_TOKEN_SALT = "haven.pupil_voice.check"  # noqa: S105 (a signing namespace, not a secret)
# The same words whatever went wrong, so nobody can learn whether a reference exists.
CHECK_REFUSED = (
    "We could not open a report with that reference and passphrase. Check them and try again. "
    "After several tries you will need to wait 15 minutes."
)


@dataclass(frozen=True)
class NewReport:
    report: PupilReport
    passphrase: str


def _text(value: str, *, field: str, limit: int, required: str = "") -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(required, field=field)
    if len(value) > limit:
        raise ApplicationError(
            f"This is too long ({len(value):,} characters). Please keep it under {limit:,}: "
            "you can write more after you send it.",
            field=field,
        )
    return value


def _choice(value: str, choices: Any, *, field: str) -> str:
    if value and value not in choices.values:
        raise ApplicationError("Choose one of the answers.", field=field)
    return value or ""


@transaction.atomic
def report_submit(
    *,
    school: School,
    what_happened: str,
    where: str = "",
    when: str = "",
    who_involved: str = "",
    happened_to: str = "",
    contact: str = "",
    pupil_name: str = "",
    ctx: AuditContext = COMMAND,
) -> NewReport:
    """A pupil tells the school (no account). Returns the report and its passphrase, which
    is shown once and never stored. Words suggesting danger now make it urgent and alert
    the school's DSLs and deputies at once."""
    what_happened = _text(
        what_happened, field="what_happened", limit=MAX_REPORT, required="Please tell us what happened."
    )
    who_involved = _text(who_involved, field="who_involved", limit=MAX_SHORT * 5)
    pupil_name = _text(pupil_name, field="pupil_name", limit=MAX_SHORT)
    where = _choice(where, Where, field="where")
    when = _choice(when, When, field="when")
    happened_to = _choice(happened_to, HappenedTo, field="happened_to")
    contact = _choice(contact, Contact, field="contact")
    danger = rules.danger_words(what_happened, who_involved)
    passphrase = secrets_words.passphrase_new()
    while True:
        reference = secrets_words.reference_new()
        if not PupilReport.objects.filter(reference=reference).exists():
            break
    now = clock.now()
    report = PupilReport(
        school=school,
        reference=reference,
        passphrase_hash=make_password(passphrase),
        created_at=now,
        last_activity_at=now,
        what_happened=what_happened,
        where=where,
        when=when,
        who_involved=who_involved,
        happened_to=happened_to,
        contact=contact,
        pupil_name=pupil_name,
        urgent=bool(danger),
        danger_words=danger,
    )
    report.full_clean(exclude=["concern", "closed_by"])
    report.save()
    audit_record(
        Event.PUPIL_REPORT_RECEIVED,
        ctx=ctx,
        obj=report,
        school=school,
        changes={"status": (None, report.status), "urgent": (None, report.urgent)},
        extra={"by": "pupil", "urgent": report.urgent},
    )
    if report.urgent and not clock.writing_history():  # history (haven.core.clock) is recorded, never emailed
        from .alerts import urgent_report_alerts_write

        urgent_report_alerts_write(report)  # in this transaction: saved with the report (haven.alerts)
    return NewReport(report, passphrase)


@functools.cache
def _dummy_hash() -> str:
    return make_password(secrets_words.passphrase_new())


def report_check(*, reference: str, passphrase: str) -> PupilReport:
    """Open a report with its reference and passphrase, or refuse with :data:`CHECK_REFUSED`.

    Unknown references, wrong passphrases and locked references are refused with the same
    words after the same slow hash, so the answer tells nothing about which it was. Five
    wrong tries lock the reference (known or not) for 15 minutes, for every web worker and
    across a restart; the reference is kept only as an HMAC under the day's salt.
    """
    reference = secrets_words.reference_normalised(reference)
    passphrase = secrets_words.passphrase_normalised(passphrase)
    report = PupilReport.objects.filter(reference=reference).select_related("school").first() if reference else None
    locked = limits.over(limits.CHECK_FAILURES, reference)
    matches = check_password(passphrase, report.passphrase_hash if report else _dummy_hash())
    if report is None or not matches or locked:
        if not locked:
            limits.hit(limits.CHECK_FAILURES, reference)
        raise ApplicationError(CHECK_REFUSED, code="refused")
    limits.clear(limits.CHECK_FAILURES, reference)
    return report


def check_token(report: PupilReport) -> str:
    """A short-lived signed token so the pupil can write back without typing the passphrase
    again and without a cookie."""
    return signing.dumps({"r": report.reference}, salt=_TOKEN_SALT)


def report_from_token(token: str) -> PupilReport:
    try:
        data = signing.loads(token or "", salt=_TOKEN_SALT, max_age=CHECK_TOKEN_AGE)
    except signing.BadSignature as exc:
        raise ApplicationError(
            "For your safety this page has timed out. Enter your reference and passphrase again.", code="expired"
        ) from exc
    report = PupilReport.objects.filter(reference=data.get("r", "")).select_related("school").first()
    if report is None:
        raise ApplicationError(CHECK_REFUSED, code="refused")
    return report


@transaction.atomic
def pupil_message_add(*, report: PupilReport, body: str, ctx: AuditContext = COMMAND) -> ReportMessage:
    """The pupil writes back. Danger words raise the report to urgent and alert again."""
    body = _text(body, field="body", limit=MAX_MESSAGE, required="Write your message first.")
    report = PupilReport.objects.select_for_update().get(pk=report.pk)
    was_urgent = report.urgent
    now = clock.now()
    message = ReportMessage.objects.create(report=report, kind=ReportMessage.Kind.PUPIL, body=body, created_at=now)
    danger = rules.danger_words(body)
    report.danger_words = sorted(set(report.danger_words) | set(danger))
    report.urgent = report.urgent or bool(danger)
    report.last_activity_at = now
    report.pupil_wrote_last = True
    report.save(update_fields=["danger_words", "urgent", "last_activity_at", "pupil_wrote_last"])
    audit_record(
        Event.PUPIL_REPORT_PUPIL_MESSAGE,
        ctx=ctx,
        obj=message,
        school=report.school_id,
        changes={"urgent": (was_urgent, report.urgent)} if was_urgent != report.urgent else None,
        extra={"by": "pupil", "report": report.pk},
    )
    if danger and not clock.writing_history():  # history (haven.core.clock) is recorded, never emailed
        from .alerts import urgent_report_alerts_write

        urgent_report_alerts_write(report)  # in this transaction: saved with the message (haven.alerts)
    return message


def _require_inbox(by: User, report: PupilReport) -> None:
    if not can(by, Capability.PUPIL_VOICE_INBOX, school=report.school):
        raise ApplicationError("Only the school's safeguarding leads can do this.", code="forbidden")


@transaction.atomic
def staff_message_add(
    *, by: User, report: PupilReport, body: str, kind: str, ctx: AuditContext = COMMAND
) -> ReportMessage:
    """A DSL replies to the pupil or asks a question; the pupil reads it at /tell/check/."""
    _require_inbox(by, report)
    if kind not in (ReportMessage.Kind.REPLY, ReportMessage.Kind.QUESTION):
        raise ApplicationError("Choose reply or question.", field="kind")
    body = _text(body, field="body", limit=MAX_MESSAGE, required="Write your message to the pupil.")
    report = PupilReport.objects.select_for_update().get(pk=report.pk)
    now = clock.now()
    message = ReportMessage.objects.create(report=report, kind=kind, author=by, body=body, created_at=now)
    report.last_activity_at = now
    report.pupil_wrote_last = False
    fields = ["last_activity_at", "pupil_wrote_last"]
    was = report.status
    if report.status == PupilReport.Status.NEW:
        report.status = PupilReport.Status.OPEN
        fields.append("status")
    report.save(update_fields=fields)
    audit_record(
        Event.PUPIL_REPORT_STAFF_MESSAGE,
        ctx=ctx,
        actor=by,
        obj=message,
        school=report.school_id,
        changes={"status": (was, report.status)} if was != report.status else None,
        extra={"report": report.pk, "kind": kind},
    )
    return message


@transaction.atomic
def report_mark_read(*, by: User, report: PupilReport, ctx: AuditContext = COMMAND) -> None:
    """The first time a DSL opens a new report it becomes 'being looked at' (the pupil sees this)."""
    _require_inbox(by, report)
    if report.status == PupilReport.Status.NEW:
        PupilReport.objects.filter(pk=report.pk, status=PupilReport.Status.NEW).update(status=PupilReport.Status.OPEN)
        report.status = PupilReport.Status.OPEN
        audit_record(
            Event.PUPIL_REPORT_READ,
            ctx=ctx,
            actor=by,
            obj=report,
            school=report.school_id,
            changes={"status": (PupilReport.Status.NEW, PupilReport.Status.OPEN)},
            extra={"status": "open"},
        )


@transaction.atomic
def report_close(
    *, by: User, report: PupilReport, reason: str, malicious: bool = False, ctx: AuditContext = COMMAND
) -> PupilReport:
    """Close a report with a reason, or mark it as malicious with a reason (DESIGN §11: a
    report is a concern to triage, never an automatic sanction; nothing is deleted)."""
    _require_inbox(by, report)
    report = PupilReport.objects.select_for_update().get(pk=report.pk)
    if report.is_closed:
        raise ApplicationError("This report is already closed.", code="closed")
    if report.status == PupilReport.Status.CONVERTED:
        raise ApplicationError("This report is now a concern: close it there.", code="converted")
    reason = _text(
        reason,
        field="reason",
        limit=MAX_MESSAGE,
        required="Say why it is malicious." if malicious else "Say why you are closing it.",
    )
    was = report.status
    report.status = PupilReport.Status.MALICIOUS if malicious else PupilReport.Status.CLOSED
    report.closed_reason = reason
    report.closed_by = by
    report.closed_at = clock.now()
    report.pupil_wrote_last = False
    report.save(update_fields=["status", "closed_reason", "closed_by", "closed_at", "pupil_wrote_last"])
    audit_record(
        Event.PUPIL_REPORT_CLOSED,
        ctx=ctx,
        actor=by,
        obj=report,
        school=report.school_id,
        changes={"status": (was, report.status)},
        extra={"status": report.status},
    )
    return report


@transaction.atomic
def report_convert(
    *,
    by: User,
    report: PupilReport,
    ctx: AuditContext = COMMAND,
    **concern: Any,
) -> Any:
    """Make a report into a concern (haven.concerns.services.concern_submit). The pupil's
    words go into the concern's "child's words" exactly as written; report and concern link
    to each other."""

    _require_inbox(by, report)
    report = PupilReport.objects.select_for_update().get(pk=report.pk)
    if report.concern_id:
        raise ApplicationError("This report is already a concern.", code="converted")
    if report.is_closed:
        raise ApplicationError("This report is closed.", code="closed")
    made = concern_submit(
        by=by,
        school=report.school,
        child_words=report.what_happened,
        source="pupil_voice",
        ctx=ctx,
        **concern,
    )
    report.concern = made
    was = report.status
    report.status = PupilReport.Status.CONVERTED
    report.pupil_wrote_last = False
    report.save(update_fields=["concern", "status", "pupil_wrote_last"])
    audit_record(
        Event.PUPIL_REPORT_CONVERTED,
        ctx=ctx,
        actor=by,
        obj=report,
        school=report.school_id,
        changes={"status": (was, report.status)},
        extra={"status": "converted", "concern": made.reference},
    )
    return made


@transaction.atomic
def voice_settings_update(
    *, by: User, school: School, reporting_email: str, trusted_adults: str, ctx: AuditContext = COMMAND
) -> VoiceSettings:
    if not can(by, Capability.PUPIL_VOICE_INBOX, school=school):
        raise ApplicationError("Only the school's safeguarding leads can do this.", code="forbidden")
    trusted_adults = _text(trusted_adults, field="trusted_adults", limit=2_000)
    settings_row, _ = VoiceSettings.objects.get_or_create(school=school)
    email_was, adults_were = settings_row.reporting_email, len(settings_row.adults())
    settings_row.reporting_email = (reporting_email or "").strip()
    settings_row.trusted_adults = trusted_adults
    settings_row.updated_at = clock.now()
    settings_row.full_clean()
    settings_row.save()
    # The school's own reporting address, and how many trusted adults are listed (not who).
    changes: dict[str, tuple[Any, Any] | list[Any]] = {}
    if email_was != settings_row.reporting_email:
        changes["reporting_email"] = (email_was, settings_row.reporting_email)
    if adults_were != len(settings_row.adults()):
        changes["trusted_adults_count"] = (adults_were, len(settings_row.adults()))
    audit_record(Event.VOICE_SETTINGS_CHANGED, ctx=ctx, actor=by, obj=settings_row, school=school, changes=changes)
    return settings_row
