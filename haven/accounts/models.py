"""People who sign in, and the roles they hold in each organisation.

A person may hold several memberships (a deputy DSL who is also a governor elsewhere).
Each membership names exactly one organisation, of the kind its role belongs to; the
database holds that rule so no code path can break it.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils.crypto import salted_hmac

from haven.access.roles import TWO_FACTOR_ROLES, Role
from haven.core import clock


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


def _new_session_salt() -> str:
    return secrets.token_hex(16)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=clock.now)
    # Changing this ends every session of the user ("sign out everywhere").
    session_salt = models.CharField(max_length=32, default=_new_session_salt)
    # Set when an administrator issues a temporary password (a new account, a reset): the
    # person chooses their own before anything else (``TwoFactorRequiredMiddleware``).
    password_must_change = models.BooleanField(default=False, db_default=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]

    def __str__(self) -> str:
        return self.full_name or self.email

    if TYPE_CHECKING:
        # Set on the signed-in user of every request by django_otp's OTPMiddleware.
        def is_verified(self) -> bool: ...

    def get_session_auth_hash(self) -> str:
        return salted_hmac(
            "haven.accounts.User.get_session_auth_hash",
            f"{self.password}:{self.session_salt}",
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def active_memberships(self) -> list[Membership]:
        """Current memberships, cached on the instance for the request."""
        cached = getattr(self, "_active_memberships", None)
        if cached is None:
            cached = list(
                self.memberships.filter(ended_at__isnull=True).select_related(
                    "school", "school__trust", "school__authority", "trust", "authority"
                )
            )
            self._active_memberships = cached
        return cached

    @property
    def needs_two_factor(self) -> bool:
        return any(m.role in TWO_FACTOR_ROLES for m in self.active_memberships)


class Membership(models.Model):
    """One role held by one person in one organisation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    school = models.ForeignKey(
        "organisations.School", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    trust = models.ForeignKey(
        "organisations.Trust", on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    authority = models.ForeignKey(
        "organisations.Authority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    started_at = models.DateTimeField(default=clock.now)
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="membership_exactly_one_organisation",
                condition=(
                    models.Q(school__isnull=False, trust__isnull=True, authority__isnull=True)
                    | models.Q(school__isnull=True, trust__isnull=False, authority__isnull=True)
                    | models.Q(school__isnull=True, trust__isnull=True, authority__isnull=False)
                ),
            ),
            models.CheckConstraint(
                name="membership_role_fits_organisation",
                condition=(
                    models.Q(role__in=["staff", "dsl", "deputy_dsl", "head"], school__isnull=False)
                    | models.Q(role="trust_lead", trust__isnull=False)
                    | models.Q(role="la_officer", authority__isnull=False)
                    | models.Q(role="governor", authority__isnull=True)
                    | models.Q(role="admin")
                ),
            ),
            models.UniqueConstraint(
                fields=["user", "role", "school"],
                condition=models.Q(ended_at__isnull=True, school__isnull=False),
                name="membership_one_current_role_per_school",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "trust"],
                condition=models.Q(ended_at__isnull=True, trust__isnull=False),
                name="membership_one_current_role_per_trust",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "authority"],
                condition=models.Q(ended_at__isnull=True, authority__isnull=False),
                name="membership_one_current_role_per_authority",
            ),
        ]
        indexes = [models.Index(fields=["school", "role"]), models.Index(fields=["user", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.get_role_display()} at {self.organisation}"

    @property
    def organisation(self) -> object:
        return self.school or self.trust or self.authority

    @property
    def is_current(self) -> bool:
        return self.ended_at is None
