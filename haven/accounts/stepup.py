"""Step-up ("sudo mode", as healthchecks does it): exports, prints, transfers, role changes
and token creation ask for the second factor again when it was last given more than
``STEP_UP_WINDOW`` ago (15 minutes by default).

The moment a factor was last given is kept in the session (UTC, ISO 8601): at two-factor
sign-in, at setting up two-factor sign-in, and at the confirmation page (:func:`confirm`). A
guarded GET that is too old goes to ``/account/confirm/?next=<the page>`` and back. A guarded
POST that is too old does nothing: what was typed is kept in the session, the person confirms,
and the form comes back filled in
(:func:`kept_input`) for them to send again, so nothing is done behind their back and nothing
typed is lost.

How a person confirms is one function per method (:func:`verify_code`, and a passkey's signed
answer, :func:`haven.accounts.passkey_views.step_up_verify`). Every role has a second factor
(haven.access.roles.TWO_FACTOR_ROLES), so the password alone never confirms: someone with
none yet is sent to set one up.
Changing how one signs in (a new authenticator, new recovery codes, adding or removing a
passkey) is guarded too (ASVS V7.5.1), except for someone setting up their first factor.
API calls made with a token are not guarded: there is no one to ask; making the token is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user
from django_otp.models import Device

from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.problems import PROBLEM_CONTENT_TYPE, problem

from .forms import TokenForm
from .models import Passkey, RecoveryCodeDevice

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.core.http import AuthenticatedHttpRequest

VERIFIED_AT = "step_up_verified_at"
_KEPT = "step_up_kept"

_View = TypeVar("_View", bound=Callable[..., HttpResponseBase])


def window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.STEP_UP_WINDOW_SECONDS)


def mark_fresh(request: HttpRequest) -> None:
    """A factor was just given in this session."""
    request.session[VERIFIED_AT] = clock.now().astimezone(dt.UTC).isoformat()


def verified_at(request: HttpRequest) -> dt.datetime | None:
    raw = request.session.get(VERIFIED_AT)
    if not isinstance(raw, str):
        return None
    try:
        at = dt.datetime.fromisoformat(raw)
    except ValueError:
        return None
    return at if at.tzinfo is not None else None


def is_fresh(request: HttpRequest) -> bool:
    """Whether a factor was given in this session within the window (a moment more than a
    minute in the future, from a clock put back, does not count)."""
    at = verified_at(request)
    if at is None:
        return False
    age = clock.now() - at
    return -dt.timedelta(minutes=1) <= age < window()


def has_second_factor(user: User) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


# -- The decorator --------------------------------------------------------------------------------


STALE_JSON_DETAIL = "Confirm it is you first: it is more than a few minutes since you last gave your second factor."


def confirm_url(next_url: str) -> str:
    return reverse("accounts:step_up") + "?" + urlencode({"next": next_url})


@overload
def step_up_required(view: _View) -> _View: ...


@overload
def step_up_required(
    *,
    when: Callable[[HttpRequest], bool] | None = None,
    form_page: Callable[..., str] | None = None,
    as_json: bool = False,
) -> Callable[[_View], _View]: ...


def step_up_required(
    view: _View | None = None,
    *,
    when: Callable[[HttpRequest], bool] | None = None,
    form_page: Callable[..., str] | None = None,
    as_json: bool = False,
) -> _View | Callable[[_View], _View]:
    """Ask for the factor again before the view when the last one is older than the window.

    ``when``: guard only the requests it says (a page whose ``?format=csv`` is the export).
    ``form_page(request, *args, **kwargs)``: where the form of a guarded POST lives, when that
    is not the POST's own address (the person comes back there with what they typed).
    ``as_json``: a browser's call, not a page: a stale one answers 403 problem JSON whose
    ``step_up`` is the confirmation page's address (back to ``form_page``), and does nothing.
    Put it under ``login_required``. The wrapped view carries ``step_up`` so a test can find it.
    """

    def decorate(view: _View) -> _View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if not request.user.is_authenticated or is_fresh(request) or (when is not None and not when(request)):
                return view(request, *args, **kwargs)
            if as_json:
                back = form_page(request, *args, **kwargs) if form_page is not None else request.get_full_path()
                body = problem(403, detail=STALE_JSON_DETAIL)
                body["step_up"] = confirm_url(back)
                return JsonResponse(body, status=403, content_type=PROBLEM_CONTENT_TYPE)
            back = request.get_full_path()
            if request.method == "POST":
                if form_page is not None:
                    back = form_page(request, *args, **kwargs)
                request.session[_KEPT] = {
                    "path": urlsplit(back).path,
                    "data": {k: v for k, v in request.POST.lists() if k != "csrfmiddlewaretoken"},
                }
                messages.info(
                    request,
                    "Nothing has been done yet. Confirm it is you, then check the form and send it again: "
                    "what you typed has been kept.",
                )
            return redirect(confirm_url(back))

        # Read by the tests' URL walk: "always", or "on request" when ``when`` decides.
        wrapped.step_up = "always" if when is None else "on request"  # type: ignore[attr-defined]
        return cast("_View", wrapped)

    return decorate if view is None else decorate(view)


def kept_input(request: HttpRequest) -> dict[str, Any]:
    """What the person typed into this page's form before they were asked to confirm (once),
    ready to be the form's ``initial``; empty when there is nothing kept for this page."""
    kept = request.session.get(_KEPT)
    if request.method == "POST" or not isinstance(kept, dict) or kept.get("path") != request.path:
        return {}
    del request.session[_KEPT]
    if not is_fresh(request):
        return {}
    messages.info(request, "What you typed is back in the form. Check it, then send it again.")
    return {k: v[0] if len(v) == 1 else v for k, v in kept.get("data", {}).items()}


# -- Ways to confirm ------------------------------------------------------------------------------


def verify_code(user: User, token: str) -> tuple[Device | None, bool]:
    """A code from the authenticator app or a recovery code, limited as at sign-in (django-otp
    backs off after each wrong code). Returns the device that took it, and whether every
    device was still backing off (so the code was not even tried)."""
    devices = [d for d in devices_for_user(user, confirmed=True) if d.verify_is_allowed()[0]]
    for device in devices:
        if device.verify_token(token):
            return device, False
    return None, not devices


# -- The page -------------------------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _refused(request: AuthenticatedHttpRequest, ctx: AuditContext, how: str) -> None:
    audit_record(Event.STEP_UP_REFUSED, ctx=ctx, actor=request.user, obj=request.user, extra={"step_up": how})


@login_required
def confirm(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Give the second factor again and go back to ``next``. Someone with none yet (the
    middleware sends them to set one up first) is sent to set one up."""
    user = request.user
    next_url = _next_url(request)
    if not has_second_factor(user):
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            ctx = AuditContext.of(request)
            device, throttled = verify_code(user, form.cleaned_data["token"])
            if device is not None:
                return _confirmed(request, ctx, device, next_url)
            _refused(request, ctx, "throttled" if throttled else "wrong code")
            form.add_error(
                "token",
                "Too many wrong codes: wait a minute, then try again."
                if throttled
                else "That code is not right. Codes change every 30 seconds: try the newest one.",
            )
    response = render(
        request,
        "accounts/step_up.html",
        {
            "form": form,
            # Offered as the two-factor page offers it (passkeys.js, only where the browser can).
            "has_passkeys": Passkey.objects.filter(user=user, confirmed=True).exists(),
            "has_app": any(
                not isinstance(d, RecoveryCodeDevice | Passkey) for d in devices_for_user(user, confirmed=True)
            ),
            "next": next_url,
            "minutes": settings.STEP_UP_WINDOW_SECONDS // 60,
        },
        status=status,
    )
    response["Cache-Control"] = "no-store"
    return response


def _confirmed(request: AuthenticatedHttpRequest, ctx: AuditContext, device: Device, next_url: str) -> HttpResponse:
    mark_fresh(request)
    extra: dict[str, Any] = {"step_up": "second factor"}
    if isinstance(device, RecoveryCodeDevice):
        left = device.codes.count()
        extra["recovery_codes_left"] = left
        audit_record(
            Event.RECOVERY_CODE_USED,
            ctx=ctx,
            actor=request.user,
            obj=request.user,
            changes={"recovery_codes_left": (left + 1, left)},
        )
        messages.warning(
            request,
            f"You used a recovery code. You have {left} left. Make new ones from Your account if you are running low.",
        )
    audit_record(Event.STEP_UP_CONFIRMED, ctx=ctx, actor=request.user, obj=request.user, extra=extra)
    return redirect(next_url)
