"""Reads for the administrator's people pages, always for the acting administrator.

An administrator manages people only in the organisations they administer (DESIGN §8): a
school admin their school, a trust admin the trust and its schools, an authority admin the
authority's own people (not the schools in its area). Everything here is scoped by
:func:`manage_scope_for`; a person or organisation outside it answers 404 through
:func:`haven.access.policy.deny`, so an administrator cannot learn who works elsewhere.

These pages show names, email addresses and roles only: never pupils or records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from operator import attrgetter
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from haven.access.policy import Capability, authorities_for, deny, schools_for, trusts_for
from haven.access.roles import Role
from haven.audit.context import COMMAND, AuditContext
from haven.organisations.models import Authority, School, Trust

from .models import AuthenticatorApp, Membership, User

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.audit.services import AuditOrganisation

Organisation = School | Trust | Authority
KINDS = ("school", "trust", "authority")


def organisation_kind(organisation: Organisation) -> str:
    """ "school", "trust" or "authority": the membership column the organisation goes in."""
    if isinstance(organisation, School):
        return "school"
    if isinstance(organisation, Trust):
        return "trust"
    return "authority"


def organisation_key(organisation: Organisation) -> str:
    """A stable form value naming one organisation, like ``school-12``."""
    return f"{organisation_kind(organisation)}-{organisation.pk}"


@dataclass(frozen=True)
class ManageScope:
    """The organisations whose people one administrator manages."""

    schools: tuple[School, ...] = ()
    trusts: tuple[Trust, ...] = ()
    authorities: tuple[Authority, ...] = ()

    @property
    def organisations(self) -> list[Organisation]:
        return [*self.trusts, *self.schools, *self.authorities]

    @property
    def is_empty(self) -> bool:
        return not (self.schools or self.trusts or self.authorities)

    def ids(self, kind: str) -> set[int]:
        return {o.pk for o in {"school": self.schools, "trust": self.trusts, "authority": self.authorities}[kind]}

    def memberships_q(self) -> Q:
        """Memberships in one of these organisations."""
        q = Q(pk__in=[])
        for kind in KINDS:
            ids = self.ids(kind)
            if ids:
                q |= Q(**{f"{kind}_id__in": sorted(ids)})
        return q

    def covers(self, membership: Membership) -> bool:
        return any(getattr(membership, f"{kind}_id") in self.ids(kind) for kind in KINDS)

    def find(self, key: str) -> Organisation | None:
        """The organisation named by :func:`organisation_key`, if it is in scope."""
        return next((o for o in self.organisations if organisation_key(o) == key), None)


def manage_scope_for(user: User) -> ManageScope:
    """The organisations the user administers (empty for everyone but administrators)."""
    return ManageScope(
        schools=tuple(schools_for(user, Capability.MANAGE_PEOPLE).order_by("name", "pk")),
        trusts=tuple(trusts_for(user, Capability.MANAGE_PEOPLE)),
        authorities=tuple(authorities_for(user, Capability.MANAGE_AUTHORITY_PEOPLE)),
    )


def manage_scope_or_404(user: User, *, ctx: AuditContext = COMMAND) -> ManageScope:
    """The user's scope; someone who administers nothing gets the 404 (audited)."""
    scope = manage_scope_for(user)
    if scope.is_empty:
        raise deny(ctx, actor=user, object_type="accounts.manage", object_id="people", reason="not an administrator")
    return scope


def _roles_in(scope: ManageScope, *, current: bool = True) -> QuerySet[Membership]:
    qs = Membership.objects.filter(scope.memberships_q()).select_related("school", "trust", "authority")
    if current:
        qs = qs.filter(ended_at__isnull=True)
    return qs.order_by("school__name", "trust__name", "authority__name", "role", "pk")


def people_list_for(
    user: User, *, scope: ManageScope | None = None, filters: dict[str, str] | None = None
) -> QuerySet[User]:
    """People with a current role in the administrator's organisations, filtered.

    Filters: ``q`` (words in the name or email), ``role`` (a Role value), ``org`` (an
    :func:`organisation_key` in scope). Each person carries ``managed_roles`` (their current
    roles in scope only: roles elsewhere are not the administrator's business) and
    ``has_two_factor``. Three queries a page whatever its size: count, people, roles.
    """
    scope = scope or manage_scope_for(user)
    filters = filters or {}
    in_scope = Membership.objects.filter(scope.memberships_q(), user=OuterRef("pk"), ended_at__isnull=True)
    qs = User.objects.filter(Exists(in_scope))
    role = filters.get("role", "")
    if role in Role.values:
        qs = qs.filter(Exists(in_scope.filter(role=role)))
    organisation = scope.find(filters.get("org", ""))
    if organisation is not None:
        kind = organisation_kind(organisation)
        qs = qs.filter(Exists(in_scope.filter(**{f"{kind}_id": organisation.pk})))
    for term in (filters.get("q") or "").split()[:5]:
        qs = qs.filter(Q(full_name__icontains=term) | Q(email__icontains=term) | Q(job_title__icontains=term))
    return (
        qs.annotate(has_two_factor=Exists(AuthenticatorApp.objects.filter(user=OuterRef("pk"), confirmed=True)))
        .prefetch_related(Prefetch("memberships", queryset=_roles_in(scope), to_attr="managed_roles"))
        .order_by("full_name", "email", "pk")
    )


@dataclass
class ManagedPerson:
    """One person as an administrator sees them: their roles in the administrator's
    organisations, and whether they also hold roles elsewhere (which puts the account
    itself, shared with those organisations, out of this administrator's reach)."""

    user: User
    current: list[Membership] = field(default_factory=list)
    past: list[Membership] = field(default_factory=list)
    roles_elsewhere: bool = False
    has_two_factor: bool = False

    @property
    def audit_organisation(self) -> AuditOrganisation:
        """The organisation whose audit chain records changes to this person's account."""
        m = (self.current or self.past)[0]
        return {"school": m.school, "trust": m.trust, "authority": m.authority}


def person_get_for(
    user: User, person_id: int, *, scope: ManageScope | None = None, ctx: AuditContext = COMMAND
) -> ManagedPerson:
    """A person who holds, or held, a role in the administrator's organisations; else 404.

    Past roles count so that an administrator can still find someone whose last role they
    ended, to give them a role again or to deactivate the account.
    """
    scope = scope or manage_scope_for(user)
    person = User.objects.filter(pk=person_id).first()
    memberships = list(_roles_in(scope, current=False).filter(user_id=person_id)) if person else []
    if person is None or not memberships:
        raise deny(
            ctx, actor=user, object_type="accounts.user", object_id=person_id, reason="not in a managed organisation"
        )
    return ManagedPerson(
        user=person,
        current=[m for m in memberships if m.ended_at is None],
        past=sorted((m for m in memberships if m.ended_at is not None), key=attrgetter("ended_at"), reverse=True),
        roles_elsewhere=Membership.objects.filter(user=person, ended_at__isnull=True)
        .exclude(scope.memberships_q())
        .exists(),
        has_two_factor=AuthenticatorApp.objects.filter(user=person, confirmed=True).exists(),
    )


def membership_get_for(
    user: User, person: ManagedPerson, membership_id: int, *, ctx: AuditContext = COMMAND
) -> Membership:
    """One of the person's current roles in the administrator's organisations; else 404.

    ``person`` comes from :func:`person_get_for` for the same user, so it holds only roles
    in that user's scope: a role elsewhere, or another person's, is not found.
    """
    membership = next((m for m in person.current if m.pk == membership_id), None)
    if membership is None:
        raise deny(
            ctx,
            actor=user,
            object_type="accounts.membership",
            object_id=membership_id,
            reason="not a current managed role",
        )
    return membership


def organisation_get_for(
    user: User, kind: str, organisation_id: int, *, scope: ManageScope | None = None, ctx: AuditContext = COMMAND
) -> Organisation:
    """A school, trust or authority the administrator manages; else 404 (audited)."""
    scope = scope or manage_scope_for(user)
    organisation = scope.find(f"{kind}-{organisation_id}")
    if organisation is None:
        school = School.objects.filter(pk=organisation_id).first() if kind == "school" else None
        raise deny(
            ctx,
            actor=user,
            object_type=f"organisations.{kind}",
            object_id=organisation_id,
            school=school,
            reason="manage",
        )
    return organisation
