"""Two-factor sign-in is required, not offered, for every role that can see safeguarding
content or aggregates (DESIGN §11: "two-factor sign-in that users may skip is not
protection"), and for administrators, who give those roles. Staff who set it up are held to
it too. After it, a temporary password an administrator issued must be replaced."""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Exists
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import device_classes

if TYPE_CHECKING:
    from haven.accounts.models import User

# Paths a signed-in but unverified user may still reach.
_OPEN_PREFIXES = (
    "/account/two-factor/",
    "/account/sign-out/",
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
