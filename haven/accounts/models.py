"""People who sign in, and the roles they hold in each organisation.

A person may hold several memberships (a deputy DSL who is also a governor elsewhere).
Each membership names exactly one organisation, of the kind its role belongs to; the
database holds that rule so no code path can break it.
"""

from __future__ import annotations

import secrets
import time
from base64 import b32encode
from binascii import unhexlify
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.utils.crypto import salted_hmac
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from haven.access.roles import Role, needs_two_factors
from haven.core import clock
from haven.core.fields import EncryptedTextField

from . import recovery


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


class User(AbstractBaseUser, PermissionsMixin):  # type: ignore[django-manager-missing]  # Passkey (django-otp, untyped)
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
        """Every account signs in with two factors (the rule is haven.access.roles')."""
        return needs_two_factors({m.role for m in self.active_memberships})


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


class Passkey(Device):  # type: ignore[misc]  # django-otp has no type hints
    """A passkey (a WebAuthn credential) the person registered: a second factor, and with
    user verification a whole sign-in (something they have, unlocked by something they know
    or are). A django-otp device, so a session it verified ``is_verified()`` everywhere."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="passkeys")
    # base64url, as the browser names it; unique across every account, so a credential
    # found on sign-in names one person.
    credential_id = models.CharField(max_length=1400, unique=True)
    public_key = models.BinaryField()  # COSE-encoded
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    aaguid = models.CharField(max_length=36, blank=True)  # the kind of authenticator
    # The opaque account handle given to the authenticator at registration (base64url): a
    # passwordless assertion that names another handle is refused.
    user_handle = models.CharField(max_length=128, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def verify_token(self, token: object) -> bool:
        return False  # never a typed code: only a signed assertion (haven.accounts.passkeys)


def _new_totp_key() -> str:
    return str(random_hex(20))


class AuthenticatorApp(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]  # django-otp: no hints
    """An authenticator app (TOTP, RFC 6238): django-otp's TOTP device, except that its seed is
    encrypted at rest under the field key (haven.core.fieldcrypt, ASVS V13.3.1), so a stolen
    database or dump cannot make anyone's codes. The verification is django-otp's own
    (``django_otp.oath.TOTP``): each code once, a step either side, wrong codes back off."""

    key = EncryptedTextField(default=_new_totp_key, help_text="The seed, hex-encoded (20 bytes).")
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)  # the time step of the last code taken: never again

    class Meta:
        ordering = ["pk"]

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def verify_token(self, token: object) -> bool:
        allowed, _ = self.verify_is_allowed()
        if not allowed:
            return False
        try:
            code = int(str(token))
        except ValueError:
            verified = False
        else:
            totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
            totp.time = time.time()
            verified = totp.verify(code, self.tolerance, self.last_t + 1)
            if verified:
                self.last_t = totp.t()
                self.drift = totp.drift
                self.throttle_reset(commit=False)
                self.set_last_used_timestamp(commit=False)
                self.save()
        if not verified:
            self.throttle_increment(commit=True)
        return bool(verified)

    def get_throttle_factor(self) -> int:
        return int(getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1))

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        label = str(self.user.get_username())
        params = urlencode(
            {"secret": b32encode(self.bin_key), "algorithm": "SHA1", "digits": self.digits, "period": self.step}
        )
        issuer = str(getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        if issuer:
            label = f"{issuer}:{label}"
            params += f"&issuer={quote(issuer)}"
        return f"otpauth://totp/{quote(label)}?{params}"


class RecoveryCodeDevice(TimestampMixin, ThrottlingMixin, Device):  # type: ignore[misc]  # django-otp: no hints
    """The person's recovery codes, a django-otp device like the authenticator app. It does
    what django-otp's static device does (each code works once, wrong codes back off), but
    keeps each code only as a salted Argon2id hash (haven.accounts.recovery, ASVS V6.5.2):
    the codes are shown once when made and are in the database nowhere."""

    class Meta:
        ordering = ["pk"]

    def get_throttle_factor(self) -> int:
        return 1

    def verify_token(self, token: object) -> bool:
        if not isinstance(token, str) or not recovery.looks_like_a_code(token):
            return False  # an app's six digits, say: no recovery code, and no guess at one
        if not self.verify_is_allowed()[0]:
            return False
        match = next((c for c in self.codes.all() if recovery.code_matches(token, c.code_hash)), None)
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    """One single-use recovery code, as its hash only (never the code)."""

    device = models.ForeignKey(RecoveryCodeDevice, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=128)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"Recovery code {self.pk} of device {self.device_id}"


# How long a set-up link and a second-factor reset request wait before they lapse.
ENROLMENT_VALID_HOURS = 72


class Enrolment(models.Model):
    """A single-use link, emailed to the person, with which they choose their own password
    (a new account, a password reset) or replace a lost second factor (DESIGN §3 rule 19:
    granting a content role shows nobody a password). Only the token's SHA-256 is kept, so
    the database alone opens no account. Sending a new link cancels the person's open ones."""

    class Purpose(models.TextChoices):
        ACCOUNT = "account", "Set up a new account"
        PASSWORD = "password", "Choose a new password"
        SECOND_FACTOR = "second_factor", "Set up two-factor sign-in again"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolments")
    # The role whose grant sent the link, if one did: revoking the role cancels the link.
    membership = models.ForeignKey(
        Membership, on_delete=models.CASCADE, null=True, blank=True, related_name="enrolments"
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    sent_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "used_at", "cancelled_at"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user}"

    @property
    def is_open(self) -> bool:
        return self.used_at is None and self.cancelled_at is None and clock.now() < self.expires_at


class RoleGrantNotice(models.Model):
    """A content role given, waiting for its checkers (the organisation's own leads) to see it:
    they are emailed and it is listed on their checks page, with a revoke button, for
    ``ROLE_CHECK_DAYS``. Who checks it is decided by :func:`haven.access.policy.role_checker_tiers`."""

    membership = models.OneToOneField(Membership, on_delete=models.CASCADE, related_name="grant_notice")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=clock.now)
    revoked_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["granted_at"])]

    def __str__(self) -> str:
        return f"{self.membership} given by {self.granted_by}"


class SecondFactorReset(models.Model):
    """An administrator's request to replace someone's lost second factor. Nothing happens
    until a second person approves it (a lead of the person's organisation, never the person
    or the requester); then a set-up link is emailed to the person."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="second_factor_resets")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=clock.now)
    approved_by = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "approved_at"])]

    def __str__(self) -> str:
        return f"Second factor reset for {self.user}"

    @property
    def is_pending(self) -> bool:
        return self.approved_at is None and clock.now() < self.requested_at + timedelta(hours=ENROLMENT_VALID_HOURS)


class UserSession(AbstractBaseSession):
    """A browser session (Django's database session, in Haven's own table) with who it
    belongs to, so a person can see their sessions and end one (``/account/sessions/``) and an
    administrator can end someone's (ASVS V7.4.5, V7.5.2).

    The columns beside Django's are copied from the session's own data each time the session
    is saved (``haven.accounts.sessions.SessionStore.create_model_instance``), which happens on
    every request anyway (the idle timer): knowing them costs no query. A session of someone
    not signed in has no ``user``. Ending a session deletes its row: the browser's next request
    finds no session. ``session_key`` is the browser's credential and is never shown: a page
    names a session by its ``handle``.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions")
    # Random, made at sign-in and kept in the session's data, so it survives the new keys given
    # at the second factor and at a password change: what the pages and their addresses show.
    handle = models.CharField(max_length=24, blank=True)
    signed_in_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    # A short phrase from the browser's user agent ("Firefox on Windows"), never the string itself.
    device = models.CharField(max_length=80, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "expire_date"])]

    @classmethod
    def get_session_store_class(cls) -> type:
        from .sessions import SessionStore

        return SessionStore
