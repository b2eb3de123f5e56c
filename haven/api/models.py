"""Personal API tokens: a second kind of credential for integrations (MIS and others).

An integration account is an ordinary user with a role, so everything it may read or write
is decided by haven.access exactly as for a person at a browser. The token itself is never
stored: only its SHA-256 hash (to find it) and a short prefix (so its owner can tell tokens
apart on the tokens page). A token has 256 bits of randomness, so a fast hash is enough;
a slow password hash would buy nothing and cost every request.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q

from haven.core import clock
from haven.core.fields import EncryptedTextField

TOKEN_PREFIX = "hvn_"  # noqa: S105 (a public marker, not a secret)
DISPLAY_PREFIX_LENGTH = len(TOKEN_PREFIX) + 8
DEFAULT_LIFETIME = dt.timedelta(days=365)
LAST_USED_GRANULARITY = dt.timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self, now: dt.datetime | None = None) -> ApiTokenQuerySet:
        now = now or clock.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(models.Model):
    """One personal API token. Revoked tokens are kept (who revoked it, when), not deleted."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, e.g. the MIS that uses it.")
    prefix = models.CharField(max_length=DISPLAY_PREFIX_LENGTH, help_text="The first characters, for display.")
    key_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the token; the token is not kept.")
    created_at = models.DateTimeField(default=clock.now)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # When its owner was emailed that it runs out soon (haven.api.services.token_expiry_reminders).
    expiry_reminded_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "revoked_at"])]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("created_at")), name="api_token_expires_later"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= clock.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


IDEMPOTENCY_KEY_MAX_LENGTH = 255
IDEMPOTENCY_LIFETIME = dt.timedelta(hours=24)


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a user sent with a POST that creates something, and the answer
    it got, so a client that retries (its first answer lost to a timeout or a crash) is given
    that answer again instead of recording the same concern twice.

    The row is written in the same transaction as the record the POST creates: a crash keeps
    both or neither. Keys belong to their user (the token's owner): another user's identical
    key is a different key. Kept for 24 hours (``purge_idempotency_keys``); the stored answer
    is what its author was sent, and goes with the key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=IDEMPOTENCY_KEY_MAX_LENGTH)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    body_hash = models.CharField(max_length=64, help_text="SHA-256 of the request's JSON, keys sorted.")
    status = models.PositiveSmallIntegerField(help_text="The HTTP status of the first answer.")
    # The answer to a POST that made a concern repeats its narrative: encrypted at rest like it.
    response_body = EncryptedTextField(null=True, help_text="The body of the first answer, as sent (JSON).")
    location = models.CharField(max_length=500, blank=True, help_text="The first answer's Location header.")
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.method} {self.path} ({self.status})"
