"""The base test world: two schools in two trusts in one authority, a maintained school in
a second authority, and every role at each. Tests ask for ``world`` and sign in with
``sign_in(client, world.users["dsl_a"])``.

For isolation between authorities, :func:`add_northshire` gives the second authority its own
trust and an academy in it, beside its maintained school, so it holds every kind of
organisation the first one does (the access matrix's world has it)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from unittest.mock import patch

import pytest
from django.test import Client
from django.utils import timezone

from haven.access.roles import Role
from haven.accounts.models import AuthenticatorApp, User
from haven.organisations.models import Authority, School, Trust
from haven.people.models import Pupil
from haven.testing import factories as f

# The browser fixtures (one Chromium for the whole run) are registered once, here: imported
# into several directories' conftests they would start a second Playwright per directory.
pytest_plugins = ["haven.testing.browser"]

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls made by
# the test itself (setting up data) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True, scope="session")
def _flush_may_purge_audit():
    """Transactional tests empty every table between tests. On SQLite that is a DELETE,
    which the audit log's append-only trigger refuses unless a purge is open; open one for
    the flush only (PostgreSQL's flush is TRUNCATE, which row triggers do not see)."""
    from django.core.management.commands import flush

    from haven.audit.guard import audit_purge_allowed

    original = flush.Command.handle

    def handle(self, *args, **options):
        with audit_purge_allowed():
            return original(self, *args, **options)

    with patch.object(flush.Command, "handle", handle):
        yield


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Argon2 is deliberately slow; tests hash many passwords. test_passwords.py checks the
    real setting uses Argon2."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_audit_anchors(settings, tmp_path):
    """Each test anchors the audit log in a file of its own: the database is rolled back
    after a test, an anchor file is not."""
    settings.AUDIT_ANCHOR_FILE = tmp_path / "audit-anchors.jsonl"


@pytest.fixture(autouse=True)
def _immediate_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@dataclass
class World:
    authority: Authority
    other_authority: Authority
    trust_a: Trust
    trust_b: Trust
    school_a: School
    school_b: School
    school_m: School  # maintained, in the other authority
    pupils: dict[str, Pupil] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)


SCHOOL_ROLES = {
    "staff": Role.STAFF,
    "dsl": Role.DSL,
    "deputy": Role.DEPUTY_DSL,
    "head": Role.HEAD,
    "governor": Role.GOVERNOR,
    "admin": Role.ADMIN,
}


def _school_people(world: World, suffix: str, school: School) -> None:
    for key, role in SCHOOL_ROLES.items():
        user = f.UserFactory(email=f"{key}_{suffix}@example.org", full_name=f"{key.title()} {suffix.upper()}")
        f.MembershipFactory(user=user, role=role, school=school)
        world.users[f"{key}_{suffix}"] = user
    world.pupils[suffix] = f.PupilFactory(
        school=school, legal_forename=f"Pupil{suffix.upper()}", legal_surname="Example"
    )


def _trust_people(world: World, suffix: str, trust: Trust) -> None:
    for key, role in (("trust_lead", Role.TRUST_LEAD), ("trustee", Role.GOVERNOR), ("trust_admin", Role.ADMIN)):
        user = f.UserFactory(email=f"{key}_{suffix}@example.org", full_name=f"{key.title()} {suffix.upper()}")
        f.MembershipFactory(user=user, role=role, trust=trust)
        world.users[f"{key}_{suffix}"] = user


def build_world() -> World:
    authority = f.AuthorityFactory(name="Midshire County Council", la_code="881")
    other = f.AuthorityFactory(name="Northshire Council", la_code="882")
    trust_a = f.TrustFactory(name="Alder Learning Trust", authority=authority)
    trust_b = f.TrustFactory(name="Birch Academies Trust", authority=authority)
    school_a = f.SchoolFactory(name="Alder Academy", urn="140001", authority=authority, trust=trust_a)
    school_b = f.SchoolFactory(name="Birch Academy", urn="140002", authority=authority, trust=trust_b)
    school_m = f.SchoolFactory(name="Northshire Primary", urn="140003", authority=other, phase=School.Phase.PRIMARY)
    world = World(authority, other, trust_a, trust_b, school_a, school_b, school_m)
    for suffix, school in (("a", school_a), ("b", school_b), ("m", school_m)):
        _school_people(world, suffix, school)
    for suffix, trust in (("a", trust_a), ("b", trust_b)):
        _trust_people(world, suffix, trust)
    for suffix, auth in (("a", authority), ("m", other)):
        user = f.UserFactory(email=f"la_officer_{suffix}@example.org", full_name=f"LA Officer {suffix.upper()}")
        f.MembershipFactory(user=user, role=Role.LA_OFFICER, authority=auth)
        world.users[f"la_officer_{suffix}"] = user
    world.users["nobody"] = f.UserFactory(email="nobody@example.org", full_name="No Role")
    return world


@dataclass
class Northshire:
    """The second authority's trust and the academy in it. Its maintained school is
    ``world.school_m`` and its officer ``la_officer_m``, as in the base world."""

    trust: Trust
    school: School


def add_northshire(world: World) -> Northshire:
    """Give Northshire what Midshire has: a trust (Fell Learning Trust) with an academy in it
    (Fell Academy), every school role there (``staff_n``, ``dsl_n`` ... ``admin_n``), the
    trust's roles (``trust_lead_n``, ``trustee_n``, ``trust_admin_n``) and a pupil
    (``pupils["n"]``). The base world's names and people are unchanged."""
    trust = f.TrustFactory(name="Fell Learning Trust", authority=world.other_authority)
    school = f.SchoolFactory(name="Fell Academy", urn="140004", authority=world.other_authority, trust=trust)
    _school_people(world, "n", school)
    _trust_people(world, "n", trust)
    return Northshire(trust, school)


@pytest.fixture
def world(db) -> World:
    return build_world()


def sign_in(client: Client, user: User, *, verified: bool = True) -> Client:
    """Sign the client in; with ``verified`` also pass the second factor (every role needs
    one: an authenticator app is made for the person if they have none). ``verified=False``
    is a password only, which reaches nothing but the two-factor pages."""
    client.force_login(user)
    if verified:
        pass_second_factor(client, user)
    return client


def pass_second_factor(client: Client, user: User) -> Client:
    """A client past the password page passes the second factor, as the two-factor page does
    (an authenticator app is made for the person if they have none)."""
    session = client.session
    device = AuthenticatorApp.objects.filter(user=user, confirmed=True).first() or f.totp_device(user)
    session["otp_device_id"] = device.persistent_id
    # A factor was just given, as by the two-factor page (step-up counts from it).
    session["step_up_verified_at"] = timezone.now().isoformat()
    session.save()
    return client


@pytest.fixture
def signed_in(client):
    def _sign_in(user: User, *, verified: bool = True) -> Client:
        return sign_in(client, user, verified=verified)

    return _sign_in


@pytest.fixture
def make_concern(world):
    """Record a concern at school A through the real service."""

    def _make(*, codes=("bullying",), children=None, by=None, urgent=False, location="corridor", days_ago=1, **kw):
        children = children or [(world.pupils["a"], "affected")]
        from haven.concerns.models import Category
        from haven.concerns.services import ChildInConcern, concern_submit

        return concern_submit(
            by=by or world.users["staff_a"],
            school=children[0][0].school,
            children=[ChildInConcern(p.pk, role) for p, role in children],
            occurred_at=timezone.now() - dt.timedelta(days=days_ago),
            location=location,
            category_ids=[Category.objects.get(code=c).pk for c in codes],
            what_happened=kw.pop("what_happened", "A boy pushed another boy in the corridor."),
            child_told_next_steps="yes",
            urgent=urgent,
            **kw,
        )

    return _make


@pytest.fixture
def second_child(world):
    return f.PupilFactory(
        school=world.school_a, legal_forename="Jordan", legal_surname="Lee", date_of_birth=dt.date(2011, 3, 1)
    )
