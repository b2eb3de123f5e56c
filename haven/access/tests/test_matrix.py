"""The access matrix of DESIGN §8, generated: every protected URL × every user of the test
world (each role at the own school, at a school in another trust, at a school in another
authority, trust and authority roles, a user with no role) × anonymous.

Add a row to ``PROTECTED`` for every new page or API endpoint. A user not listed as
allowed must get 404 (never 403: another tenant's record is not disclosed); a visitor who
is not signed in is sent to sign in.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import pytest
from django.urls import reverse

from conftest import World, build_world, sign_in
from haven.audit.models import Action, AuditEvent

if TYPE_CHECKING:
    from haven.cases.models import Case
    from haven.compliance.models import AuditRound, SchoolAudit
    from haven.concerns.models import Concern
    from haven.insights.models import Enquiry
    from haven.network.models import Meeting
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
    concern2: Concern = field(init=False)
    plan: SafetyPlan = field(init=False)
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
        "who opened a pupil's file",
        lambda w: reverse("people:pupil_access_log", args=[w.pupils["a"].pk]),
        frozenset({"dsl_a", "deputy_a"}),
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
]


@pytest.fixture(scope="module")
def matrix_world(django_db_setup, django_db_blocker):
    """One world for the whole matrix (hundreds of requests), rolled back at the end."""
    from django.db import transaction

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield _with_records(build_world())
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def _with_records(base: World) -> MatrixWorld:
    """A concern recorded by staff_a, a case opened from it, and a second concern to triage."""
    world = MatrixWorld(**{f.name: getattr(base, f.name) for f in fields(base)})
    import datetime as dt

    from django.utils import timezone

    from haven.cases.services import case_open
    from haven.concerns.models import Category
    from haven.concerns.services import ChildInConcern, concern_submit

    def concern(text: str):
        return concern_submit(
            by=world.users["staff_a"],
            school=world.school_a,
            children=[ChildInConcern(world.pupils["a"].pk, "affected")],
            occurred_at=timezone.now() - dt.timedelta(hours=2),
            location="toilets",
            category_ids=[Category.objects.get(code="bullying").pk],
            what_happened=text,
            child_told_next_steps="yes",
        )

    world.concern = concern("Matrix concern: name-calling in the toilets.")
    world.case = case_open(by=world.users["dsl_a"], concern=world.concern, title="Matrix case title")
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
    # Every user gets a token, so the feeds can be asked for as each of them.
    world.feed_tokens = {key: FeedToken.objects.create(user=user).token for key, user in world.users.items()}
    return world


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


@pytest.mark.parametrize(("protected", "user_key"), CASES, ids=[f"{p.name} as {u}" for p, u in CASES])
def test_matrix(protected: Protected, user_key: str, matrix_world: MatrixWorld, client, django_db_blocker):
    with django_db_blocker.unblock():
        if protected.token:
            response = client.get(protected.url(matrix_world, user_key))
        else:
            sign_in(client, matrix_world.users[user_key])
            response = client.get(protected.url(matrix_world))
        if user_key in protected.allowed:
            assert response.status_code == 200, f"{user_key} should open {protected.name}"
            if protected.must_show:
                assert protected.must_show(matrix_world) in response.text
        else:
            assert response.status_code == 404, f"{user_key} must get 404 for {protected.name}"
            if protected.must_show:
                assert protected.must_show(matrix_world) not in response.text


@pytest.mark.parametrize("protected", PROTECTED, ids=[p.name for p in PROTECTED])
def test_a_visitor_is_sent_to_sign_in(protected: Protected, matrix_world: MatrixWorld, client, django_db_blocker):
    with django_db_blocker.unblock():
        if protected.token:  # a feed has no sign-in: a made-up token is simply not found
            good = protected.url(matrix_world, "dsl_a")
            assert client.get(good.replace(matrix_world.feed_tokens["dsl_a"], "0" * 64)).status_code == 404
            return
        url = protected.url(matrix_world)
        response = client.get(url)
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
        response = client.get(protected.url(matrix_world))
        assert response.status_code == 302
        assert response["Location"].startswith("/account/two-factor/")


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
