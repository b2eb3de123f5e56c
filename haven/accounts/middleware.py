"""A session ends at its lifetime, however active (``SessionLifetimeMiddleware``).

Two-factor sign-in is required, not offered, for every role, staff included (ASVS V6.3.3;
DESIGN §11: "two-factor sign-in that users may skip is not protection"; the rule is
haven.access.roles.TWO_FACTOR_ROLES): after the password, someone with a second factor gives
it, and someone without one sets one up (an authenticator app or a passkey) before any other
page. After it, a temporary password an administrator issued before Haven stopped issuing
them must be replaced."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.views import redirect_to_login
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import device_classes

from . import sessions

if TYPE_CHECKING:
    from haven.accounts.models import User

# Paths a signed-in but unverified user may still reach.
_OPEN_PREFIXES = (
    "/account/two-factor/",
    "/account/passkeys/auth/",  # a passkey as the second factor
    "/account/sign-out/",
    # A set-up link: the person replacing a lost second factor may be signed in without it.
    "/account/enrol/",
    "/static/",
    "/healthz",
    "/tell/",
    "/hide/",
    # Calendar feeds: the secret in the address is the key; calendar apps cannot sign in.
    "/network/feeds/",
    # The API answers for itself: a session without its second factor gets a 401 problem.
    "/api/v1/",
    "/api/schema/",
)


# Past its lifetime, a call from a script carries on signed out rather than being redirected:
# the API answers for itself (a bearer token is not a session and goes on working), and the
# idle timer's keepalive answers 401 so the page reloads into the sign-in page and its message.
_CARRY_ON_SIGNED_OUT = ("/api/", "/account/keepalive/")


class SessionLifetimeMiddleware:
    """ASVS V7.3.2: a session ends ``SESSION_MAX_SECONDS`` (12 hours) after sign-in, however
    active; the person signs in again (haven/accounts/sessions.py has the rules and why). The
    sign-in time is in the session's data, so this costs no query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and sessions.past_lifetime(request.session):
            at = sessions.signed_in_at(request.session)
            setattr(request, sessions.ENDED_AT_LIFETIME, {"signed_in_at": at.isoformat() if at else None})
            logout(request)
            if not request.path.startswith("/api/"):
                words = sessions.duration_words(settings.SESSION_MAX_SECONDS)
                messages.info(request, f"For safety you are signed out {words} after signing in. Sign in again.")
            if not request.path.startswith(_CARRY_ON_SIGNED_OUT):
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


_PASSWORD_CHANGE = "/account/password/"  # noqa: S105 (a path, not a password)


def _has_confirmed_device(user: User) -> bool:
    """Whether the user has any confirmed device, of any kind: one query for every device kind
    (``django_otp.devices_for_user`` runs one per kind, on each request of an unverified user)."""
    kinds = [Exists(model.objects.devices_for_user(user, confirmed=True)) for model in device_classes()]
    return bool(kinds) and get_user_model()._default_manager.filter(pk=user.pk).filter(reduce(or_, kinds)).exists()


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and not user.is_verified() and not request.path.startswith(_OPEN_PREFIXES):
            if _has_confirmed_device(user):
                return redirect("accounts:two_factor_verify")
            if user.needs_two_factor:
                return redirect("accounts:two_factor_setup")
        if (
            user.is_authenticated
            and user.password_must_change
            and not request.path.startswith(_OPEN_PREFIXES)
            and request.path != _PASSWORD_CHANGE
        ):
            # A temporary password an administrator issued is replaced before anything else.
            return redirect("accounts:password_change")
        return self.get_response(request)
