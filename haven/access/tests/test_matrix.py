"""The access matrix of DESIGN §8, generated: every protected URL × every user of the test
world (each role at the own school, at a school in another trust, at a school in another
authority, trust and authority roles, a user with no role) × anonymous.

The world holds a second authority with the same records (Northshire: its own trust,
academy, maintained school, officer; see :func:`matrix_world_build`): every row naming a
record is also asked for by the other authority's DSL, administrators, trust lead and
officer, and the dashboards are checked to count only their own authority.

Add a row to ``PROTECTED`` for every new page or API endpoint. A user not listed as
allowed must get 404 (never 403: another tenant's record is not disclosed); a visitor who
is not signed in is sent to sign in.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import pytest
from django.urls import resolve, reverse
from django.utils import timezone

from conftest import World, add_northshire, build_world, sign_in
from haven.audit.models import Action, AuditEvent

if TYPE_CHECKING:
    from haven.accounts.models import Passkey
    from haven.cases.models import Case, Referral, Task
    from haven.compliance.models import AuditRound, SchoolAudit
    from haven.concerns.models import Concern
    from haven.insights.models import Enquiry
    from haven.network.models import Meeting
    from haven.people.models import Contact, PupilLink
    from haven.police.models import BailCondition
    from haven.pupil_voice.models import PupilReport, Survey
    from haven.records.models import FileTransfer
    from haven.resources.models import CaseStudy, Resource
    from haven.safety_plans.models import SafetyPlan

# Not marked django_db as a module: the per-test transaction would then open before the
# module's world and outlive it. The tests below that use ``world`` make pytest-django set up
# the test database; run alone, the matrix finds the empty data folder settings give pytest.

ALL_USERS = [
    *(f"{role}_{s}" for s in "abm" for role in ("staff", "dsl", "deputy", "head", "governor", "admin")),
    *(f"{role}_{s}" for s in "ab" for role in ("trust_lead", "trustee", "trust_admin")),
    "la_officer_a",
    "la_officer_m",
    "nobody",
]


@dataclass
class MatrixWorld(World):
    """The test world with the records the matrix visits (made by :func:`_with_records`)."""

    concern: Concern = field(init=False)
    case: Case = field(init=False)
    referral: Referral = field(init=False)  # on the case, waiting for its outcome
    task: Task = field(init=False)  # on the case, to do
    concern2: Concern = field(init=False)
    plan: SafetyPlan = field(init=False)
    bail: BailCondition = field(init=False)  # on the case's child, in force
    pupil_report: PupilReport = field(init=False)
    survey: Survey = field(init=False)
    school_survey: Survey = field(init=False)
    enquiry: Enquiry = field(init=False)
    meeting: Meeting = field(init=False)
    transfer: FileTransfer = field(init=False)
    feed_tokens: dict[str, str] = field(init=False)
    resource: Resource = field(init=False)
    proposal: Resource = field(init=False)
    case_study: CaseStudy = field(init=False)
    case_study_draft: CaseStudy = field(init=False)
    s175_round: AuditRound = field(init=False)
    s175_audit: SchoolAudit = field(init=False)
    tokens: dict[str, str] = field(init=False)  # the API matrix's bearer tokens (haven/api/tests)
    passkey: Passkey = field(init=False)  # dsl_a's
    contact: Contact = field(init=False)  # pupil a's mother
    family_link: PupilLink = field(init=False)  # pupil a and a brother at school a
    session_handle: str = field(init=False)  # one of dsl_a's sessions, on another device
    # The same records in the second authority, Northshire (see :func:`matrix_world_build`).
    north: MatrixWorld = field(init=False)


@dataclass(frozen=True)
class Protected:
    name: str
    # url(world), or url(world, user_key) for a calendar feed (``token``).
    url: Callable[..., str]
    allowed: frozenset[str]
    # Text that only an allowed user may see on the page (checked on 200 responses).
    must_show: Callable[[MatrixWorld], str] | None = None
    # A calendar feed: no session, the user's own secret token is in the address, so ``url``
    # is called as url(world, user_key); a wrong or revoked token answers 404.
    token: bool = False
    # A JSON endpoint that answers POST only: this body is posted (as JSON) instead of a GET,
    # and an allowed user gets ``allowed_status`` (an endpoint may need more than the body).
    post: str | None = None
    allowed_status: int = 200
    # Part of the two-factor step itself, reached before the second factor is passed (setting
    # up a first one): anyone who has a second factor already is refused it (404) until they
    # pass that factor, and then too (the passkeys page adds more).
    second_factor_step: bool = False


DSLS_AND_HEADS = frozenset({f"{r}_{s}" for r in ("dsl", "deputy", "head") for s in "abm"})
SCHOOL_ROLES = frozenset({f"{r}_{s}" for r in ("staff", "dsl", "deputy", "head") for s in "abm"})
A_READERS = frozenset({"dsl_a", "deputy_a", "head_a"})
INBOX_KEEPERS = frozenset({f"{r}_{s}" for r in ("dsl", "deputy") for s in "abm"})
# DESIGN §8 resource bank: staff, DSLs, heads, trust leads read and propose; LA officers curate;
# governors (school and trust) read; administrators nothing.
RESOURCE_READERS = SCHOOL_ROLES | frozenset(
    {"trust_lead_a", "trust_lead_b", "la_officer_a", "la_officer_m", "trustee_a", "trustee_b"}
    | {f"governor_{s}" for s in "abm"}
)
RESOURCE_PROPOSERS = SCHOOL_ROLES | frozenset({"trust_lead_a", "trust_lead_b"})
CASE_STUDY_READERS = frozenset(
    {f"{r}_{s}" for r in ("dsl", "deputy") for s in "abm"} | {"la_officer_a", "la_officer_m"}
)
CASE_STUDY_WRITERS = frozenset({f"{r}_{s}" for r in ("dsl", "deputy") for s in "abm"})
LA_OFFICERS = frozenset({"la_officer_a", "la_officer_m"})
NETWORK_USERS = DSLS_AND_HEADS | LA_OFFICERS
# The network meeting is for a pyramid holding school A only: its DSL and deputy are invited,
# its head reads it, the authority's officer runs it.
MEETING_READERS = A_READERS | {"la_officer_a"}

# Culture surveys: DSLs, deputies and heads read their school's results, trust leads their
# trust's schools', LA officers their authority's; DSLs, deputies, trust leads and officers open them.
SURVEY_READERS = DSLS_AND_HEADS | {"trust_lead_a", "trust_lead_b"} | LA_OFFICERS
SURVEY_OPENERS = INBOX_KEEPERS | {"trust_lead_a", "trust_lead_b"} | LA_OFFICERS
# The authority's survey of schools A and B; school A's own survey.
COUNTY_SURVEY_READERS = frozenset(
    {f"{r}_{s}" for r in ("dsl", "deputy", "head") for s in "ab"} | {"trust_lead_a", "trust_lead_b", "la_officer_a"}
)
SCHOOL_SURVEY_READERS = A_READERS | {"trust_lead_a", "la_officer_a"}
# A child-protection file sent by school A to school B: both schools' DSLs, deputies and heads.
TRANSFER_READERS = A_READERS | {"dsl_b", "deputy_b", "head_b"}
# The Section 175 audit: the school's DSLs and head complete it, governors (of the school or
# trustees of its trust) and the trust lead read it, the authority's officer collects it.
S175_USERS = (
    DSLS_AND_HEADS
    | {f"governor_{s}" for s in "abm"}
    | {"trustee_a", "trustee_b", "trust_lead_a", "trust_lead_b"}
    | LA_OFFICERS
)
S175_A_READERS = A_READERS | {"governor_a", "trustee_a", "trust_lead_a", "la_officer_a"}

CASE_SECTIONS = [
    ("concerns", "cases:concerns"),
    ("considerations", "cases:considerations"),
    ("decisions and referrals", "cases:decisions"),
    ("police investigation", "cases:police"),
    ("support and sanctions", "cases:support"),
    ("safety plans", "cases:plans"),
    ("tasks", "cases:tasks"),
    ("children and access", "cases:access"),
]
CASE_CHANGES = [
    ("record a decision", lambda w: reverse("cases:decision_new", args=[w.case.reference])),
    ("parents informed", lambda w: reverse("cases:parents_new", args=[w.case.reference])),
    ("make a referral", lambda w: reverse("cases:referral_new", args=[w.case.reference])),
    ("a referral's outcome", lambda w: reverse("cases:outcome", args=[w.case.reference, w.referral.pk])),
    ("the police investigation", lambda w: reverse("cases:police_new", args=[w.case.reference])),
    ("a bail condition", lambda w: reverse("cases:bail_new", args=[w.case.reference])),
    ("vary a bail condition", lambda w: reverse("cases:bail_vary", args=[w.case.reference, w.bail.pk])),
    ("end a bail condition", lambda w: reverse("cases:bail_end", args=[w.case.reference, w.bail.pk])),
    ("a charging decision", lambda w: reverse("cases:charge_new", args=[w.case.reference])),
    ("a court date", lambda w: reverse("cases:court_new", args=[w.case.reference])),
    ("support", lambda w: reverse("cases:support_new", args=[w.case.reference])),
    ("a sanction", lambda w: reverse("cases:sanction_new", args=[w.case.reference])),
    ("add a task", lambda w: reverse("cases:task_new", args=[w.case.reference])),
    ("a task done", lambda w: reverse("cases:task_done", args=[w.case.reference, w.task.pk])),
    ("a consideration", lambda w: reverse("cases:consideration", args=[w.case.reference, "crime"])),
    ("add a child", lambda w: reverse("cases:child_new", args=[w.case.reference])),
    ("who can open it", lambda w: reverse("cases:access_change", args=[w.case.reference])),
    ("close the case", lambda w: reverse("cases:close", args=[w.case.reference])),
    ("reopen the case", lambda w: reverse("cases:reopen", args=[w.case.reference])),
]

PROTECTED = [
    Protected("record a concern", lambda w: reverse("concerns:new"), SCHOOL_ROLES),
    Protected("your concerns", lambda w: reverse("concerns:mine"), SCHOOL_ROLES),
    Protected(
        "a concern",
        lambda w: reverse("concerns:detail", args=[w.concern.reference]),
        A_READERS | {"staff_a"},  # staff_a recorded it
        must_show=lambda w: w.concern.what_happened,
    ),
    Protected("safeguarding dashboard", lambda w: reverse("cases:dashboard"), DSLS_AND_HEADS),
    Protected(
        "triage a concern",
        lambda w: reverse("cases:triage", args=[w.concern2.reference]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    Protected(
        "a case",
        lambda w: reverse("cases:detail", args=[w.case.reference]),
        A_READERS,
        must_show=lambda w: w.case.title,
    ),
    Protected("a case's chronology", lambda w: reverse("cases:chronology", args=[w.case.reference]), A_READERS),
    # A case's sections are read as the case is; each change's page only by who may write the
    # school's records (haven/workspace/case_views.py).
    *(
        Protected(
            f"a case's {name}",
            lambda w, view=view: reverse(view, args=[w.case.reference]),
            A_READERS,
            must_show=lambda w: w.case.title,
        )
        for name, view in CASE_SECTIONS
    ),
    *(
        Protected(f"a case's form: {name}", url, frozenset({"dsl_a", "deputy_a"}), must_show=lambda w: w.case.title)
        for name, url in CASE_CHANGES
    ),
    Protected(
        "a child's chronology",
        lambda w: reverse("pupil_chronology", args=[w.pupils["a"].pk]),
        A_READERS,
        must_show=lambda w: w.concern.reference,
    ),
    Protected(
        "safety plans",
        lambda w: reverse("safety_plans:list"),
        DSLS_AND_HEADS,
    ),
    Protected(
        "write a safety plan",
        lambda w: reverse("safety_plans:new", args=[w.case.reference, w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    Protected(
        "a safety plan",
        lambda w: reverse("safety_plans:detail", args=[w.plan.pk]),
        A_READERS,
        must_show=lambda w: "Matrix hazard: comments in the toilets",
    ),
    Protected("a safety plan's PDF", lambda w: reverse("safety_plans:pdf", args=[w.plan.pk]), A_READERS),
    Protected(
        "review a safety plan",
        lambda w: reverse("safety_plans:edit", args=[w.plan.pk]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    Protected("a safety plan version", lambda w: reverse("safety_plans:version", args=[w.plan.pk, 1]), A_READERS),
    Protected("safety plan changes", lambda w: reverse("safety_plans:compare", args=[w.plan.pk]), A_READERS),
    Protected(
        "a child's own safety plan",
        lambda w: reverse("safety_plans:child", args=[w.plan.pk]),
        A_READERS,
        must_show=lambda w: "Matrix words for the child",
    ),
    Protected("a child's safety plan PDF", lambda w: reverse("safety_plans:child_pdf", args=[w.plan.pk]), A_READERS),
    Protected(
        "insights",
        lambda w: reverse("insights"),
        DSLS_AND_HEADS | {"trust_lead_a", "trust_lead_b", "trustee_a", "trustee_b", "la_officer_a", "la_officer_m"},
    ),
    Protected(
        "the termly report",
        lambda w: reverse("insights_report"),
        DSLS_AND_HEADS | {"trust_lead_a", "trust_lead_b", "trustee_a", "trustee_b", "la_officer_a", "la_officer_m"},
    ),
    Protected(
        "the termly report PDF",
        lambda w: reverse("insights_report_pdf"),
        DSLS_AND_HEADS | {"trust_lead_a", "trust_lead_b", "trustee_a", "trustee_b", "la_officer_a", "la_officer_m"},
    ),
    Protected("the enquiry log", lambda w: reverse("insights:enquiries"), frozenset({"la_officer_a", "la_officer_m"})),
    Protected("log an enquiry", lambda w: reverse("insights:enquiry_new"), frozenset({"la_officer_a", "la_officer_m"})),
    Protected("enquiries by month", lambda w: reverse("insights:monthly"), frozenset({"la_officer_a", "la_officer_m"})),
    Protected("import enquiries", lambda w: reverse("insights:import"), frozenset({"la_officer_a", "la_officer_m"})),
    Protected(
        "an enquiry",
        lambda w: reverse("insights:enquiry", args=[w.enquiry.pk]),
        frozenset({"la_officer_a"}),
        must_show=lambda w: "Matrix enquiry: a question about a group chat",
    ),
    Protected("categories of concern", lambda w: reverse("taxonomy"), frozenset({"la_officer_a", "la_officer_m"})),
    Protected(
        "pupil list",
        lambda w: reverse("people:pupil_list"),
        frozenset({f"{r}_{s}" for r in ("dsl", "deputy", "head") for s in "abm"}),
    ),
    Protected(
        "a pupil's file",
        lambda w: reverse("records:pupil_detail", args=[w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a", "head_a"}),
        must_show=lambda w: w.pupils["a"].upn,
    ),
    Protected(
        "add a contact to a child's page",
        lambda w: reverse("people:contact_new", args=[w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    Protected(
        "end a child's contact",
        lambda w: reverse("people:contact_end", args=[w.pupils["a"].pk, w.contact.pk]),
        frozenset({"dsl_a", "deputy_a"}),
        must_show=lambda w: "Matrix contact Morgan",
    ),
    Protected(
        "link a child's family",
        lambda w: reverse("people:link_new", args=[w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    Protected(
        "end a family link",
        lambda w: reverse("people:link_end", args=[w.pupils["a"].pk, w.family_link.pk]),
        frozenset({"dsl_a", "deputy_a"}),
        must_show=lambda w: "Matrix Brother",
    ),
    Protected(
        "who opened a pupil's file",
        lambda w: reverse("people:pupil_access_log", args=[w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    # Step-up: anyone signed in may confirm it is them (haven/accounts/stepup.py).
    Protected(
        "confirm it is you (step-up)",
        lambda w: reverse("accounts:step_up") + "?next=/",
        frozenset(ALL_USERS),
        must_show=lambda w: "Confirm it is you",
    ),
    Protected(
        "people and roles",
        lambda w: reverse("manage:people"),
        frozenset({"admin_a", "admin_b", "admin_m", "trust_admin_a", "trust_admin_b"}),
    ),
    Protected(
        "add a person to a school",
        lambda w: reverse("manage:person_add_school", args=[w.school_a.pk]),
        frozenset({"admin_a", "trust_admin_a"}),
    ),
    Protected(
        "add a person to a trust",
        lambda w: reverse("manage:person_add_trust", args=[w.trust_a.pk]),
        frozenset({"trust_admin_a"}),
    ),
    Protected(
        "a school member's roles",
        lambda w: reverse("manage:person", args=[w.users["staff_a"].pk]),
        frozenset({"admin_a", "trust_admin_a"}),
        must_show=lambda w: w.users["staff_a"].full_name,
    ),
    Protected(
        "a trust member's roles",
        lambda w: reverse("manage:person", args=[w.users["trust_lead_a"].pk]),
        frozenset({"trust_admin_a"}),
    ),
    Protected(
        "reset a school member's second factor",
        lambda w: reverse("manage:second_factor_reset", args=[w.users["staff_a"].pk]),
        frozenset({"admin_a", "trust_admin_a"}),
        must_show=lambda w: w.users["staff_a"].full_name,
    ),
    # DESIGN §3 rule 19: the leads told of roles given, and asked to approve second-factor resets.
    Protected(
        "checks for you",
        lambda w: reverse("accounts:checks"),
        frozenset(
            {f"{r}_{s}" for r in ("dsl", "head", "admin") for s in "abm"}
            | {"trust_lead_a", "trust_lead_b", "trust_admin_a", "trust_admin_b", "la_officer_a", "la_officer_m"}
        ),
    ),
    Protected("pupils' reports inbox", lambda w: reverse("pupil_voice:inbox"), INBOX_KEEPERS),
    Protected(
        "a pupil's report",
        lambda w: reverse("pupil_voice:detail", args=[w.pupil_report.pk]),
        frozenset({"dsl_a", "deputy_a"}),
        must_show=lambda w: w.pupil_report.what_happened,
    ),
    Protected(
        "convert a pupil's report",
        lambda w: reverse("pupil_voice:convert", args=[w.pupil_report.pk]),
        frozenset({"dsl_a", "deputy_a"}),
        must_show=lambda w: w.pupil_report.what_happened,
    ),
    Protected("pupil reporting settings", lambda w: reverse("pupil_voice:settings"), INBOX_KEEPERS),
    Protected("culture surveys", lambda w: reverse("pupil_voice:surveys"), SURVEY_READERS),
    Protected("open a culture survey", lambda w: reverse("pupil_voice:survey_new"), SURVEY_OPENERS),
    Protected(
        "an authority's culture survey",
        lambda w: reverse("pupil_voice:survey", args=[w.survey.pk]),
        COUNTY_SURVEY_READERS,
        must_show=lambda w: w.survey.title,
    ),
    Protected(
        "an authority's culture survey as CSV",
        lambda w: reverse("pupil_voice:survey_csv", args=[w.survey.pk]),
        COUNTY_SURVEY_READERS,
        must_show=lambda w: w.survey.title,
    ),
    Protected(
        "a school's culture survey",
        lambda w: reverse("pupil_voice:survey", args=[w.school_survey.pk]),
        SCHOOL_SURVEY_READERS,
        must_show=lambda w: w.school_survey.title,
    ),
    Protected(
        "a school's culture survey as CSV",
        lambda w: reverse("pupil_voice:survey_csv", args=[w.school_survey.pk]),
        SCHOOL_SURVEY_READERS,
    ),
    Protected(
        "term dates",
        lambda w: reverse("term_dates", args=[w.school_a.pk]),
        frozenset({"admin_a", "trust_admin_a"}),
    ),
    Protected("network meetings", lambda w: reverse("network:index"), NETWORK_USERS),
    Protected("pyramids", lambda w: reverse("network:pyramids"), LA_OFFICERS),
    Protected("schedule a network meeting", lambda w: reverse("network:meeting_new"), LA_OFFICERS),
    Protected(
        "a network meeting",
        lambda w: reverse("network:meeting", args=[w.meeting.pk]),
        MEETING_READERS,
        must_show=lambda w: w.meeting.title,
    ),
    Protected(
        "change a network meeting",
        lambda w: reverse("network:meeting_edit", args=[w.meeting.pk]),
        frozenset({"la_officer_a"}),
    ),
    Protected(
        "a network meeting's trend pack",
        lambda w: reverse("network:trends", args=[w.meeting.pk]),
        MEETING_READERS,
        must_show=lambda w: "Hot spots",
    ),
    Protected(
        "a person's meetings calendar (.ics)",
        lambda w, u: reverse("network:feed", args=[w.feed_tokens[u]]),
        NETWORK_USERS,
        token=True,
    ),
    Protected(
        "a pyramid's meetings calendar (.ics)",
        lambda w, u: reverse("network:pyramid_feed", args=[w.meeting.pyramid_id, w.feed_tokens[u]]),
        MEETING_READERS,
        must_show=lambda w: w.meeting.title,
        token=True,
    ),
    Protected(
        "roster import",
        lambda w: reverse("people:roster_import", args=[w.school_a.pk]),
        frozenset({"admin_a", "trust_admin_a"}),
    ),
    Protected("resource bank", lambda w: reverse("resources:list"), RESOURCE_READERS),
    Protected(
        "a resource in the bank",
        lambda w: reverse("resources:detail", args=[w.resource.pk]),
        RESOURCE_READERS,
        must_show=lambda w: w.resource.title,
    ),
    Protected(
        "a proposed resource",
        lambda w: reverse("resources:detail", args=[w.proposal.pk]),
        frozenset({"staff_a", "la_officer_a"}),  # its proposer and the authority's officers
        must_show=lambda w: w.proposal.title,
    ),
    Protected("propose a resource", lambda w: reverse("resources:propose"), RESOURCE_PROPOSERS),
    Protected(
        "change a proposed resource",
        lambda w: reverse("resources:edit", args=[w.proposal.pk]),
        frozenset({"staff_a", "la_officer_a"}),
    ),
    Protected("resources to curate", lambda w: reverse("resources:queue"), frozenset({"la_officer_a", "la_officer_m"})),
    Protected("case studies", lambda w: reverse("case_studies:list"), CASE_STUDY_READERS),
    Protected("write a case study", lambda w: reverse("case_studies:new"), CASE_STUDY_WRITERS),
    Protected(
        "a published case study",
        lambda w: reverse("case_studies:detail", args=[w.case_study.pk]),
        frozenset({"dsl_a", "deputy_a", "dsl_b", "deputy_b", "la_officer_a"}),  # DSLs across the authority
        must_show=lambda w: w.case_study.what_worked,
    ),
    Protected(
        "a draft case study",
        lambda w: reverse("case_studies:detail", args=[w.case_study_draft.pk]),
        frozenset({"dsl_a", "deputy_a", "la_officer_a"}),  # the school's DSLs and the authority's officers
        must_show=lambda w: w.case_study_draft.what_happened,
    ),
    Protected(
        "change a draft case study",
        lambda w: reverse("case_studies:edit", args=[w.case_study_draft.pk]),
        frozenset({"dsl_a", "deputy_a"}),
    ),
    Protected(
        "send a child's file to their new school",
        lambda w: reverse("records:transfer_new", args=[w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a"}),
        must_show=lambda w: w.pupils["a"].legal_forename,
    ),
    Protected("child protection file transfers", lambda w: reverse("records:transfer_list"), DSLS_AND_HEADS),
    Protected(
        "a child protection file transfer",
        lambda w: reverse("records:transfer_detail", args=[w.transfer.pk]),
        TRANSFER_READERS,
        must_show=lambda w: w.transfer.sha256,
    ),
    Protected(
        "a child protection file",
        lambda w: reverse("records:transfer_file", args=[w.transfer.pk]),
        TRANSFER_READERS,
    ),
    Protected(
        "a child protection file's attachments",
        lambda w: reverse("records:transfer_archive", args=[w.transfer.pk]),
        TRANSFER_READERS,
    ),
    Protected("Section 175 audits", lambda w: reverse("compliance:index"), S175_USERS),
    Protected("open a Section 175 audit", lambda w: reverse("compliance:round_new"), LA_OFFICERS),
    Protected(
        "a Section 175 audit round",
        lambda w: reverse("compliance:round", args=[w.s175_round.pk]),
        frozenset({"la_officer_a"}),
        must_show=lambda w: "Matrix S175 training needs",
    ),
    Protected(
        "a Section 175 audit round as CSV",
        lambda w: reverse("compliance:round_csv", args=[w.s175_round.pk]),
        frozenset({"la_officer_a"}),
        must_show=lambda w: "Matrix S175 training needs",
    ),
    Protected(
        "a school's Section 175 audit",
        lambda w: reverse("compliance:audit", args=[w.s175_audit.pk]),
        S175_A_READERS,
        must_show=lambda w: "Matrix S175 evidence",
    ),
    # Passkeys: every person manages their own, and only their own.
    Protected("your passkeys", lambda w: reverse("accounts:passkeys"), frozenset(ALL_USERS)),
    Protected(
        "remove a passkey",
        lambda w: reverse("accounts:passkey_remove", args=[w.passkey.pk]),
        frozenset({"dsl_a"}),
        must_show=lambda w: w.passkey.name,
    ),
    Protected(
        "passkey registration options",
        lambda w: reverse("accounts:passkey_register_options"),
        frozenset(ALL_USERS),
        post='{"name": "Matrix laptop"}',
    ),
    Protected(
        "passkey registration",
        lambda w: reverse("accounts:passkey_register_verify"),
        frozenset(ALL_USERS),
        post='{"credential": {}}',
        allowed_status=400,  # reached, but no ceremony was begun
    ),
    # A passkey as the first second factor (haven/accounts/tests/test_passkey_set_up.py): only for
    # someone with none yet, so every person of the matrix (each has one) is refused.
    Protected(
        "passkey as the first second factor: options",
        lambda w: reverse("accounts:two_factor_passkey_options"),
        frozenset(),
        post='{"name": "Matrix laptop"}',
        second_factor_step=True,
    ),
    Protected(
        "passkey as the first second factor: the answer",
        lambda w: reverse("accounts:two_factor_passkey_verify"),
        frozenset(),
        post='{"credential": {}}',
        second_factor_step=True,
    ),
    # Sessions: every person sees and ends their own (ASVS V7.5.2); an administrator ends those
    # of the people in their organisations (V7.4.5).
    Protected("where you are signed in", lambda w: reverse("accounts:sessions"), frozenset(ALL_USERS)),
    Protected(
        "sign out of one of your sessions",
        lambda w: reverse("accounts:session_end", args=[w.session_handle]),
        frozenset({"dsl_a"}),
        must_show=lambda w: "Firefox on Linux",
    ),
    Protected(
        "end a school member's sessions",
        lambda w: reverse("manage:sessions_end", args=[w.users["staff_a"].pk]),
        frozenset({"admin_a", "trust_admin_a"}),
        must_show=lambda w: w.users["staff_a"].full_name,
    ),
]


# The second authority holds the same records as the first, made by the same code with the
# two authorities swapped: each Midshire key below and the Northshire key in its place. School
# A (in Alder Learning Trust) answers to Fell Academy (in Fell Learning Trust), school B to
# Northshire's maintained school, Midshire's officer to Northshire's.
_NORTH_SCHOOL_ROLES = ("staff", "dsl", "deputy", "head", "governor", "admin")
SWAP = {
    **{f"{r}_a": f"{r}_n" for r in (*_NORTH_SCHOOL_ROLES, "trust_lead", "trustee", "trust_admin")},
    **{f"{r}_b": f"{r}_m" for r in _NORTH_SCHOOL_ROLES},
    "la_officer_a": "la_officer_m",
}
SWAP |= {v: k for k, v in SWAP.items()}
# Concerns at Fell Academy beyond the mirrored two: Northshire's figures, shown on its own
# dashboards (5 or more, so not suppressed), that must never reach Midshire's.
NORTH_EXTRA_CONCERNS = 9


def matrix_world_build() -> MatrixWorld:
    """The test world, Northshire's trust and academy (conftest.add_northshire), the matrix's
    records in Midshire's school A and, mirrored, in Fell Academy, then the dashboards'
    roll-ups counted from them (nothing commits here, so no refresh runs on its own)."""
    base = build_world()
    north = add_northshire(base)
    world = _with_records(base)
    mirror = World(
        authority=base.other_authority,
        other_authority=base.authority,
        trust_a=north.trust,
        trust_b=base.trust_b,  # Northshire has one trust; nothing below is made in the second
        school_a=north.school,
        school_b=base.school_m,
        school_m=base.school_b,
        pupils={SWAP_SUFFIX[k]: p for k, p in base.pupils.items()},
        users={k: base.users[SWAP.get(k, k)] for k in base.users},
    )
    world.north = _with_records(mirror)
    _north_extra_concerns(world.north)
    from haven.insights import rollups

    rollups.rebuild()
    return world


SWAP_SUFFIX = {"a": "n", "n": "a", "b": "m", "m": "b"}


def _north_extra_concerns(north: MatrixWorld) -> None:
    from haven.concerns.models import Category
    from haven.concerns.services import ChildInConcern, concern_submit

    for n in range(NORTH_EXTRA_CONCERNS):
        concern_submit(
            by=north.users["staff_a"],  # Fell Academy's member of staff
            school=north.school_a,
            children=[ChildInConcern(north.pupils["a"].pk, "affected")],
            occurred_at=timezone.now() - dt.timedelta(hours=3 + n),
            location="transport",
            category_ids=[Category.objects.get(code="racist").pk],
            what_happened=f"Northshire matrix concern {n}: comments on the school bus.",
            child_told_next_steps="yes",
        )


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """One world for the whole matrix (hundreds of requests), rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield matrix_world_build()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _with_records(base: World) -> MatrixWorld:
    """A concern recorded by staff_a, a case opened from it, and a second concern to triage."""
    world = MatrixWorld(**{f.name: getattr(base, f.name) for f in fields(World)})
    import datetime as dt

    from django.utils import timezone

    from haven.cases.services import case_open
    from haven.concerns.models import Category
    from haven.concerns.services import ChildInConcern, concern_submit

    def concern(text: str, attachments=()):
        return concern_submit(
            by=world.users["staff_a"],
            school=world.school_a,
            children=[ChildInConcern(world.pupils["a"].pk, "affected")],
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            location="toilets",
            category_ids=[Category.objects.get(code="bullying").pk],
            what_happened=text,
            child_told_next_steps="yes",
            attachments=attachments,
        )

    from django.core.files.uploadedfile import SimpleUploadedFile

    notes = SimpleUploadedFile("matrix-handwritten-notes.pdf", b"%PDF-1.4\n" + b"0" * 64, "application/pdf")
    world.concern = concern("Matrix concern: name-calling in the toilets.", attachments=[notes])
    world.case = case_open(by=world.users["dsl_a"], concern=world.concern, title="Matrix case title")
    from haven.cases.services import referral_make, task_add

    world.referral = referral_make(
        by=world.users["dsl_a"], case=world.case, agency="early_help", referred_on=timezone.localdate()
    )
    world.task = task_add(
        by=world.users["dsl_a"],
        case=world.case,
        title="Matrix task: speak to the form tutor",
        assignee=world.users["deputy_a"],
        due_on=timezone.localdate() + dt.timedelta(days=3),
    )
    world.concern2 = concern("Second matrix concern, still to triage.")
    from haven.safety_plans.services import plan_create

    world.plan = plan_create(
        by=world.users["dsl_a"],
        case=world.case,
        pupil=world.pupils["a"],
        content={
            "referrer_name_role": "Staff A, member of staff",
            "schools_affected": world.school_a.name,
            "review_date": timezone.localdate() + dt.timedelta(days=14),
            "worried_about": "Matrix words for the child.",
        },
        risk_lines=[{"hazard": "Matrix hazard: comments in the toilets", "hazard_rating": 2, "likelihood": 4}],
    )
    from haven.police.services import bail_condition_record

    world.bail = bail_condition_record(
        by=world.users["dsl_a"],
        case=world.case,
        pupil=world.pupils["a"],
        condition="Matrix bail: not to go to the park.",
        until=timezone.localdate() + dt.timedelta(days=20),
    )
    from haven.pupil_voice.services import report_submit

    world.pupil_report = report_submit(
        school=world.school_a, what_happened="Matrix pupil report: comments on the bus."
    ).report
    _with_resources(world)
    _with_s175_audit(world)
    from haven.pupil_voice.survey_services import survey_open

    today = timezone.localdate()
    world.survey = survey_open(
        by=world.users["la_officer_a"],
        title="Matrix county survey",
        opens_on=today,
        closes_on=today + dt.timedelta(days=14),
        schools=[world.school_a, world.school_b],
    )
    world.school_survey = survey_open(
        by=world.users["dsl_a"],
        title="Matrix school survey",
        opens_on=today + dt.timedelta(days=30),
        closes_on=today + dt.timedelta(days=44),
        schools=[world.school_a],
    )
    # Results show once a survey has closed: move both into the past (no overlap).
    from haven.pupil_voice.models import Survey

    Survey.objects.filter(pk=world.survey.pk).update(
        opens_on=today - dt.timedelta(days=21), closes_on=today - dt.timedelta(days=1)
    )
    Survey.objects.filter(pk=world.school_survey.pk).update(
        opens_on=today - dt.timedelta(days=60), closes_on=today - dt.timedelta(days=45)
    )
    from haven.insights.services import enquiry_record

    world.enquiry = enquiry_record(
        by=world.users["la_officer_a"],
        authority=world.authority,
        school=world.school_a,
        at=timezone.now() - dt.timedelta(hours=3),
        caller_role="dsl",
        channel="phone",
        category_ids=[Category.objects.get(code="bullying").pk],
        summary="Matrix enquiry: a question about a group chat.",
        advice="Matrix advice.",
    )

    from haven.network.models import FeedToken
    from haven.network.services import meeting_schedule
    from haven.organisations.models import Pyramid

    pyramid = Pyramid.objects.create(authority=world.authority, name="Alder pyramid")
    world.school_a.pyramid = pyramid
    world.school_a.save(update_fields=["pyramid"])
    world.meeting = meeting_schedule(
        by=world.users["la_officer_a"],
        authority=world.authority,
        pyramid=pyramid,
        title="Matrix network meeting",
        starts_at=timezone.now() + dt.timedelta(days=7),
        ends_at=timezone.now() + dt.timedelta(days=7, hours=2),
        venue="County Hall",
    )
    from haven.records.services import transfer_send

    world.transfer = transfer_send(
        by=world.users["dsl_a"], pupil=world.pupils["a"], left_on=timezone.localdate(), to_school=world.school_b
    )
    from haven.people import services as people_services
    from haven.testing import factories

    world.contact = people_services.contact_add(
        by=world.users["dsl_a"],
        pupil=world.pupils["a"],
        data={"name": "Matrix contact Morgan", "relationship": "mother", "phone": "07700 900321"},
    )
    world.family_link = people_services.link_add(
        by=world.users["dsl_a"],
        pupil=world.pupils["a"],
        other=factories.PupilFactory(school=world.school_a, legal_forename="Matrix", legal_surname="Brother"),
        kind="sibling",
    )
    # Every user gets a token, so the feeds can be asked for as each of them (one each: the
    # mirrored world finds the tokens the first one made).
    world.feed_tokens = {
        key: (
            FeedToken.objects.filter(user=user, revoked_at__isnull=True).first() or FeedToken.objects.create(user=user)
        ).token
        for key, user in world.users.items()
    }
    from webauthn.helpers import bytes_to_base64url

    from haven.accounts.models import Passkey

    dsl = world.users["dsl_a"]
    world.passkey = Passkey.objects.create(
        user=dsl,
        name="Matrix passkey",
        credential_id=bytes_to_base64url(f"matrix-{dsl.pk}".encode()),
        public_key=b"\xa0",
    )
    world.session_handle = _another_session(world.users["dsl_a"])
    return world


def _another_session(user) -> str:
    """A session of ``user`` on another device, as a sign-in there would leave it; its handle."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY

    from haven.accounts import sessions
    from haven.accounts.models import UserSession

    store = sessions.SessionStore()
    store.update(
        {
            SESSION_KEY: str(user.pk),
            HASH_SESSION_KEY: user.get_session_auth_hash(),
            sessions.SIGNED_IN_AT: timezone.now().isoformat(),
            sessions.HANDLE: "matrix-session",
            sessions.DEVICE: "Firefox on Linux",
        }
    )
    store.set_expiry(24 * 60 * 60)  # outlasts the run
    store.create()
    # The newest of the person's sessions throughout, so the limit on how many one person holds
    # ends the matrix's own sign-ins as dsl_a first.
    UserSession.objects.filter(session_key=store.session_key).update(last_seen_at=timezone.now() + dt.timedelta(days=1))
    return "matrix-session"


def _with_resources(world: MatrixWorld) -> None:
    """An approved resource, a proposal by staff_a, a published case study and a draft (school A)."""
    from haven.resources import services as rs

    def resource(title: str):
        return rs.resource_propose(
            by=world.users["staff_a"],
            school=world.school_a,
            data={"title": title, "kind": "teaching", "url": "https://example.org/", "for_staff": True, "ks3": True},
        )

    world.resource = rs.resource_curate(
        by=world.users["la_officer_a"], resource=resource("Matrix approved resource"), action="approve"
    )
    world.proposal = resource("Matrix proposed resource")
    study = {
        "title": "Matrix case study",
        "phase": "secondary",
        "context": "A secondary school.",
        "what_happened": "Matrix draft: comments in a group chat.",
        "school_response": "Spoke to everyone involved.",
        "what_worked": "Matrix published: a restorative meeting.",
        "outcome": "It stopped.",
    }
    published = rs.case_study_save(by=world.users["dsl_a"], school=world.school_a, data=study)
    rs.case_study_submit(by=world.users["dsl_a"], case_study=published)
    world.case_study = rs.case_study_review(by=world.users["la_officer_a"], case_study=published, action="publish")
    world.case_study_draft = rs.case_study_save(
        by=world.users["dsl_a"], school=world.school_a, data={**study, "what_worked": "Draft only."}
    )


def _with_s175_audit(world: MatrixWorld) -> None:
    """A Section 175 round opened by the authority's officer; school A has submitted."""
    import datetime as dt

    from django.utils import timezone

    from haven.compliance import services, standards
    from haven.compliance.models import SchoolAudit

    today = timezone.localdate()
    world.s175_round = services.round_open(
        by=world.users["la_officer_a"],
        authority=world.authority,
        title="Matrix S175 audit",
        opens_on=today,
        due_on=today + dt.timedelta(days=30),
    )
    audit = SchoolAudit.objects.get(round=world.s175_round, school=world.school_a)
    answers = {s["key"]: {"answer": standards.PARTLY, "evidence": "Matrix S175 evidence"} for s in standards.snapshot()}
    services.audit_save_draft(
        by=world.users["dsl_a"],
        audit=audit,
        based_on=audit.version,
        answers=answers,
        staff_total=20,
        staff_trained=10,
        training_needs="Matrix S175 training needs",
    )
    services.audit_submit(by=world.users["dsl_a"], audit=audit)
    world.s175_audit = audit


CASES = [(p, user) for p in PROTECTED for user in ALL_USERS]


def _ask(client, protected: Protected, url: str):
    if protected.post is not None:
        return client.post(url, data=protected.post, content_type="application/json")
    return client.get(url)


@pytest.mark.parametrize(("protected", "user_key"), CASES, ids=[f"{p.name} as {u}" for p, u in CASES])
def test_matrix(protected: Protected, user_key: str, matrix_world: MatrixWorld, client, django_db_blocker):
    with django_db_blocker.unblock():
        if protected.token:
            response = client.get(protected.url(matrix_world, user_key))
        else:
            sign_in(client, matrix_world.users[user_key])
            response = _ask(client, protected, protected.url(matrix_world))
        if user_key in protected.allowed:
            assert response.status_code == protected.allowed_status, f"{user_key} should open {protected.name}"
            if protected.must_show:
                assert protected.must_show(matrix_world) in response.text
        else:
            assert response.status_code == 404, f"{user_key} must get 404 for {protected.name}"
            if protected.must_show:
                assert protected.must_show(matrix_world) not in response.text


# -- Between authorities ------------------------------------------------------------------
#
# Every row whose address names a record (it differs between the two authorities' copies) is
# asked for by people of the other authority: Northshire's against Midshire's records, and
# Midshire's against Northshire's. One test per person, each sweeping every such row, keeps
# the cost to a few hundred requests (the matrix above is a few thousand).

NORTH_PROBERS = ("dsl_n", "admin_n", "trust_lead_n", "trust_admin_n", "la_officer_m")
MIDSHIRE_PROBERS = ("dsl_a", "admin_a", "trust_lead_a", "trust_admin_a", "la_officer_a")
NORTH_KEYS = frozenset(k for k in SWAP if k.endswith(("_n", "_m")))
# Records one authority's people may open in another's (DESIGN §8: the resource bank is shared).
SHARED_ROWS = frozenset({"a resource in the bank"})


def _url(protected: Protected, world: MatrixWorld, user_key: str) -> str:
    return protected.url(world, user_key) if protected.token else protected.url(world)


def tenant_rows(rows: list[Protected], world: MatrixWorld) -> list[Protected]:
    """The rows whose address names one authority's record, less :data:`SHARED_ROWS`."""
    return [
        p for p in rows if p.name not in SHARED_ROWS and _url(p, world, "dsl_a") != _url(p, world.north, SWAP["dsl_a"])
    ]


def cross_authority_leaks(rows: list[Protected], world: MatrixWorld, prober: str, client, *, ask=None) -> list[str]:
    """What ``prober`` opened of the other authority's records (each should be 404), as
    "row: status" lines. A calendar feed is asked for with the prober's own token."""
    theirs, as_key = (world, prober) if prober in NORTH_KEYS else (world.north, SWAP[prober])
    sign_in(client, world.users[prober])
    leaks = []
    for protected in tenant_rows(rows, world):
        url = _url(protected, theirs, as_key)
        response = client.get(url) if protected.token else (ask or _ask)(client, protected, url)
        if response.status_code != 404 or (protected.must_show and protected.must_show(theirs) in response.text):
            leaks.append(f"{protected.name}: {response.status_code}")
    return leaks


def test_the_rows_between_authorities_are_every_record_but_the_shared_ones(
    matrix_world: MatrixWorld, django_db_blocker
):
    with django_db_blocker.unblock():
        rows = tenant_rows(PROTECTED, matrix_world)
        named = [p.name for p in rows]
        # A record row the other authority may open is either shared on purpose or a leak.
        crossing = {p.name for p in PROTECTED if p.allowed & NORTH_KEYS and p.name in named}
        assert crossing == set(), crossing
        assert {"a concern", "a case", "a safety plan", "a pupil's report", "an enquiry", "a network meeting"} <= set(
            named
        )
        assert len(rows) >= 40, named


@pytest.mark.parametrize("prober", NORTH_PROBERS + MIDSHIRE_PROBERS)
def test_another_authoritys_records_are_not_found(prober: str, matrix_world: MatrixWorld, client, django_db_blocker):
    with django_db_blocker.unblock():
        assert cross_authority_leaks(PROTECTED, matrix_world, prober, client) == []


def test_each_authority_opens_its_own_copy_of_the_records(matrix_world: MatrixWorld, client, django_db_blocker):
    """The control for the sweep above: Northshire's own people open Northshire's copy of each
    record row (so its 404s to Midshire's people are refusals, not missing records)."""
    north = matrix_world.north
    unchecked, wrong = [], []
    with django_db_blocker.unblock():
        for protected in tenant_rows(PROTECTED, matrix_world):
            mine = sorted(k for k in protected.allowed if k in SWAP)
            if not mine:
                unchecked.append(protected.name)
                continue
            user_key = SWAP[mine[0]]
            if protected.token:
                response = client.get(protected.url(north, mine[0]))
            else:
                sign_in(client, matrix_world.users[user_key])
                response = _ask(client, protected, protected.url(north))
            shown = not protected.must_show or protected.must_show(north) in response.text
            if response.status_code != protected.allowed_status or not shown:
                wrong.append(f"{protected.name} as {user_key}: {response.status_code}")
    assert wrong == [] and unchecked == []


AGGREGATES = [
    ("insights", lambda w: reverse("insights"), "la_officer_a"),
    ("insights", lambda w: reverse("insights"), "trust_lead_a"),
    ("the termly report", lambda w: reverse("insights_report"), "la_officer_a"),
    ("the termly report", lambda w: reverse("insights_report"), "trust_lead_a"),
    ("a network meeting's trend pack", lambda w: reverse("network:trends", args=[w.meeting.pk]), "la_officer_a"),
]


@pytest.mark.parametrize(("page", "url", "user_key"), AGGREGATES, ids=[f"{p} as {u}" for p, _, u in AGGREGATES])
def test_aggregates_count_only_their_own_authority(
    page: str, url, user_key: str, matrix_world: MatrixWorld, client, django_db_blocker
):
    """Fell Academy's 11 concerns (9 on the bus, beyond the mirrored two) are on Northshire's
    officer's and trust lead's pages and nowhere on Midshire's, whose 2 show only as "<5";
    neither names the other's schools."""
    north = matrix_world.north
    counted = NORTH_EXTRA_CONCERNS + 2
    northshire_only = re.compile(rf">\s*({counted}|{counted + 2})\s*<")  # theirs, or both added up
    with django_db_blocker.unblock():
        sign_in(client, matrix_world.users[SWAP[user_key]])
        theirs = client.get(url(north)).text
        client.logout()
        sign_in(client, matrix_world.users[user_key])
        ours = client.get(url(matrix_world)).text
    assert f">{counted}<" in theirs.replace(" ", ""), f"Northshire's {page} shows its own count"
    assert not northshire_only.search(ours), f"Midshire's {page} shows Northshire's count"
    assert "&lt;5" in ours
    for name in ("Fell Academy", "Northshire Primary"):
        assert name not in ours
    for name in ("Alder Academy", "Birch Academy"):
        assert name not in theirs


@pytest.mark.parametrize("protected", PROTECTED, ids=[p.name for p in PROTECTED])
def test_a_visitor_is_sent_to_sign_in(protected: Protected, matrix_world: MatrixWorld, client, django_db_blocker):
    with django_db_blocker.unblock():
        if protected.token:  # a feed has no sign-in: a made-up token is simply not found
            good = protected.url(matrix_world, "dsl_a")
            assert client.get(good.replace(matrix_world.feed_tokens["dsl_a"], "0" * 64)).status_code == 404
            return
        url = protected.url(matrix_world)
        response = _ask(client, protected, url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:sign_in"))


@pytest.mark.parametrize("protected", PROTECTED, ids=[p.name for p in PROTECTED])
def test_a_content_role_without_its_second_factor_is_stopped(
    protected: Protected, matrix_world: MatrixWorld, client, django_db_blocker
):
    """Signed in with a password only, a DSL reaches the two-factor step, not the page."""
    with django_db_blocker.unblock():
        client.force_login(matrix_world.users["dsl_a"])
        if protected.token:  # the token, not the session, opens a feed; it holds no content
            assert client.get(protected.url(matrix_world, "dsl_a")).status_code == 200
            return
        response = _ask(client, protected, protected.url(matrix_world))
        if protected.second_factor_step:  # the step itself: refused to one who has a factor to pass
            assert response.status_code == 404
            return
        assert response.status_code == 302
        assert response["Location"].startswith("/account/two-factor/")


def test_a_stale_second_factor_is_asked_again_before_every_guarded_page(
    matrix_world: MatrixWorld, client, django_db_blocker
):
    """Step-up: on every row whose page is an export, print, transfer, role change, token
    creation or change of how one signs in, an allowed user whose second factor is 16 minutes
    old is asked for it again."""
    from haven.accounts.stepup import VERIFIED_AT

    asked = []
    with django_db_blocker.unblock():
        for protected in PROTECTED:
            if protected.token or not protected.allowed:
                continue
            url = protected.url(matrix_world)
            # Pages whose download alone is guarded (?format=csv) open as pages: not swept here.
            if getattr(resolve(url.split("?")[0]).func, "step_up", "") != "always":
                continue
            sign_in(client, matrix_world.users[sorted(protected.allowed)[0]])
            session = client.session
            session[VERIFIED_AT] = (timezone.now() - dt.timedelta(minutes=16)).isoformat()
            session.save()
            response = _ask(client, protected, url)
            if protected.post is not None:  # a browser's call: refused as JSON, naming the page to confirm on
                assert response.status_code == 403, f"{protected.name} must ask for the second factor again"
                assert response.json()["step_up"].startswith(reverse("accounts:step_up") + "?next=")
            else:
                assert response.status_code == 302, f"{protected.name} must ask for the second factor again"
                assert response["Location"].startswith(reverse("accounts:step_up") + "?next=")
            asked.append(protected.name)
    assert {
        "a safety plan's PDF",
        "the termly report PDF",
        "add a person to a school",
        "an authority's culture survey as CSV",
        "send a child's file to their new school",
        "a child protection file",
        "a Section 175 audit round as CSV",
        "remove a passkey",
        "passkey registration options",
        "passkey registration",
    } <= set(asked), asked


def test_another_schools_dsl_is_refused_and_the_attempt_is_recorded(client, world):
    sign_in(client, world.users["dsl_b"])
    pupil = world.pupils["a"]
    response = client.get(reverse("records:pupil_detail", args=[pupil.pk]))
    assert response.status_code == 404
    event = AuditEvent.objects.get(action=Action.ACCESS_DENIED, object_id=str(pupil.pk))
    assert event.actor == world.users["dsl_b"]
    assert event.school_id == world.school_a.pk


def test_a_missing_record_and_a_forbidden_one_look_the_same(client, world):
    sign_in(client, world.users["dsl_b"])
    forbidden = client.get(reverse("records:pupil_detail", args=[world.pupils["a"].pk]))
    missing = client.get(reverse("records:pupil_detail", args=[999_999]))
    assert forbidden.status_code == missing.status_code == 404
    # Identical but for the per-response CSRF token in the sign-out form.
    token = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert token.sub("", forbidden.text) == token.sub("", missing.text)


def test_an_ended_role_grants_nothing(client, world):
    from django.utils import timezone

    dsl = world.users["dsl_a"]
    dsl.memberships.update(ended_at=timezone.now())
    sign_in(client, dsl)
    assert client.get(reverse("records:pupil_detail", args=[world.pupils["a"].pk])).status_code == 404


def test_reading_a_pupil_file_is_audited(client, world):
    sign_in(client, world.users["head_a"])
    pupil = world.pupils["a"]
    assert client.get(reverse("records:pupil_detail", args=[pupil.pk])).status_code == 200
    event = AuditEvent.objects.filter(action=Action.VIEW, object_type="people.pupil", object_id=str(pupil.pk)).get()
    assert event.actor == world.users["head_a"]
    # The DSL sees that read on the child's access log.
    client.logout()
    sign_in(client, world.users["dsl_a"])
    log = client.get(reverse("people:pupil_access_log", args=[pupil.pk]))
    assert "Head A (head_a@example.org)" in log.text
