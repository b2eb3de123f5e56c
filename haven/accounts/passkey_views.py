"""Passkey pages and the browser's calls for the WebAuthn ceremonies (haven.accounts.passkeys).

The ceremonies need JavaScript and a browser that supports passkeys: the pages offer them
only then (haven/static/haven/passkeys.js), and every sign-in stays possible without, with a
password and an authenticator app. The JSON calls take and answer JSON, with CSRF, and
answer a refusal with a plain message (``application/problem+json``), never a 500.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from haven.access.policy import deny
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core.problems import PROBLEM_CONTENT_TYPE, problem

from . import passkeys, stepup
from .decorators import two_factor_required
from .forms import PasskeyNameForm
from .models import Passkey, User
from .stepup import kept_input, step_up_required

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

# The ceremony under way in this session: its purpose, challenge, expiry, person and name.
CEREMONY_KEY = "passkey_ceremony"
# How this session was signed in, when it was with a passkey alone (password and second
# factor both satisfied by one authenticator that verified the person).
SIGNED_IN_WITH_KEY = "signed_in_with"
_MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _relying_party(request: HttpRequest) -> passkeys.RelyingParty:
    host = request.get_host()  # checked against ALLOWED_HOSTS
    domain, _port = split_domain_port(host)
    return passkeys.RelyingParty(
        id=getattr(settings, "HAVEN_WEBAUTHN_RP_ID", "") or domain, origin=f"{request.scheme}://{host}"
    )


def _problem(status: int, detail: str, *, field: str = "") -> JsonResponse:
    body = problem(status, detail=detail, errors={field: [detail]} if field else None)
    return JsonResponse(body, status=status, content_type=PROBLEM_CONTENT_TYPE)


def _body(request: HttpRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _begin(request: HttpRequest, purpose: str, challenge: bytes, **more: Any) -> None:
    request.session[CEREMONY_KEY] = {
        "purpose": purpose,
        "challenge": bytes_to_base64url(challenge),
        "expires": time.time() + passkeys.CHALLENGE_SECONDS,
        **more,
    }


def _take(request: HttpRequest, purpose: str, *, user: User | None) -> dict[str, Any] | None:
    """The ceremony's challenge, once only (taken out of the session whatever happens next),
    if it is for this purpose and person and has not expired."""
    ceremony = request.session.pop(CEREMONY_KEY, None)
    if not isinstance(ceremony, dict) or ceremony.get("purpose") != purpose:
        return None
    if ceremony.get("user") != (user.pk if user else None) or float(ceremony.get("expires", 0)) < time.time():
        return None
    return ceremony


_STALE = "That took too long, or the page was used in another tab. Try again."


def _next(target: object) -> str:
    return str(target) if isinstance(target, str) else ""


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _passkeys_page(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    return reverse("accounts:passkeys")


@login_required
@two_factor_required
@step_up_required(when=lambda request: request.method == "POST")
def passkey_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person's passkeys, and adding one (adding a credential needs the second factor
    passed in this session, so someone with only the password cannot add their own, and
    given within the step-up window: ASVS V7.5.1).

    The ceremony runs in the browser (passkeys.js). When its first call answers that the
    session is stale, the script sends the form itself here, where step-up keeps the name
    typed and asks the person to confirm; they come back to this page with the name filled in.
    A POST in a fresh session has nothing to do but show the page again."""
    if request.method == "POST":
        return redirect("accounts:passkeys")
    return render(
        request,
        "accounts/passkeys.html",
        {
            "passkeys": Passkey.objects.filter(user=request.user, confirmed=True),
            "form": PasskeyNameForm(initial=kept_input(request)),
        },
    )


@login_required
@two_factor_required
@step_up_required
def passkey_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    passkey = Passkey.objects.filter(pk=pk, user=request.user).first()
    if passkey is None:
        raise deny(ctx, actor=request.user, object_type="accounts.passkey", object_id=pk)
    error = ""
    status = 200
    if request.method == "POST":
        device = getattr(request.user, "otp_device", None)  # set by django-otp's middleware
        signed_in_with_it = isinstance(device, Passkey) and device.pk == passkey.pk
        try:
            passkeys.passkey_remove(user=request.user, passkey=passkey, ctx=ctx)
        except passkeys.PasskeyRefused as refused:
            error, status = refused.message, 400
        else:
            if signed_in_with_it:
                # This session's second factor is gone with it: the next page asks for another.
                messages.success(
                    request,
                    f"The passkey “{passkey.name}” has been removed. You had used it to sign in, "
                    "so enter a code from your authenticator app to carry on.",
                )
            else:
                messages.success(request, f"The passkey “{passkey.name}” has been removed.")
            return redirect("accounts:passkeys")
    return render(request, "accounts/passkey_remove.html", {"passkey": passkey, "error": error}, status=status)


@require_POST
@login_required
@two_factor_required
@step_up_required(as_json=True, form_page=_passkeys_page)
def register_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = _body(request)
    if data is None:
        return _problem(400, "The request was not readable. Reload the page and try again.")
    try:
        name = passkeys.clean_name(data.get("name"))
    except passkeys.PasskeyRefused as refused:
        return _problem(400, refused.message, field=refused.field)
    options = passkeys.registration_options(user=request.user, rp=_relying_party(request))
    _begin(request, "register", options.challenge, user=request.user.pk, name=name)
    return JsonResponse(passkeys.options_json(options))


@require_POST
@login_required
@two_factor_required
@step_up_required(as_json=True, form_page=_passkeys_page)
def register_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    data = _body(request)
    ceremony = _take(request, "register", user=request.user)
    if data is None or not isinstance(data.get("credential"), dict):
        return _problem(400, "The passkey's answer was not readable. Try again.")
    if ceremony is None:
        return _problem(400, _STALE)
    try:
        passkey = passkeys.passkey_register(
            user=request.user,
            rp=_relying_party(request),
            challenge=base64url_to_bytes(ceremony["challenge"]),
            credential=data["credential"],
            name=str(ceremony["name"]),
            ctx=AuditContext.of(request),
        )
    except passkeys.PasskeyRefused as refused:
        return _problem(400, refused.message)
    messages.success(request, f"The passkey “{passkey.name}” has been added. You can use it when you sign in.")
    return JsonResponse({"redirect": reverse("accounts:passkeys")}, status=201)


# -- A passkey as the first second factor (at enrolment, or a first sign-in with none) -------------


def _no_second_factor_yet_or_404(request: AuthenticatedHttpRequest) -> None:
    """The set-up calls are for someone with no second factor yet, who may be signed in with
    a password only. Anyone who has one must pass it, then add passkeys on their passkeys
    page: whoever holds only the password must not add their own (refused, audited, 404)."""
    if stepup.has_second_factor(request.user):
        raise deny(
            AuditContext.of(request),
            actor=request.user,
            object_type="accounts.passkey",
            object_id="set-up",
            reason="already has a second factor",
        )


@require_POST
@login_required
def set_up_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Options to register a passkey as the second factor; the authenticator must verify the
    person (PIN or biometric), so the passkey alone is two factors."""
    _no_second_factor_yet_or_404(request)
    data = _body(request)
    if data is None:
        return _problem(400, "The request was not readable. Reload the page and try again.")
    try:
        name = passkeys.clean_name(data.get("name"))
    except passkeys.PasskeyRefused as refused:
        return _problem(400, refused.message, field=refused.field)
    options = passkeys.registration_options(user=request.user, rp=_relying_party(request), verify_user=True)
    _begin(request, "set_up", options.challenge, user=request.user.pk, name=name)
    return JsonResponse(passkeys.options_json(options))


@require_POST
@login_required
def set_up_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The authenticator's answer: the passkey becomes the account's second factor and this
    session has passed it (a new session key, as after an authenticator app's first code);
    the person goes on to their recovery codes."""
    _no_second_factor_yet_or_404(request)
    data = _body(request)
    ceremony = _take(request, "set_up", user=request.user)
    if data is None or not isinstance(data.get("credential"), dict):
        return _problem(400, "The passkey's answer was not readable. Try again.")
    if ceremony is None:
        return _problem(400, _STALE)
    try:
        passkey, codes = passkeys.passkey_set_up(
            user=request.user,
            rp=_relying_party(request),
            challenge=base64url_to_bytes(ceremony["challenge"]),
            credential=data["credential"],
            name=str(ceremony["name"]),
            ctx=AuditContext.of(request),
        )
    except passkeys.AlreadySetUp:  # another tab set one up meanwhile
        return _problem(400, "You have set up a second factor already. Reload the page and sign in with it.")
    except passkeys.PasskeyRefused as refused:
        return _problem(400, refused.message)
    otp_login(request, passkey)
    request.session.cycle_key()  # a new session key once the second factor is passed
    stepup.mark_fresh(request)
    request.session["fresh_recovery_codes"] = codes
    messages.success(
        request, f"The passkey “{passkey.name}” is set up. Use it each time you sign in: no code is needed."
    )
    return JsonResponse({"redirect": reverse("accounts:recovery_codes")}, status=201)


def _too_many(request: HttpRequest, user: User | None) -> bool:
    ctx = AuditContext.of(request)
    if user is not None:
        return passkeys.recent_failures(user=user) >= passkeys.FAILURE_LIMIT
    return passkeys.recent_failures(address=ctx.address) >= passkeys.FAILURE_LIMIT


_TOO_MANY = "Too many passkeys were refused. Wait 15 minutes, or sign in with your password."


@require_POST
def auth_options(request: HttpRequest) -> HttpResponse:
    """Options to sign in with a passkey alone (nobody signed in yet) or, after the password,
    to use one as the second factor."""
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.is_verified():
        return _problem(400, "You are already signed in.")
    if _too_many(request, user):
        return _problem(429, _TOO_MANY)
    if user is not None and not Passkey.objects.filter(user=user, confirmed=True).exists():
        return _problem(400, "You have no passkeys yet. Enter the code from your authenticator app.")
    options = passkeys.authentication_options(rp=_relying_party(request), user=user)
    _begin(request, "sign_in" if user is None else "second_factor", options.challenge, user=user.pk if user else None)
    return JsonResponse(passkeys.options_json(options))


@require_POST
def auth_verify(request: HttpRequest) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    if user is not None and user.is_verified():
        return _problem(400, "You are already signed in.")
    data = _body(request)
    ceremony = _take(request, "sign_in" if user is None else "second_factor", user=user)
    if data is None or not isinstance(data.get("credential"), dict):
        return _problem(400, "The passkey's answer was not readable. Try again.")
    if ceremony is None:
        return _problem(400, _STALE)
    if _too_many(request, user):
        return _problem(429, _TOO_MANY)
    ctx = AuditContext.of(request)
    try:
        passkey = passkeys.passkey_authenticate(
            rp=_relying_party(request),
            challenge=base64url_to_bytes(ceremony["challenge"]),
            credential=data["credential"],
            user=user,
            ctx=ctx,
        )
    except passkeys.PasskeyRefused as refused:
        return _problem(400, refused.message)
    if user is None:
        login(request, passkey.user, backend=_MODEL_BACKEND)  # a new session key
        request.session[SIGNED_IN_WITH_KEY] = "passkey"
    otp_login(request, passkey)
    request.session.cycle_key()  # a new session key once the second factor is passed
    stepup.mark_fresh(request)  # the factor just given counts for step-up's 15 minutes
    return JsonResponse({"redirect": _safe_next(request, _next(data.get("next")))})


# -- Confirming it is you (step-up) with a passkey -------------------------------------------------


@require_POST
@login_required
def step_up_options(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Options to give a passkey on the confirmation page (haven.accounts.stepup.confirm), as
    the two-factor page does: only the person's own passkeys, limited like every passkey use."""
    user = request.user
    if _too_many(request, user):
        return _problem(429, _TOO_MANY)
    if not Passkey.objects.filter(user=user, confirmed=True).exists():
        return _problem(400, "You have no passkeys yet. Enter the code from your authenticator app.")
    options = passkeys.authentication_options(rp=_relying_party(request), user=user)
    _begin(request, "step_up", options.challenge, user=user.pk)
    return JsonResponse(passkeys.options_json(options))


@require_POST
@login_required
def step_up_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The passkey's signed answer on the confirmation page: the session is fresh again
    (audited as a step-up confirmed) and the person goes on to ``next``."""
    user = request.user
    data = _body(request)
    ceremony = _take(request, "step_up", user=user)
    if data is None or not isinstance(data.get("credential"), dict):
        return _problem(400, "The passkey's answer was not readable. Try again.")
    if ceremony is None:
        return _problem(400, _STALE)
    if _too_many(request, user):
        return _problem(429, _TOO_MANY)
    ctx = AuditContext.of(request)
    try:
        passkeys.passkey_authenticate(
            rp=_relying_party(request),
            challenge=base64url_to_bytes(ceremony["challenge"]),
            credential=data["credential"],
            user=user,
            ctx=ctx,
        )
    except passkeys.PasskeyRefused as refused:
        audit_record(Event.STEP_UP_REFUSED, ctx=ctx, actor=user, obj=user, extra={"step_up": "passkey refused"})
        return _problem(400, refused.message)
    stepup.mark_fresh(request)
    audit_record(Event.STEP_UP_CONFIRMED, ctx=ctx, actor=user, obj=user, extra={"step_up": "passkey"})
    return JsonResponse({"redirect": _safe_next(request, _next(data.get("next")))})
