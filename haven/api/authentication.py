"""Two ways in (ASVS V6.3.4: the same rule on every pathway, docs/security/authentication.md):

- the browser session, only once it has passed two-factor sign-in, which every role needs
  (haven.access.roles.TWO_FACTOR_ROLES), exactly as the pages (TwoFactorRequiredMiddleware);
- a personal token (``Authorization: Bearer <token>``): a separate credential, made only in a
  session that passed its second factor and asked for it again (step-up), hashed at rest,
  expiring, revoked by signing out everywhere or by a password reset."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q
from rest_framework.authentication import BaseAuthentication, SessionAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from haven.core import clock

from .models import LAST_USED_GRANULARITY, TOKEN_PREFIX, ApiToken, token_hash

if TYPE_CHECKING:
    from haven.accounts.models import User

MAX_TOKEN_LENGTH = 200


class BearerTokenAuthentication(BaseAuthentication):
    """A personal API token, looked up by its SHA-256 hash."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None  # not ours: let the session (or nothing) authenticate
        if len(header) != 2:
            raise AuthenticationFailed("Send the token as 'Authorization: Bearer <token>', with no spaces in it.")
        try:
            raw = header[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("The token is not valid.") from exc
        if not raw.startswith(TOKEN_PREFIX) or len(raw) > MAX_TOKEN_LENGTH:
            raise AuthenticationFailed("The token is not valid.")
        token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(raw)).first()
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise AuthenticationFailed("The token is not valid.")
        if token.user.password_must_change:
            raise AuthenticationFailed(
                "This account has a temporary password from an administrator. Sign in, choose your own password, "
                "then make a new token."
            )
        now = clock.now()
        if token.expires_at <= now:
            raise AuthenticationFailed("The token has expired: create a new one on the API tokens page.")
        self._touch(token, now)
        return token.user, token

    @staticmethod
    def _touch(token: ApiToken, now: Any) -> None:
        """Record use at most once a minute, so a busy integration does not write on every request."""
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).filter(
                Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_GRANULARITY)
            ).update(last_used_at=now)
            token.last_used_at = now

    def authenticate_header(self, request: Request) -> str:
        return f'{self.keyword} realm="haven"'


class VerifiedSessionAuthentication(SessionAuthentication):
    """The browser session (with CSRF for unsafe methods, as DRF does), but only when the
    session has passed its second factor and has no temporary password left to replace: the
    same rules as TwoFactorRequiredMiddleware, so the API is no way round them."""

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        if not _verified(user):
            raise AuthenticationFailed(
                "This session has not passed two-factor sign-in. Sign in with your second factor, or use an API token."
            )
        if user.password_must_change:
            raise AuthenticationFailed(
                "This account still has the temporary password an administrator gave it. "
                "Choose your own at /account/password/ first."
            )
        return result


def _verified(user: User) -> bool:
    """Has this session passed a second factor (django-otp's middleware says)?"""
    is_verified = getattr(user, "is_verified", None)
    return callable(is_verified) and bool(is_verified())
