"""factory-boy factories for tests (and nothing else)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, TypeVar

import factory
from django.db import models

from haven.access.roles import Role
from haven.accounts.models import AuthenticatorApp, Membership, User
from haven.organisations.models import Authority, Pyramid, School, Trust
from haven.people.models import Pupil
from haven.people.upn import make_upn

PASSWORD = "correct horse battery staple"

_M = TypeVar("_M", bound=models.Model)

if TYPE_CHECKING:

    class ModelFactory(factory.django.DjangoModelFactory[_M]):
        # Calling a factory makes its model (factory-boy's metaclass does it, untyped).
        def __new__(cls, *args: Any, **kwargs: Any) -> _M: ...  # type: ignore[misc]

else:
    ModelFactory = factory.django.DjangoModelFactory


class AuthorityFactory(ModelFactory[Authority]):
    class Meta:
        model = Authority

    name = factory.Sequence(lambda n: f"Authority {n}")
    la_code = factory.Sequence(lambda n: f"{800 + n % 199:03d}")


class TrustFactory(ModelFactory[Trust]):
    class Meta:
        model = Trust

    name = factory.Sequence(lambda n: f"Trust {n}")
    authority = factory.SubFactory(AuthorityFactory)


class PyramidFactory(ModelFactory[Pyramid]):
    class Meta:
        model = Pyramid

    name = factory.Sequence(lambda n: f"Pyramid {n}")
    authority = factory.SubFactory(AuthorityFactory)


class SchoolFactory(ModelFactory[School]):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    phase = School.Phase.SECONDARY
    authority = factory.SubFactory(AuthorityFactory)
    trust = None


class PupilFactory(ModelFactory[Pupil]):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn(int(n % 900) + 100, 4000 + n % 1000, 20, n % 1000))
    legal_forename = factory.Sequence(lambda n: f"Forename{n}")
    legal_surname = factory.Sequence(lambda n: f"Surname{n}")
    date_of_birth = dt.date(2012, 5, 17)
    year_group = "9"
    sex = "F"


class UserFactory(ModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(ModelFactory[Membership]):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.STAFF


def totp_device(user: User) -> AuthenticatorApp:
    return AuthenticatorApp.objects.create(user=user, name="Test app", confirmed=True)
