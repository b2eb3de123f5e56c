"""Sign-in, two-factor steps, sign-out and the account's security page."""

from __future__ import annotations

from typing import TYPE_CHECKING

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login, logout, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login

from haven.access.policy import deny, uses_the_api
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record

from . import notices, services, sessions, stepup
from .decorators import STEP_UP_NEXT
from .forms import ConfirmDeviceForm, PasskeyNameForm, PasswordChangeForm, SignInForm, TokenForm
from .models import Passkey, RecoveryCodeDevice
from .stepup import step_up_required

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return settings.LOGIN_REDIRECT_URL


@sensitive_post_parameters("password")
def sign_in(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_next_url(request))
    form = SignInForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request, email=form.cleaned_data["email"].strip().lower(), password=form.cleaned_data["password"]
        )
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        if user is None:
            form.add_error(None, "That email address and password do not match an account. Check them and try again.")
            status = 400
        else:
            login(request, user)  # the second factor comes next (TwoFactorRequiredMiddleware)
            return redirect(_next_url(request))
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "accounts/sign_in.html",
        {"form": form, "next": request.GET.get("next", ""), "timed_out": "timeout" in request.GET},
        status=status,
    )


@login_required
def two_factor_verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next_url(request))
    devices = list(devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect("accounts:two_factor_setup")
    has_passkeys = any(isinstance(d, Passkey) for d in devices)
    devices = [d for d in devices if not isinstance(d, Passkey)]  # a passkey signs, it takes no code
    form = TokenForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        ctx = AuditContext.of(request)
        token = form.cleaned_data["token"]
        # Throttled means no device would even look at the code (django-otp backs off after
        # each failure); decided before trying, since trying starts the next back-off.
        allowed_devices = [d for d in devices if d.verify_is_allowed()[0]]
        throttled = bool(devices) and not allowed_devices
        for device in allowed_devices:
            if device.verify_token(token):
                otp_login(request, device)
                request.session.cycle_key()  # a new session key once the second factor is passed
                stepup.mark_fresh(request)
                if isinstance(device, RecoveryCodeDevice):
                    left = device.codes.count()
                    audit_record(
                        Event.RECOVERY_CODE_USED,
                        ctx=ctx,
                        actor=request.user,
                        obj=request.user,
                        changes={"recovery_codes_left": (left + 1, left)},
                    )
                    messages.warning(
                        request,
                        f"You used a recovery code. You have {left} left. "
                        "Make new ones from Your account if you are running low.",
                    )
                else:
                    audit_record(Event.SECOND_FACTOR_PASSED, ctx=ctx, actor=request.user, obj=request.user)
                return redirect(_next_url(request))
        audit_record(Event.SECOND_FACTOR_FAILED, ctx=ctx, actor=request.user, obj=request.user)
        notices.second_factor_failed(user=request.user)
        form.add_error(
            "token",
            "Too many wrong codes: wait a minute, then try again."
            if throttled
            else "That code is not right. Codes change every 30 seconds: try the newest one.",
        )
        status = 400
    return render(
        request,
        "accounts/two_factor_verify.html",
        {
            "form": form,
            "next": request.GET.get("next", ""),
            "has_passkeys": has_passkeys,
            "has_app": any(not isinstance(d, RecoveryCodeDevice) for d in devices),
        },
        status=status,
    )


def _replacing_a_factor(request: HttpRequest) -> bool:
    """Whether the person already signs in with a second factor (so changing it is guarded by
    step-up, ASVS V7.5.1). Setting up the first one, at enrolment or at a first sign-in
    with none, asks for nothing they do not have."""
    return request.user.is_verified()  # type: ignore[union-attr]  # django-otp adds it


@login_required
@stepup.step_up_required(when=_replacing_a_factor)
def two_factor_setup(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan a QR code drawn here (no outside service), or, for a
    first second factor, a passkey instead (haven.accounts.passkey_views.set_up_verify). Replacing
    one already set up needs the second factor given recently (step-up)."""
    has_confirmed = any(True for _ in devices_for_user(request.user, confirmed=True))
    if has_confirmed and not request.user.is_verified():
        return redirect("accounts:two_factor_verify")
    device = services.two_factor_device_pending(user=request.user)
    form = ConfirmDeviceForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        throttled = not device.verify_is_allowed()[0]
        codes = services.two_factor_confirm(
            user=request.user, device=device, token=form.cleaned_data["token"], ctx=AuditContext.of(request)
        )
        if codes is not None:
            otp_login(request, device)
            request.session.cycle_key()  # a new session key once the second factor is passed
            stepup.mark_fresh(request)
            request.session["fresh_recovery_codes"] = codes
            return redirect("accounts:recovery_codes")
        form.add_error(
            "token",
            "Too many wrong codes: wait a minute, then try the newest code."
            if throttled
            else "That code is not right. Check the time on your phone is set automatically, then try the newest code.",
        )
        status = 400
    elif request.method == "POST":
        status = 400
    secret = services.totp_secret_base32(device)
    qr_svg = segno.make(device.config_url, error="m").svg_data_uri(scale=5, dark="#000", light="#fff")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {
            "form": form,
            "qr_svg": qr_svg,
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
            "required": request.user.needs_two_factor,
            # A passkey is offered beside the app to someone setting up their first second factor
            # (passkeys.js shows it where the browser can make one); adding more is on the passkeys page.
            "offer_passkey": not has_confirmed,
            "passkey_form": PasskeyNameForm(),
        },
        status=status,
    )


@login_required
@stepup.step_up_required(when=lambda request: request.method == "POST" and _replacing_a_factor(request))
def recovery_codes(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Shows fresh recovery codes once; afterwards they can only be replaced, with the second
    factor given recently (step-up)."""
    if request.method == "POST":
        if not request.user.is_verified():
            return redirect("accounts:two_factor_verify")
        request.session["fresh_recovery_codes"] = services.recovery_codes_replace(
            user=request.user, ctx=AuditContext.of(request)
        )
        return redirect("accounts:recovery_codes")
    codes = request.session.pop("fresh_recovery_codes", None)
    next_url = request.session.pop(STEP_UP_NEXT, "") if codes else ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    response = render(
        request,
        "accounts/recovery_codes.html",
        {"codes": codes, "next_url": next_url or resolve_url(settings.LOGIN_REDIRECT_URL)},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
def account(request: AuthenticatedHttpRequest) -> HttpResponse:
    has_totp = any(
        d for d in devices_for_user(request.user, confirmed=True) if not isinstance(d, RecoveryCodeDevice | Passkey)
    )
    recovery_left = sum(d.codes.count() for d in RecoveryCodeDevice.objects.filter(user=request.user))
    return render(
        request,
        "accounts/account.html",
        {
            "has_totp": has_totp,
            "recovery_left": recovery_left,
            "passkey_count": Passkey.objects.filter(user=request.user, confirmed=True).count(),
            "memberships": request.user.active_memberships,
            "uses_the_api": uses_the_api(request.user),
        },
    )


# Wrong current passwords allowed in one session before it is ended: someone who finds a
# signed-in screen cannot try passwords there without limit (sign-in has its own lockout).
PASSWORD_CHANGE_ATTEMPTS = 5
_FAILURES_KEY = "password_change_failures"


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person chooses their own password; required after an administrator issued a
    temporary one (``User.password_must_change``)."""
    temporary = request.user.password_must_change
    form = PasswordChangeForm(request.user, request.POST if request.method == "POST" else None, temporary=temporary)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            services.password_change(
                user=request.user,
                password=form.cleaned_data["new_password1"],
                keep_session=request.session.session_key,
                ctx=AuditContext.of(request),
            )
            update_session_auth_hash(request, request.user)  # this session goes on; every other one ends
            request.session.pop(_FAILURES_KEY, None)
            messages.success(request, "Your password has been changed. You have been signed out on your other devices.")
            return redirect("home:home" if temporary else "accounts:account")
        status = 400
        if form.has_error("old_password", "password_incorrect"):
            failures = request.session.get(_FAILURES_KEY, 0) + 1
            request.session[_FAILURES_KEY] = failures
            audit_record(
                Event.PASSWORD_CHANGE_REFUSED,
                ctx=AuditContext.of(request),
                actor=request.user,
                obj=request.user,
                extra={"password_change": "wrong password"},
            )
            if failures >= PASSWORD_CHANGE_ATTEMPTS:
                logout(request)
                messages.error(
                    request,
                    "You were signed out because the current password was wrong too many times. "
                    "Sign in again, or ask your school's Haven administrator to reset your password.",
                )
                return redirect("accounts:sign_in")
    return render(request, "accounts/password_change.html", {"form": form, "temporary": temporary}, status=status)


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You have signed out.")
    return redirect("accounts:sign_in")


@require_POST
@login_required
@step_up_required(form_page=lambda request: reverse("accounts:sessions"))
def sign_out_everywhere(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ASVS V7.5.2: ending sessions asks for the second factor (or the password) again first,
    so someone who found a signed-in screen cannot shut its owner out."""
    services.sign_out_everywhere(user=request.user, ctx=AuditContext.of(request))
    logout(request)
    messages.info(request, "You have been signed out on every device.")
    return redirect("accounts:sign_in")


@login_required
def session_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the person is signed in: each session with its browser, when it signed in and when
    it was last used, this one marked (ASVS V7.5.2)."""
    found = sessions.session_list_for(request.user, current_key=request.session.session_key)
    return render(
        request,
        "accounts/sessions.html",
        {
            "sessions": found,
            "others": sum(1 for s in found if not s.this_device),
            "limit": sessions.SESSIONS_PER_PERSON,
            "uses_the_api": uses_the_api(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def session_end(request: AuthenticatedHttpRequest, handle: str) -> HttpResponse:
    """Sign out of one of the person's own sessions; another person's, or one already ended,
    is not found (404, audited). Asks for the second factor again first, as signing out
    everywhere does."""
    ctx = AuditContext.of(request)
    found = sessions.session_get(request.user, handle, current_key=request.session.session_key)
    if found is None:
        raise deny(ctx, actor=request.user, object_type="accounts.usersession", object_id=handle[:64])
    if request.method == "POST":
        if found.this_device:
            logout(request)
            messages.info(request, "You have signed out.")
            return redirect("accounts:sign_in")
        services.session_end(user=request.user, session=found, ctx=ctx)
        messages.success(
            request, f"You have signed out of {found.device}. Whoever uses it must sign in again to carry on."
        )
        return redirect("accounts:sessions")
    return render(request, "accounts/session_end.html", {"session": found})


@require_POST
def keepalive(request: HttpRequest) -> HttpResponse:
    """Touching the session restarts the idle timer (the session is saved on every request)."""
    return HttpResponse(status=204 if request.user.is_authenticated else 401)
