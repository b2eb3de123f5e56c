"""Who may see and do what: DESIGN §8, decided here and nowhere else.

Views never filter by school themselves. They ask a selector, and the selector asks this
module which schools the acting user may act on for a capability. Default deny: a
capability not granted below is refused. A record the user may not see answers 404, never
403, so its existence is not disclosed (:func:`deny`).

Roles come from current memberships. A school membership covers that school; a trust
membership covers the trust's schools; an authority membership covers the schools in the
authority's area.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db.models import Q, QuerySet
from django.http import Http404

from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.organisations.models import Authority, School, Trust

from .roles import CONTENT_ROLES, Role

if TYPE_CHECKING:
    from haven.accounts.models import Membership, User
    from haven.compliance.models import SchoolAudit
    from haven.concerns.models import Concern
    from haven.pupil_voice.models import Survey
    from haven.records.models import FileTransfer
    from haven.resources.models import CaseStudy, Resource


class Capability(StrEnum):
    RECORD_CONCERN = "record_concern"
    READ_SCHOOL_RECORDS = "read_school_records"  # all concerns, cases, plans, pupil files
    WRITE_SCHOOL_RECORDS = "write_school_records"  # triage, decide, refer, plan
    URGENT_ESCALATION = "urgent_escalation"  # told when an urgent concern waits unacknowledged
    READ_SHARED_CASES = "read_shared_cases"  # cases a school shares with its trust
    VIEW_ACCESS_LOG = "view_access_log"  # who viewed a child's file
    PUPIL_VOICE_INBOX = "pupil_voice_inbox"
    SURVEY_RUN = "survey_run"  # open and close pupils' culture surveys
    SURVEY_RESULTS = "survey_results"  # read culture survey results
    TRUST_DASHBOARDS = "trust_dashboards"
    COUNTY_DASHBOARDS = "county_dashboards"
    ENQUIRY_LOG = "enquiry_log"
    MANAGE_PEOPLE = "manage_people"  # users, roles and the pupil roster of schools and trusts
    MANAGE_AUTHORITY_PEOPLE = "manage_authority_people"  # an authority's own people, not its schools
    MANAGE_TAXONOMY = "manage_taxonomy"  # the authority's own categories of concern
    RESOURCES_READ = "resources_read"
    RESOURCES_PROPOSE = "resources_propose"
    RESOURCES_CURATE = "resources_curate"
    CASE_STUDIES_WRITE = "case_studies_write"  # write the school's case studies
    CASE_STUDIES_READ = "case_studies_read"  # read published case studies
    CASE_STUDIES_REVIEW = "case_studies_review"  # review and publish the authority's case studies
    NETWORK_MANAGE = "network_manage"  # pyramids and DSL network meetings of the authority
    NETWORK_ATTEND = "network_attend"  # be invited to, and read, DSL network meetings
    NETWORK_INVITED = "network_invited"  # invited to a new meeting of one's school unless the officer changes it
    S175_COMPLETE = "s175_complete"  # fill in the school's annual Section 175 audit
    S175_SUBMIT = "s175_submit"  # sign the school's audit off and send it to the authority
    S175_READ = "s175_read"  # read the school's Section 175 audit and its status
    S175_COLLECT = "s175_collect"  # open rounds of the audit, read every school's, return them
    ALERT_DELIVERY_STATUS = "alert_delivery_status"  # told on every page when email alerts are failing


SCHOOL = frozenset({"school"})
TRUST = frozenset({"trust"})
AUTHORITY = frozenset({"authority"})
SCHOOL_OR_TRUST = frozenset({"school", "trust"})
ANY = frozenset({"school", "trust", "authority"})
_SCHOOL_ROLES = (Role.STAFF, Role.DSL, Role.DEPUTY_DSL, Role.HEAD)

# Capability -> {role: the kinds of membership through which the role grants it}.
# A school membership covers its school, a trust membership the trust's schools, an
# authority membership the schools in the authority's area.
_GRANTS: dict[Capability, dict[str, frozenset[str]]] = {
    Capability.RECORD_CONCERN: dict.fromkeys(_SCHOOL_ROLES, SCHOOL),
    Capability.READ_SCHOOL_RECORDS: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL, Role.HEAD), SCHOOL),
    Capability.WRITE_SCHOOL_RECORDS: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
    # An urgent concern no safeguarding lead has received within the hour goes to the head.
    Capability.URGENT_ESCALATION: {Role.HEAD: SCHOOL},
    Capability.READ_SHARED_CASES: {Role.TRUST_LEAD: TRUST},
    Capability.VIEW_ACCESS_LOG: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
    Capability.PUPIL_VOICE_INBOX: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
    # County review: evidence of how safe children feel. A school's DSLs run surveys for their
    # school, a trust lead for the trust's schools, an LA officer for the authority's schools;
    # heads read their school's results.
    Capability.SURVEY_RUN: {
        **dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
        Role.TRUST_LEAD: TRUST,
        Role.LA_OFFICER: AUTHORITY,
    },
    Capability.SURVEY_RESULTS: {
        **dict.fromkeys((Role.DSL, Role.DEPUTY_DSL, Role.HEAD), SCHOOL),
        Role.TRUST_LEAD: TRUST,
        Role.LA_OFFICER: AUTHORITY,
    },
    # Trust governors (trustees) see trust dashboards; a school governor does not.
    Capability.TRUST_DASHBOARDS: {Role.TRUST_LEAD: TRUST, Role.GOVERNOR: TRUST},
    Capability.COUNTY_DASHBOARDS: {Role.LA_OFFICER: AUTHORITY},
    Capability.ENQUIRY_LOG: {Role.LA_OFFICER: AUTHORITY},
    Capability.MANAGE_TAXONOMY: {Role.LA_OFFICER: AUTHORITY},
    # An authority's administrator manages the authority's own people, not schools' rosters.
    Capability.MANAGE_PEOPLE: {Role.ADMIN: SCHOOL_OR_TRUST},
    Capability.MANAGE_AUTHORITY_PEOPLE: {Role.ADMIN: AUTHORITY},
    Capability.RESOURCES_READ: {
        **dict.fromkeys(_SCHOOL_ROLES, SCHOOL),
        Role.TRUST_LEAD: TRUST,
        Role.LA_OFFICER: AUTHORITY,
        Role.GOVERNOR: ANY,
    },
    Capability.RESOURCES_PROPOSE: {**dict.fromkeys(_SCHOOL_ROLES, SCHOOL), Role.TRUST_LEAD: TRUST},
    Capability.RESOURCES_CURATE: {Role.LA_OFFICER: AUTHORITY},
    # County review: "a bank of case studies" written by DSLs, published by the authority.
    Capability.CASE_STUDIES_WRITE: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
    Capability.CASE_STUDIES_READ: {**dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL), Role.LA_OFFICER: AUTHORITY},
    Capability.CASE_STUDIES_REVIEW: {Role.LA_OFFICER: AUTHORITY},
    Capability.NETWORK_MANAGE: {Role.LA_OFFICER: AUTHORITY},
    # DSLs and deputies are invited; a head reads the meetings their school is invited to.
    Capability.NETWORK_ATTEND: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL, Role.HEAD), SCHOOL),
    Capability.NETWORK_INVITED: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
    # The annual Section 175 audit (DESIGN §1): the school's DSLs and head complete it,
    # governors (of the school, or trustees of its trust) and the trust lead read its status,
    # the authority's advice officer collects it.
    Capability.S175_COMPLETE: dict.fromkeys((Role.DSL, Role.DEPUTY_DSL, Role.HEAD), SCHOOL),
    # Policy: the headteacher or the DSL signs the audit off; a deputy prepares it.
    Capability.S175_SUBMIT: dict.fromkeys((Role.HEAD, Role.DSL), SCHOOL),
    Capability.S175_READ: {
        **dict.fromkeys((Role.DSL, Role.DEPUTY_DSL, Role.HEAD), SCHOOL),
        Role.GOVERNOR: SCHOOL_OR_TRUST,
        Role.TRUST_LEAD: TRUST,
    },
    Capability.S175_COLLECT: {Role.LA_OFFICER: AUTHORITY},
    # Email alerts failing (haven.alerts): the DSLs, who then watch the dashboard, and the
    # administrators, who look after the school's systems. Nothing of any record is shown.
    Capability.ALERT_DELIVERY_STATUS: {
        **dict.fromkeys((Role.DSL, Role.DEPUTY_DSL), SCHOOL),
        Role.ADMIN: SCHOOL_OR_TRUST,
    },
}


def _granting(user: User, capability: Capability) -> list[tuple[str, int]]:
    """(organisation kind, id) of each current membership granting the capability."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    grants = _GRANTS.get(capability, {})
    return [(kind, org_id) for role, kind, org_id in _covers(user) if kind in grants.get(role, frozenset())]


def _covers(user: User) -> list[tuple[str, str, int]]:
    """(role, organisation kind, organisation id) for each current membership."""
    return [
        (  # type: ignore[misc]  # exactly one organisation id is set: a database constraint
            m.role,
            "school" if m.school_id else "trust" if m.trust_id else "authority",
            m.school_id or m.trust_id or m.authority_id,
        )
        for m in user.active_memberships
    ]


def roles_at(user: User, school: School) -> set[str]:
    """The roles the user holds that cover this school."""
    if not user.is_authenticated or not user.is_active:
        return set()
    roles: set[str] = set()
    for role, kind, org_id in _covers(user):
        if (
            (kind == "school" and org_id == school.pk)
            or (kind == "trust" and org_id == school.trust_id)
            or (kind == "authority" and org_id == school.authority_id)
        ):
            roles.add(role)
    return roles


def can(user: User, capability: Capability, *, school: School) -> bool:
    """May this user exercise the capability at this school?"""
    org_of = {"school": school.pk, "trust": school.trust_id, "authority": school.authority_id}
    return any(org_of[kind] == org_id for kind, org_id in _granting(user, capability))


def schools_for(user: User, capability: Capability) -> QuerySet[School]:
    """The schools where the user may exercise the capability, as a queryset."""
    q = Q(pk__in=[])
    for kind, org_id in _granting(user, capability):
        q |= Q(**{"pk" if kind == "school" else f"{kind}_id": org_id})
    return School.objects.filter(q)


def school_ids_for(user: User, capability: Capability) -> list[int]:
    """The ids of the schools where the user may exercise the capability. When every membership
    granting it is a school's, they are the memberships' schools, already loaded (no query);
    a trust or authority membership covers schools that only a query can list."""
    granting = _granting(user, capability)
    if all(kind == "school" for kind, _ in granting):
        return sorted({org_id for _, org_id in granting})
    return list(schools_for(user, capability).order_by("pk").values_list("pk", flat=True))


def school_list_for(user: User, capability: Capability) -> list[School]:
    """The schools where the user may exercise the capability, by name: as :func:`schools_for`,
    taken from the loaded memberships when each granting membership is a school's (no query)."""
    granting = _granting(user, capability)
    if all(kind == "school" for kind, _ in granting):
        ids = {org_id for _, org_id in granting}
        found = {m.school_id: m.school for m in user.active_memberships if m.school_id in ids} if ids else {}
        return sorted(found.values(), key=lambda s: (s.name, s.pk))  # type: ignore[arg-type]  # school_id set: school
    return list(schools_for(user, capability).order_by("name", "pk"))


def trusts_for(user: User, capability: Capability) -> list[Trust]:
    """Trusts whose own trust membership grants the capability (loaded with the memberships)."""
    return _organisations_for(user, capability, "trust")


def authorities_for(user: User, capability: Capability) -> list[Authority]:
    """Authorities whose own authority membership grants the capability."""
    return _organisations_for(user, capability, "authority")


def _organisations_for(user: User, capability: Capability, kind: str) -> list[Any]:
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    grants = _GRANTS.get(capability, {})
    found = {}
    for m in user.active_memberships:
        org = getattr(m, kind) if getattr(m, f"{kind}_id") else None
        if org is not None and kind in grants.get(m.role, frozenset()):
            found[org.pk] = org
    return sorted(found.values(), key=lambda o: (o.name, o.pk))


def has_any(user: User, capability: Capability) -> bool:
    """Does the user hold a role granting the capability anywhere?"""
    return bool(_granting(user, capability))


def deny(
    ctx: AuditContext,
    *,
    actor: User | None = None,
    object_type: str,
    object_id: str | int,
    school: School | int | None = None,
    reason: str = "",
) -> Http404:
    """Record a refused access and return the 404 to raise.

    The refusal is audited in the record's school chain when the record exists, so a DSL
    can see attempts on their pupils; the answer is the same 404 as for a missing record.
    """

    audit_record(
        Event.ACCESS_REFUSED,
        ctx=ctx,
        actor=actor,
        object_type=object_type,
        object_id=object_id,
        school=school,
        extra={"reason": reason} if reason else None,
    )
    return Http404("Not found")


# -- Concerns and cases --------------------------------------------------------------------
def case_visibility(user: User, *, prefix: str = "") -> Q:
    """A filter for the cases the user may read (``prefix`` e.g. "case__" from a concern).

    DSLs, deputies and heads read their school's cases, except a restricted case, which only
    the people named on it may open. A trust lead reads cases a school shared with the trust,
    unless restricted without naming them.
    """
    Case = apps.get_model("cases", "Case")  # by name: access sits below the apps whose rows it filters
    p = prefix
    readers = schools_for(user, Capability.READ_SCHOOL_RECORDS).values("pk")
    named = Case.restricted_to.through.objects.filter(user_id=user.pk).values("case_id")
    not_restricted = Q(**{f"{p}restricted": False}) | Q(**{f"{p}pk__in": named})
    q = Q(**{f"{p}school__in": readers}) & not_restricted
    if has_any(user, Capability.READ_SHARED_CASES):
        shared_schools = schools_for(user, Capability.READ_SHARED_CASES).values("pk")
        q |= Q(**{f"{p}school__in": shared_schools, f"{p}shared_with_trust": True}) & not_restricted
    return q


def concern_visibility(user: User) -> Q:
    """A filter for the concerns the user may read: their own (DESIGN §8: staff read the
    concerns they recorded), and those of their school's readable cases or not yet in a case."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    own = Q(recorded_by=user.pk, school__in=schools_for(user, Capability.RECORD_CONCERN).values("pk"))
    readers = schools_for(user, Capability.READ_SCHOOL_RECORDS).values("pk")
    unfiled = Q(school__in=readers, case__isnull=True)
    return own | unfiled | (Q(case__isnull=False) & case_visibility(user, prefix="case__"))


def may_amend_concern(user: User, concern: Concern) -> bool:
    """May the user append an amendment (a correction or an addition) to this concern?

    Only people who may add to the record (DESIGN §2, §8): the member of staff who recorded
    it, while they may still record concerns at its school, and the school's safeguarding
    leads (DSLs and deputies), who for a concern in a restricted case must be named on it.
    Reading is not enough: a head reads the school's records and a trust lead reads shared
    cases, and neither writes to them.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    school = concern.school
    if concern.recorded_by_id == user.pk and can(user, Capability.RECORD_CONCERN, school=school):
        return True
    if not can(user, Capability.WRITE_SCHOOL_RECORDS, school=school):
        return False
    case = concern.case if concern.case_id else None
    return case is None or not case.restricted or case.restricted_to.filter(pk=user.pk).exists()


# -- Resource bank and case studies -----------------------------------------------------------
def _authorities_q(user: User, capability: Capability, field: str = "authority") -> Q:
    """Rows of the authorities whose area the capability covers for the user: those of the
    schools it covers (a subquery) and those of the authority memberships granting it."""
    own = [a.pk for a in authorities_for(user, capability)]
    covered = schools_for(user, capability).values("authority_id")
    return Q(**{f"{field}__in": own}) | Q(**{f"{field}__in": covered})


def resource_visibility(user: User) -> Q:
    """A filter for the resources the user may read (DESIGN §8: staff, DSLs, heads, trust
    leads and governors read; LA officers curate). Approved items of the national list, of
    the user's authorities, and local items marked useful anywhere; a proposal only to its
    proposer and the officers who curate it. Administrators read nothing."""
    if not has_any(user, Capability.RESOURCES_READ):
        return Q(pk__in=[])
    area = _authorities_q(user, Capability.RESOURCES_READ)
    approved = Q(status="approved") & (Q(authority__isnull=True) | Q(national=True) | area)
    curated = Q(authority__in=[a.pk for a in authorities_for(user, Capability.RESOURCES_CURATE)])
    own = Q(proposed_by=user.pk)
    return approved | curated | own


def case_study_visibility(user: User) -> Q:
    """A filter for the case studies the user may read. Published: DSLs and officers of the
    same authority, and everyone who reads case studies when the author shared it wider.
    Drafts, submitted and returned: the author, their school's DSLs, the authority's officers."""
    if not has_any(user, Capability.CASE_STUDIES_READ):
        return Q(pk__in=[])
    area = _authorities_q(user, Capability.CASE_STUDIES_READ)
    published = Q(status="published") & (area | Q(share_wider=True))
    writers = schools_for(user, Capability.CASE_STUDIES_WRITE).values("pk")
    reviewers = [a.pk for a in authorities_for(user, Capability.CASE_STUDIES_REVIEW)]
    return published | Q(school__in=writers) | Q(authority__in=reviewers)


# -- DSL network meetings --------------------------------------------------------------------
def meeting_visibility(user: User) -> Q:
    """A filter for the network meetings the user may read: every meeting of an authority
    they manage meetings for, and, for a DSL, deputy or head, meetings their school is
    invited to or they are invited to personally (while they still hold such a role in
    the meeting's authority)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return Q(pk__in=[])
    Meeting = apps.get_model("network", "Meeting")  # by name: access sits below the network app
    Invitation = apps.get_model("network", "Invitation")
    managed = [a.pk for a in authorities_for(user, Capability.NETWORK_MANAGE)]
    q = Q(authority_id__in=managed)
    if has_any(user, Capability.NETWORK_ATTEND):
        schools = schools_for(user, Capability.NETWORK_ATTEND)
        invited_schools = Meeting.schools.through.objects.filter(school_id__in=schools.values("pk"))
        q |= Q(pk__in=invited_schools.values("meeting_id"))
        invited = Invitation.objects.filter(user_id=user.pk).values("meeting_id")
        q |= Q(pk__in=invited, authority_id__in=schools.values("authority_id"))
    return q


# -- The API ---------------------------------------------------------------------------------
def uses_the_api(user: User) -> bool:
    """Roles that record concerns or read safeguarding records (DESIGN §8): school staff,
    DSLs, deputies and heads, and trust leads (who read the cases schools share with them).
    Administrators, governors and advice officers never see safeguarding content."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return (
        has_any(user, Capability.RECORD_CONCERN)
        or has_any(user, Capability.READ_SCHOOL_RECORDS)
        or reads_shared_cases(user)
    )


def reads_cases(user: User) -> bool:
    """Who has a case list: the school's readers (as the dashboard) and trust leads."""
    return has_any(user, Capability.READ_SCHOOL_RECORDS) or reads_shared_cases(user)


def reads_shared_cases(user: User) -> bool:
    """Trust leads read the cases schools share with their trust (access.case_visibility)."""
    return has_any(user, Capability.READ_SHARED_CASES)


# -- Who holds which role where ----------------------------------------------------------------
def holders_of(capability: Capability, *, school_ids: Iterable[int]) -> QuerySet[Membership]:
    """The current memberships through which someone holds the capability at any of these
    schools: the schools' own, and a trust's or an authority's that cover them. The grants
    above read the other way round, for the people an email or an invitation goes to, so
    changing who is told is one change here. Callers choose what to load, the order, and
    whether to leave out accounts that are switched off."""
    membership = apps.get_model("accounts", "Membership")  # by name: accounts sits above access
    ids = sorted(set(school_ids))
    schools = School.objects.filter(pk__in=ids)
    q = Q(pk__in=[])
    for role, kinds in _GRANTS.get(capability, {}).items():
        if "school" in kinds:
            q |= Q(role=role, school_id__in=ids)
        if "trust" in kinds:
            q |= Q(role=role, trust_id__in=schools.filter(trust__isnull=False).values("trust_id"))
        if "authority" in kinds:
            q |= Q(role=role, authority_id__in=schools.values("authority_id"))
    return membership.objects.filter(q, ended_at__isnull=True)


def _covers_authority(user: User, capability: Capability, authority_id: int | None) -> bool:
    """Does an authority membership of the user grant the capability for this authority?
    (:func:`can` asks the same of a school.)"""
    return authority_id is not None and authority_id in {a.pk for a in authorities_for(user, capability)}


# -- Child protection file transfers -----------------------------------------------------------
def may_open_file(user: User, transfer: FileTransfer) -> bool:
    """Whether the user may open a transferred file itself. Anyone who may see the transfer,
    unless the file holds cases the sending school restricted to named people: then, at the
    sending school, only people named on every one of them; at the new school, its
    safeguarding leads."""
    restricted = list(transfer.restricted_cases.values_list("pk", flat=True))
    if not restricted:
        return True
    if can(user, Capability.READ_SCHOOL_RECORDS, school=transfer.school):
        case = apps.get_model("cases", "Case")  # by name: access sits below the cases
        named = case.restricted_to.through.objects.filter(case_id__in=restricted, user_id=user.pk).count()
        return bool(named == len(restricted))
    return transfer.to_school is not None and can(user, Capability.WRITE_SCHOOL_RECORDS, school=transfer.to_school)


# -- The Section 175 audit ---------------------------------------------------------------------
def may_use_s175(user: User) -> bool:
    """Who has the audit's pages: those who read a school's audit, and the officers who collect them."""
    return has_any(user, Capability.S175_READ) or bool(authorities_for(user, Capability.S175_COLLECT))


def may_complete_s175(user: User, audit: SchoolAudit) -> bool:
    return can(user, Capability.S175_COMPLETE, school=audit.school)


def may_submit_s175(user: User, audit: SchoolAudit) -> bool:
    return can(user, Capability.S175_SUBMIT, school=audit.school) and may_complete_s175(user, audit)


def may_collect_s175(user: User, authority_id: int) -> bool:
    return _covers_authority(user, Capability.S175_COLLECT, authority_id)


# -- The resource bank and case studies --------------------------------------------------------
def may_curate(user: User, resource: Resource) -> bool:
    """LA officers curate their authority's items; the national list (no authority) is
    reviewed by any authority's officers."""
    curators = {a.pk for a in authorities_for(user, Capability.RESOURCES_CURATE)}
    return bool(curators) and (resource.authority_id is None or resource.authority_id in curators)


def may_edit_proposal(user: User, resource: Resource) -> bool:
    """The proposer changes their own proposal while it waits or was sent back for changes."""
    return resource.proposed_by_id == user.pk and resource.status in (
        resource.Status.PROPOSED,
        resource.Status.CHANGES_REQUESTED,
    )


def may_write_case_study(user: User, case_study: CaseStudy) -> bool:
    return case_study.status in (case_study.Status.DRAFT, case_study.Status.RETURNED) and can(
        user, Capability.CASE_STUDIES_WRITE, school=case_study.school
    )


def may_review_case_study(user: User, case_study: CaseStudy) -> bool:
    return _covers_authority(user, Capability.CASE_STUDIES_REVIEW, case_study.authority_id)


# -- Pupils' culture surveys and the enquiry log -------------------------------------------------
def may_manage_survey(user: User, survey: Survey) -> bool:
    """May this user close the survey? Whoever could open it for all of its schools: the
    school's DSLs for a school's survey, the trust's leads, the authority's officers."""
    if survey.scope == survey.Scope.AUTHORITY:
        return _covers_authority(user, Capability.SURVEY_RUN, survey.authority_id)
    if survey.scope == survey.Scope.TRUST:
        return any(t.pk == survey.trust_id for t in trusts_for(user, Capability.SURVEY_RUN))
    school = survey.schools.first()
    return school is not None and can(user, Capability.SURVEY_RUN, school=school)


def may_keep_enquiry_log(user: User, authority_id: int) -> bool:
    """The authority's advice officers keep its enquiry log."""
    return _covers_authority(user, Capability.ENQUIRY_LOG, authority_id)


# -- DSL network meetings ----------------------------------------------------------------------
def may_use_network(user: User) -> bool:
    return has_any(user, Capability.NETWORK_MANAGE) or has_any(user, Capability.NETWORK_ATTEND)


def may_manage_network(user: User, authority_id: int) -> bool:
    """The authority's officers manage its pyramids and meetings."""
    return _covers_authority(user, Capability.NETWORK_MANAGE, authority_id)


# -- Who checks a role given, and approves a second factor replaced ----------------------------
# DESIGN §3 rule 19: an administrator is never a path to content. Every content role given is
# told to the organisation's own leads, who may revoke it; a lost second factor is replaced only
# when one of them approves. Tried in order: the first tier holding someone other than the
# person and whoever asked is told. A school's DSLs first; if the person is the school's only
# DSL, its headteacher; then the trust's safeguarding leads. A trust's or an authority's role
# goes to the other leads of that organisation.
ROLE_CHECKERS = frozenset({Role.DSL, Role.HEAD, Role.TRUST_LEAD, Role.LA_OFFICER, Role.ADMIN})
# How long after a content role is given its checkers may still revoke it from their page.
ROLE_CHECK_DAYS = 14


def role_checker_tiers(membership: Membership) -> list[Q]:
    """The memberships (as filters on current memberships) whose holders check this role, in
    order of who is asked first. Roles that reach no content (staff, administrator) are
    checked by another administrator of the organisation, for second-factor resets only."""
    school = membership.school
    if membership.role not in CONTENT_ROLES:
        q = Q(role=Role.ADMIN, **_organisation_filter(membership))
        if school is not None and school.trust_id:
            q |= Q(role=Role.ADMIN, trust_id=school.trust_id)
        return [q]
    if school is not None:
        tiers = [Q(role=Role.DSL, school_id=school.pk), Q(role=Role.HEAD, school_id=school.pk)]
        if school.trust_id:
            tiers.append(Q(role=Role.TRUST_LEAD, trust_id=school.trust_id))
        return tiers
    if membership.trust_id:
        return [Q(role=Role.TRUST_LEAD, trust_id=membership.trust_id)]
    return [Q(role=Role.LA_OFFICER, authority_id=membership.authority_id)]


def _organisation_filter(membership: Membership) -> dict[str, int | None]:
    if membership.school_id:
        return {"school_id": membership.school_id}
    if membership.trust_id:
        return {"trust_id": membership.trust_id}
    return {"authority_id": membership.authority_id}


def may_check_roles(user: User) -> bool:
    """Whether the person holds a role that can be asked to check others' (the checks page)."""
    return any(m.role in ROLE_CHECKERS for m in user.active_memberships)
