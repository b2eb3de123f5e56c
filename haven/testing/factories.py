"""factory-boy factories for tests (and nothing else)."""

from __future__ import annotations

import datetime as dt

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from haven.accounts.models import Membership, Role, User
from haven.organisations.models import Authority, Pyramid, School, Trust
from haven.people.models import Pupil
from haven.people.upn import make_upn

PASSWORD = "correct horse battery staple"


class AuthorityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Authority

    name = factory.Sequence(lambda n: f"Authority {n}")
    la_code = factory.Sequence(lambda n: f"{800 + n % 199:03d}")


class TrustFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trust

    name = factory.Sequence(lambda n: f"Trust {n}")
    authority = factory.SubFactory(AuthorityFactory)


class PyramidFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pyramid

    name = factory.Sequence(lambda n: f"Pyramid {n}")
    authority = factory.SubFactory(AuthorityFactory)


class SchoolFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = School

    name = factory.Sequence(lambda n: f"School {n}")
    urn = factory.Sequence(lambda n: f"{100000 + n}")
    phase = School.Phase.SECONDARY
    authority = factory.SubFactory(AuthorityFactory)
    trust = None


class PupilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn(int(n % 900) + 100, 4000 + n % 1000, 20, n % 1000))
    legal_forename = factory.Sequence(lambda n: f"Forename{n}")
    legal_surname = factory.Sequence(lambda n: f"Surname{n}")
    date_of_birth = dt.date(2012, 5, 17)
    year_group = "9"
    sex = "F"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.STAFF


def totp_device(user: User) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)
