"""Pages that need this session to have passed its second factor. Every role signs in with
two factors (TwoFactorRequiredMiddleware); the decorator says so where a view depends on it,
and stays the guard if a path is ever opened before the second factor."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

STEP_UP_NEXT = "two_factor_next"

_Response = TypeVar("_Response", bound=HttpResponseBase)


def two_factor_required(view: Callable[..., _Response]) -> Callable[..., _Response | HttpResponseRedirect]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> _Response | HttpResponseRedirect:
        user = request.user
        if user.is_authenticated and not user.is_verified():
            request.session[STEP_UP_NEXT] = request.get_full_path()
            if any(True for _ in devices_for_user(user, confirmed=True)):
                return redirect(
                    reverse("accounts:two_factor_verify") + "?" + urlencode({"next": request.get_full_path()})
                )
            messages.info(
                request,
                "To read safeguarding records you need two-factor sign-in. It takes a minute to set up.",
            )
            return redirect("accounts:two_factor_setup")
        return view(request, *args, **kwargs)

    return wrapped
