"""What the audit log says happened, in the domain's words.

Every audit event has a name from :class:`Event` (``concern.submitted``,
``route.withdrawn``, ``case.restricted``…) and, as before, the plain verb it is an instance
of (:class:`~haven.audit.models.Action`: viewed, created, changed…), so an inspector or a
data protection officer can ask for "every route decision withdrawn this year" with one
filter, and still for "everything anyone viewed".

Events recorded before names existed (``format`` 1) were named by
:func:`legacy_event` from the fields their hash covers; ``verify_audit`` checks that the
name still follows from them, so the names were added without rewriting a single hash.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import models


class Action(models.TextChoices):
    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in_failed", "Failed sign-in"
    SIGN_OUT = "sign_out", "Signed out"
    SIGN_OUT_EVERYWHERE = "sign_out_everywhere", "Signed out everywhere"
    LOCKED_OUT = "locked_out", "Locked out"
    TWO_FACTOR_VERIFIED = "two_factor_verified", "Second factor verified"
    TWO_FACTOR_FAILED = "two_factor_failed", "Second factor failed"
    TWO_FACTOR_ENROLLED = "two_factor_enrolled", "Two-factor sign-in set up"
    RECOVERY_CODE_USED = "recovery_code_used", "Recovery code used"
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    EXPORT = "export", "Exported"
    IMPORT = "import", "Imported"
    ROLE_GRANTED = "role_granted", "Role granted"
    ROLE_ENDED = "role_ended", "Role ended"
    ACCESS_DENIED = "access_denied", "Access refused"


class Event(models.TextChoices):
    # Signing in and accounts
    SIGNED_IN = "account.signed_in", "Signed in"
    SIGN_IN_FAILED = "account.sign_in_failed", "Sign-in failed"
    LOCKED_OUT = "account.locked_out", "Locked out after failed sign-ins"
    SIGNED_OUT = "account.signed_out", "Signed out"
    SIGNED_OUT_EVERYWHERE = "account.signed_out_everywhere", "Signed out everywhere"
    SECOND_FACTOR_PASSED = "account.second_factor_passed", "Second factor passed"
    SECOND_FACTOR_FAILED = "account.second_factor_failed", "Second factor failed"
    SECOND_FACTOR_SET_UP = "account.second_factor_set_up", "Two-factor sign-in set up"
    RECOVERY_CODE_USED = "account.recovery_code_used", "Recovery code used"
    RECOVERY_CODES_REPLACED = "account.recovery_codes_replaced", "Recovery codes replaced"
    PASSWORD_CHANGED = "account.password_changed", "Password changed by its owner"
    PASSWORD_CHANGE_REFUSED = "account.password_change_refused", "Password change refused"
    PASSWORD_RESET = "account.password_reset", "Password reset by an administrator"
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_DEACTIVATED = "account.deactivated", "Account switched off"
    ACCOUNT_REACTIVATED = "account.reactivated", "Account switched back on"
    # Sessions (branch sessions): the lifetime, one session ended by its owner, all by an administrator
    SESSION_LIFETIME_ENDED = "account.session_lifetime_ended", "Signed out at the session's time limit"
    SESSION_ENDED = "account.session_ended", "One of their sessions ended by its owner"
    SESSIONS_ENDED = "account.sessions_ended", "Every session ended by an administrator"
    # Step-up (branch stepup): the factor given again before a sensitive action
    STEP_UP_CONFIRMED = "account.step_up_confirmed", "Second factor given again before a sensitive action"
    STEP_UP_REFUSED = "account.step_up_refused", "Step-up refused: wrong code or password"
    # (end of step-up)
    ROLE_GRANTED = "role.granted", "Role granted"
    ROLE_ENDED = "role.ended", "Role ended"
    ACCESS_REFUSED = "access.refused", "Access refused"
    API_TOKEN_CREATED = "api_token.created", "API token made"
    API_TOKEN_REVOKED = "api_token.revoked", "API token revoked"
    # Passkeys (WebAuthn): added, removed, used as a second factor or to sign in, refused
    PASSKEY_ADDED = "passkey.added", "Passkey added"
    PASSKEY_REMOVED = "passkey.removed", "Passkey removed"
    PASSKEY_USED = "passkey.used", "Passkey used as the second factor"
    PASSKEY_SIGNED_IN = "passkey.signed_in", "Signed in with a passkey"
    PASSKEY_REFUSED = "passkey.refused", "Passkey refused"
    # --- enrolment links, role checks, second-factor resets (branch enrol) ---
    ENROLMENT_SENT = "enrolment.sent", "Set-up link emailed"
    ENROLMENT_COMPLETED = "enrolment.completed", "Set-up link used"
    ENROLMENT_REFUSED = "enrolment.expired_use", "Expired or used set-up link refused"
    ENROLMENT_CANCELLED = "enrolment.cancelled", "Set-up link cancelled"
    ROLE_REVOKED_BY_LEAD = "role.revoked_by_lead", "Role revoked by a lead told of it"
    SECOND_FACTOR_RESET_REQUESTED = "second_factor.reset_requested", "Second factor reset requested"
    SECOND_FACTOR_RESET_APPROVED = "second_factor.reset_approved", "Second factor reset approved"
    # --- end of branch enrol's block ---
    # Organisations and people
    CLOSURE_ADDED = "closure.added", "School closure day added"
    CLOSURE_REMOVED = "closure.removed", "School closure day removed"
    PUPIL_VIEWED = "pupil.viewed", "Child's page viewed"
    ACCESS_LOG_VIEWED = "pupil.access_log_viewed", "Who looked: viewed"
    CONTACT_ADDED = "contact.added", "Contact added to a child's page"
    CONTACT_ENDED = "contact.ended", "Contact ended on a child's page"
    PUPIL_LINK_ADDED = "pupil_link.added", "Children linked as family"
    PUPIL_LINK_ENDED = "pupil_link.ended", "Children's family link ended"
    ROSTER_UPLOADED = "roster.uploaded", "Roster uploaded"
    ROSTER_IMPORTED = "roster.imported", "Roster imported"
    ROSTER_FAILED = "roster.failed", "Roster import refused"
    # Concerns
    CONCERN_SUBMITTED = "concern.submitted", "Concern recorded"
    CONCERN_VIEWED = "concern.viewed", "Concern viewed"
    CONCERN_ACKNOWLEDGED = "concern.acknowledged", "Concern received by a safeguarding lead"
    CONCERN_CLOSED = "concern.closed_no_further_action", "Concern closed with no further action"
    CONCERN_ADDED_TO_CASE = "concern.added_to_case", "Concern added to a case"
    AMENDMENT_ADDED = "amendment.added", "Amendment added"
    ATTACHMENT_DOWNLOADED = "attachment.downloaded", "Attachment downloaded"
    CATEGORY_ADDED = "category.added", "Category added"
    CATEGORY_RETIRED = "category.retired", "Category retired"
    # Cases
    CASE_OPENED = "case.opened", "Case opened"
    CASE_VIEWED = "case.viewed", "Case viewed"
    CASE_CHILD_ADDED = "case.child_added", "Child added to a case"
    CASE_CLOSED = "case.closed", "Case closed"
    CASE_REOPENED = "case.reopened", "Case reopened"
    CASE_WISHES_RECORDED = "case.wishes_recorded", "Wishes of the child affected recorded"
    CASE_NOTE_ADDED = "case.note_added", "Note added"
    CASE_RESTRICTED = "case.restricted", "Case restricted"
    CASE_UNRESTRICTED = "case.unrestricted", "Case restriction lifted"
    CASE_SHARED = "case.shared", "Case shared with the trust"
    CASE_UNSHARED = "case.unshared", "Case no longer shared with the trust"
    CASE_ACCESS_CHANGED = "case.access_changed", "Who may open a case changed"
    CONSIDERATION_ANSWERED = "consideration.answered", "Consideration answered"
    ROUTE_DECIDED = "route.decided", "Route decided"
    ROUTE_WITHDRAWN = "route.withdrawn", "Route withdrawn"
    PARENTS_INFORMED = "parents.informed_recorded", "Parents or carers informed (or why not) recorded"
    REFERRAL_MADE = "referral.made", "Referral made"
    REFERRAL_OUTCOME = "referral.outcome_recorded", "Referral outcome recorded"
    SUPPORT_RECORDED = "support.recorded", "Support recorded"
    SANCTION_RECORDED = "sanction.recorded", "Sanction recorded"
    TASK_ADDED = "task.added", "Task added"
    TASK_DONE = "task.done", "Task done"
    CHRONOLOGY_VIEWED = "chronology.viewed", "Chronology viewed"
    CHRONOLOGY_EXPORTED = "chronology.exported", "Chronology printed"
    # Safety plans
    PLAN_CREATED = "plan.created", "Safety plan written"
    PLAN_REVISED = "plan.revised", "Safety plan revised"
    PLAN_SIGNED_OFF = "plan.signed_off", "Safety plan signed off"
    PLAN_CLOSED = "plan.closed", "Safety plan closed"
    PLAN_VIEWED = "plan.viewed", "Safety plan viewed"
    PLAN_PRINTED = "plan.printed", "Safety plan printed"
    PLAN_REVIEW_PROMPTED = "plan.review_prompted", "Safety plan review brought forward"
    # Police investigations (haven.police; policy §12)
    POLICE_RECORDED = "police.recorded", "Police investigation recorded"
    POLICE_UPDATED = "police.updated", "Police contact or crime reference changed"
    BAIL_RECORDED = "bail.recorded", "Bail condition recorded"
    BAIL_VARIED = "bail.varied", "Bail condition varied"
    BAIL_ENDED = "bail.ended", "Bail condition ended"
    CHARGING_DECISION_RECORDED = "charging_decision.recorded", "Charging decision recorded"
    COURT_DATE_RECORDED = "court_date.recorded", "Court date recorded"
    # Pupil voice
    PUPIL_REPORT_RECEIVED = "pupil_report.received", "A pupil told someone"
    PUPIL_REPORT_PUPIL_MESSAGE = "pupil_report.pupil_replied", "The pupil wrote again"
    PUPIL_REPORT_STAFF_MESSAGE = "pupil_report.message_sent", "Reply or note added to a pupil's report"
    PUPIL_REPORT_READ = "pupil_report.read", "Pupil's report opened by staff"
    PUPIL_REPORT_CLOSED = "pupil_report.closed", "Pupil's report closed"
    PUPIL_REPORT_CONVERTED = "pupil_report.converted", "Pupil's report recorded as a concern"
    PUPIL_REPORT_VIEWED = "pupil_report.viewed", "Pupil's report viewed"
    VOICE_SETTINGS_CHANGED = "voice_settings.changed", "Pupil reporting settings changed"
    SURVEY_OPENED = "survey.opened", "Survey opened"
    SURVEY_CLOSED_EARLY = "survey.closed_early", "Survey closed early"
    SURVEY_VIEWED = "survey.viewed", "Survey results viewed"
    SURVEY_EXPORTED = "survey.exported", "Survey results downloaded"
    # Records
    FILE_TRANSFERRED = "file.transferred", "Child protection file sent"
    FILE_RECEIVED = "file.received", "Child protection file received"
    FILE_WITHDRAWN = "file.withdrawn", "Child protection file transfer withdrawn"
    FILE_VIEWED = "file.viewed", "Child protection file transfer viewed"
    FILE_DOWNLOADED = "file.downloaded", "Child protection file downloaded"
    # Compliance (section 175 audits)
    S175_ROUND_OPENED = "s175_round.opened", "Section 175 audit round opened"
    S175_ROUND_VIEWED = "s175_round.viewed", "Section 175 audit round viewed"
    S175_ROUND_EXPORTED = "s175_round.exported", "Section 175 audit round downloaded"
    S175_DRAFT_SAVED = "s175.draft_saved", "Section 175 audit draft saved"
    S175_SUBMITTED = "s175.submitted", "Section 175 audit submitted"
    S175_RETURNED = "s175.returned", "Section 175 audit returned to the school"
    S175_VIEWED = "s175.viewed", "Section 175 audit viewed"
    # Network
    PYRAMID_CREATED = "pyramid.created", "Pyramid created"
    PYRAMID_RENAMED = "pyramid.renamed", "Pyramid renamed"
    SCHOOL_MOVED = "school.moved_to_pyramid", "School moved to another pyramid"
    MEETING_SCHEDULED = "meeting.scheduled", "Network meeting scheduled"
    MEETING_CHANGED = "meeting.changed", "Network meeting changed"
    MEETING_ATTENDANCE = "meeting.attendance_recorded", "Attendance recorded"
    MEETING_MINUTES = "meeting.minutes_written", "Minutes written"
    MEETING_VIEWED = "meeting.viewed", "Network meeting viewed"
    MEETING_TRENDS_VIEWED = "meeting.trends_viewed", "Trend pack viewed"
    NETWORK_ACTION_ADDED = "network_action.added", "Network action added"
    NETWORK_ACTION_STATUS = "network_action.status_changed", "Network action status changed"
    FEED_TOKEN_ISSUED = "feed_token.issued", "Calendar link made"
    FEED_TOKEN_REVOKED = "feed_token.revoked", "Calendar link revoked"
    # Insights
    ENQUIRY_RECORDED = "enquiry.recorded", "Enquiry recorded"
    ENQUIRY_FOLLOWED_UP = "enquiry.followed_up", "Enquiry followed up"
    ENQUIRY_VIEWED = "enquiry.viewed", "Enquiry viewed"
    ENQUIRIES_EXPORTED = "enquiries.exported", "Enquiry log downloaded"
    ENQUIRIES_IMPORTED = "enquiries.imported", "Enquiries imported"
    MONTHLY_COUNTS_IMPORTED = "monthly_counts.imported", "Monthly counts imported"
    INSIGHTS_VIEWED = "insights.viewed", "Trends viewed"
    INSIGHTS_EXPORTED = "insights.exported", "Trends downloaded"
    INSIGHTS_REPORT_VIEWED = "insights_report.viewed", "Report viewed"
    INSIGHTS_REPORT_EXPORTED = "insights_report.exported", "Report downloaded"
    # Resources and good practice
    RESOURCE_PROPOSED = "resource.proposed", "Resource proposed"
    RESOURCE_EDITED = "resource.edited", "Resource edited"
    RESOURCE_CURATED = "resource.curated", "Resource reviewed by a curator"
    CASE_STUDY_SAVED = "case_study.saved", "Case study saved"
    CASE_STUDY_SUBMITTED = "case_study.submitted", "Case study submitted"
    CASE_STUDY_REVIEWED = "case_study.reviewed", "Case study reviewed"
    CASE_STUDY_VIEWED = "case_study.viewed", "Case study viewed"
    # The demo world
    DEMO_WORLD_BUILT = "demo.world_built", "Demo world built"


def _verb(code: str) -> Action:
    """The plain verb an event name is an instance of (stored beside it as ``action``)."""
    named = {
        Event.SIGNED_IN: Action.SIGN_IN,
        Event.SIGN_IN_FAILED: Action.SIGN_IN_FAILED,
        Event.LOCKED_OUT: Action.LOCKED_OUT,
        Event.SIGNED_OUT: Action.SIGN_OUT,
        Event.SIGNED_OUT_EVERYWHERE: Action.SIGN_OUT_EVERYWHERE,
        Event.SESSION_LIFETIME_ENDED: Action.SIGN_OUT,
        Event.SESSION_ENDED: Action.SIGN_OUT,
        Event.SESSIONS_ENDED: Action.SIGN_OUT_EVERYWHERE,
        Event.SECOND_FACTOR_PASSED: Action.TWO_FACTOR_VERIFIED,
        Event.SECOND_FACTOR_FAILED: Action.TWO_FACTOR_FAILED,
        Event.SECOND_FACTOR_SET_UP: Action.TWO_FACTOR_ENROLLED,
        Event.RECOVERY_CODE_USED: Action.RECOVERY_CODE_USED,
        Event.STEP_UP_CONFIRMED: Action.TWO_FACTOR_VERIFIED,  # step-up
        Event.STEP_UP_REFUSED: Action.TWO_FACTOR_FAILED,  # step-up
        Event.ROLE_GRANTED: Action.ROLE_GRANTED,
        Event.ROLE_ENDED: Action.ROLE_ENDED,
        Event.ACCESS_REFUSED: Action.ACCESS_DENIED,
        Event.PASSWORD_CHANGE_REFUSED: Action.ACCESS_DENIED,
        # Passkeys
        Event.PASSKEY_USED: Action.TWO_FACTOR_VERIFIED,
        Event.PASSKEY_SIGNED_IN: Action.SIGN_IN,
        Event.PASSKEY_REFUSED: Action.TWO_FACTOR_FAILED,
        Event.ENROLMENT_REFUSED: Action.ACCESS_DENIED,
        # where the last word alone would mislead: a case's close adds an event to the case,
        # a plan's or a report's changes the record itself
        Event.CASE_CLOSED: Action.CREATE,
        Event.CASE_REOPENED: Action.CREATE,
        Event.FILE_RECEIVED: Action.UPDATE,
        Event.FILE_WITHDRAWN: Action.UPDATE,
        Event.S175_SUBMITTED: Action.UPDATE,
        Event.CASE_STUDY_SUBMITTED: Action.UPDATE,
    }
    if code in named:
        return named[Event(code)]
    tail = code.rsplit(".", 1)[-1]
    if tail.endswith("viewed"):
        return Action.VIEW
    if tail in {"exported", "downloaded", "printed"}:
        return Action.EXPORT
    if tail in {"imported", "failed", "world_built"}:
        return Action.IMPORT
    if tail in CREATING:
        return Action.CREATE
    return Action.UPDATE


# The last word of the names that add a record (the rest change one).
CREATING = frozenset(
    {
        "created",
        "added",
        "submitted",
        "opened",
        "child_added",
        "answered",
        "decided",
        "withdrawn",
        "informed_recorded",
        "made",
        "outcome_recorded",
        "recorded",
        "uploaded",
        "issued",
        "scheduled",
        "proposed",
        "received",
        "pupil_replied",
        "message_sent",
        "transferred",
        "note_added",
        "wishes_recorded",
    }
)

VERB_OF: dict[str, Action] = {e.value: _verb(e.value) for e in Event}


def verb_of(event: Event | str) -> Action:
    return VERB_OF[str(event)]


# --- naming the events recorded before names existed ------------------------------------
#
# Frozen: ``verify_audit`` recomputes these names from the hashed fields of every event of
# format 1, so changing a rule here would make the log look tampered with. Add new names to
# Event and pass them to audit_record; never edit this table.

_BY_OBJECT: dict[tuple[str, str], str] = {
    ("view", "cases.case"): Event.CASE_VIEWED,
    ("create", "cases.case"): Event.CASE_OPENED,
    ("create", "cases.casechild"): Event.CASE_CHILD_ADDED,
    ("create", "cases.considerationanswer"): Event.CONSIDERATION_ANSWERED,
    ("create", "cases.parentsinformed"): Event.PARENTS_INFORMED,
    ("create", "cases.referral"): Event.REFERRAL_MADE,
    ("create", "cases.referraloutcome"): Event.REFERRAL_OUTCOME,
    ("create", "cases.support"): Event.SUPPORT_RECORDED,
    ("create", "cases.sanction"): Event.SANCTION_RECORDED,
    ("create", "cases.task"): Event.TASK_ADDED,
    ("update", "cases.task"): Event.TASK_DONE,
    ("view", "concerns.concern"): Event.CONCERN_VIEWED,
    ("create", "concerns.concern"): Event.CONCERN_SUBMITTED,
    ("create", "concerns.amendment"): Event.AMENDMENT_ADDED,
    ("export", "concerns.attachment"): Event.ATTACHMENT_DOWNLOADED,
    ("create", "concerns.category"): Event.CATEGORY_ADDED,
    ("update", "concerns.category"): Event.CATEGORY_RETIRED,
    ("view", "safety_plans.safetyplan"): Event.PLAN_VIEWED,
    ("create", "safety_plans.safetyplan"): Event.PLAN_CREATED,
    ("export", "safety_plans.safetyplan"): Event.PLAN_PRINTED,
    ("view", "people.pupil.access_log"): Event.ACCESS_LOG_VIEWED,
    ("create", "people.rosterimport"): Event.ROSTER_UPLOADED,
    ("view", "pupil_voice.pupilreport"): Event.PUPIL_REPORT_VIEWED,
    ("create", "pupil_voice.pupilreport"): Event.PUPIL_REPORT_RECEIVED,
    ("update", "pupil_voice.voicesettings"): Event.VOICE_SETTINGS_CHANGED,
    ("create", "pupil_voice.survey"): Event.SURVEY_OPENED,
    ("update", "pupil_voice.survey"): Event.SURVEY_CLOSED_EARLY,
    ("view", "records.filetransfer"): Event.FILE_VIEWED,
    ("create", "records.filetransfer"): Event.FILE_TRANSFERRED,
    ("export", "records.filetransfer"): Event.FILE_DOWNLOADED,
    ("create", "compliance.auditround"): Event.S175_ROUND_OPENED,
    ("view", "compliance.auditround"): Event.S175_ROUND_VIEWED,
    ("export", "compliance.auditround"): Event.S175_ROUND_EXPORTED,
    ("view", "compliance.schoolaudit"): Event.S175_VIEWED,
    ("create", "organisations.pyramid"): Event.PYRAMID_CREATED,
    ("update", "organisations.pyramid"): Event.PYRAMID_RENAMED,
    ("update", "organisations.school"): Event.SCHOOL_MOVED,
    ("create", "organisations.schoolclosure"): Event.CLOSURE_ADDED,
    ("update", "organisations.schoolclosure"): Event.CLOSURE_REMOVED,
    ("create", "network.meeting"): Event.MEETING_SCHEDULED,
    ("view", "network.meeting"): Event.MEETING_VIEWED,
    ("view", "network.trendpack"): Event.MEETING_TRENDS_VIEWED,
    ("create", "network.actionitem"): Event.NETWORK_ACTION_ADDED,
    ("update", "network.actionitem"): Event.NETWORK_ACTION_STATUS,
    ("create", "network.feedtoken"): Event.FEED_TOKEN_ISSUED,
    ("update", "network.feedtoken"): Event.FEED_TOKEN_REVOKED,
    ("create", "insights.enquiry"): Event.ENQUIRY_RECORDED,
    ("update", "insights.enquiry"): Event.ENQUIRY_FOLLOWED_UP,
    ("view", "insights.enquiry"): Event.ENQUIRY_VIEWED,
    ("view", "insights.dashboard"): Event.INSIGHTS_VIEWED,
    ("export", "insights.dashboard"): Event.INSIGHTS_EXPORTED,
    ("view", "insights.report"): Event.INSIGHTS_REPORT_VIEWED,
    ("export", "insights.report"): Event.INSIGHTS_REPORT_EXPORTED,
    ("create", "resources.resource"): Event.RESOURCE_PROPOSED,
    ("view", "resources.casestudy"): Event.CASE_STUDY_VIEWED,
    ("create", "api.token"): Event.API_TOKEN_CREATED,
    ("update", "api.token"): Event.API_TOKEN_REVOKED,
    ("create", "accounts.user"): Event.ACCOUNT_CREATED,
}

_BY_ACTION: dict[str, str] = {
    "sign_in": Event.SIGNED_IN,
    "sign_in_failed": Event.SIGN_IN_FAILED,
    "locked_out": Event.LOCKED_OUT,
    "sign_out": Event.SIGNED_OUT,
    "sign_out_everywhere": Event.SIGNED_OUT_EVERYWHERE,
    "two_factor_verified": Event.SECOND_FACTOR_PASSED,
    "two_factor_failed": Event.SECOND_FACTOR_FAILED,
    "two_factor_enrolled": Event.SECOND_FACTOR_SET_UP,
    "recovery_code_used": Event.RECOVERY_CODE_USED,
    "role_granted": Event.ROLE_GRANTED,
    "role_ended": Event.ROLE_ENDED,
}

_CASE_EVENT_KIND = {
    "closed": Event.CASE_CLOSED,
    "reopened": Event.CASE_REOPENED,
    "wishes": Event.CASE_WISHES_RECORDED,
    "note": Event.CASE_NOTE_ADDED,
}


def legacy_event(action: str, object_type: str, extra: Mapping[str, Any]) -> str:
    """The name of an event recorded before events had names, from what its hash covers."""
    if action in _BY_ACTION:
        return _BY_ACTION[action]
    if action == "access_denied":
        return Event.PASSWORD_CHANGE_REFUSED if "password_change" in extra else Event.ACCESS_REFUSED
    if action == "import":
        if object_type == "people.rosterimport":
            return Event.ROSTER_IMPORTED if extra.get("status") == "done" else Event.ROSTER_FAILED
        if "monthly_counts" in extra:
            return Event.MONTHLY_COUNTS_IMPORTED
        if "enquiries" in extra:
            return Event.ENQUIRIES_IMPORTED
        if "demo_world" in extra:
            return Event.DEMO_WORLD_BUILT
    rule = _legacy_by_content(action, object_type, extra)
    if rule:
        return rule
    if (action, object_type) in _BY_OBJECT:
        return _BY_OBJECT[(action, object_type)]
    model = object_type.rsplit(".", 1)[-1] or "record"
    return f"{model}.{ {'view': 'viewed', 'create': 'created', 'export': 'exported'}.get(action, 'changed') }"


def _legacy_by_content(action: str, object_type: str, extra: Mapping[str, Any]) -> str:
    """The names an event's ``extra`` decides, where one record changes in several ways."""
    if object_type == "accounts.user" and action == "update":
        if "recovery_codes" in extra:
            return Event.RECOVERY_CODES_REPLACED
        if extra.get("password") == "changed by its owner":
            return Event.PASSWORD_CHANGED
        if "password" in extra:
            return Event.PASSWORD_RESET
        if "is_active" in extra:
            active = extra["is_active"]
            return Event.ACCOUNT_REACTIVATED if active and active[-1] else Event.ACCOUNT_DEACTIVATED
    if object_type == "concerns.concern" and action == "update":
        if "case" in extra:
            return Event.CONCERN_ADDED_TO_CASE
        if extra.get("acknowledged"):
            return Event.CONCERN_ACKNOWLEDGED
        return Event.CONCERN_CLOSED
    if object_type == "concerns.concern" and action == "view" and extra.get("chronology"):
        return Event.CHRONOLOGY_VIEWED
    if object_type == "people.pupil":
        if action == "view":
            return Event.CHRONOLOGY_VIEWED if extra.get("chronology") else Event.PUPIL_VIEWED
        if action == "export":
            return Event.CHRONOLOGY_EXPORTED
    if object_type == "cases.case":
        if action == "export":
            return Event.CHRONOLOGY_EXPORTED
        if action == "update":
            return Event.CASE_RESTRICTED if extra.get("restricted") else Event.CASE_ACCESS_CHANGED
    if object_type == "cases.decision":
        return Event.ROUTE_WITHDRAWN if extra.get("withdrawn") else Event.ROUTE_DECIDED
    if object_type == "cases.caseevent":
        return _CASE_EVENT_KIND.get(str(extra.get("kind")), Event.CASE_NOTE_ADDED)
    if object_type == "safety_plans.safetyplan" and action == "update":
        if extra.get("signed_off"):
            return Event.PLAN_SIGNED_OFF
        if extra.get("closed"):
            return Event.PLAN_CLOSED
        return Event.PLAN_REVISED
    if object_type == "pupil_voice.reportmessage":
        return Event.PUPIL_REPORT_PUPIL_MESSAGE if extra.get("by") == "pupil" else Event.PUPIL_REPORT_STAFF_MESSAGE
    if object_type == "pupil_voice.pupilreport" and action == "update":
        status = extra.get("status")
        if status == "open":
            return Event.PUPIL_REPORT_READ
        if status == "converted":
            return Event.PUPIL_REPORT_CONVERTED
        return Event.PUPIL_REPORT_CLOSED
    if object_type == "pupil_voice.survey":
        if action == "view":
            return Event.SURVEY_VIEWED
        if action == "export":
            return Event.SURVEY_EXPORTED
    if object_type == "records.filetransfer" and action == "update":
        return Event.FILE_WITHDRAWN if extra.get("status") == "withdrawn" else Event.FILE_RECEIVED
    if object_type == "compliance.schoolaudit" and action == "update":
        return {"submitted": Event.S175_SUBMITTED, "returned": Event.S175_RETURNED}.get(
            str(extra.get("step")), Event.S175_DRAFT_SAVED
        )
    if object_type == "network.meeting" and action == "update":
        if "attendance_changed" in extra:
            return Event.MEETING_ATTENDANCE
        if extra.get("minutes"):
            return Event.MEETING_MINUTES
        return Event.MEETING_CHANGED
    if object_type == "network.meeting" and action == "create" and extra.get("minutes"):
        return Event.MEETING_MINUTES
    if object_type == "organisations.authority" and action == "export":
        return Event.ENQUIRIES_EXPORTED
    if object_type == "resources.resource" and action == "update":
        return Event.RESOURCE_EDITED if "changed" in extra else Event.RESOURCE_CURATED
    if object_type == "resources.casestudy" and action in ("create", "update"):
        step = extra.get("step")
        if step == "submitted":
            return Event.CASE_STUDY_SUBMITTED
        return Event.CASE_STUDY_REVIEWED if step else Event.CASE_STUDY_SAVED
    return ""
