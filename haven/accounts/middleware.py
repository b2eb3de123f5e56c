"""Two-factor sign-in is required, not offered, for every role that can see safeguarding
content or aggregates (DESIGN §11: "two-factor sign-in that users may skip is not
protection"). Staff and administrators who set it up are held to it too."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django_otp import devices_for_user

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


class TwoFactorRequiredMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr]
            and not request.path.startswith(_OPEN_PREFIXES)
        ):
            has_device = any(True for _ in devices_for_user(user, confirmed=True))
            if has_device:
                return redirect("accounts:two_factor_verify")
            if user.needs_two_factor:  # type: ignore[union-attr]
                return redirect("accounts:two_factor_setup")
        return self.get_response(request)
