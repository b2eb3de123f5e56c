"""Set-up links and the checks page (DESIGN §3 rule 19).

``/account/enrol/<token>/``: the person, not signed in, chooses their own password (or,
approved by a second person, clears a lost second factor) and is signed in; the second
factor is then set up on its own page (:func:`haven.accounts.views.two_factor_setup`), so
other methods can be offered there. A link that is unknown, used, cancelled, run out, or
another person's answers one plain page, 404, saying only to ask for a new one.

``/account/checks/``: the content roles given recently that this lead checks, each with a
revoke button, and the second-factor resets waiting for their approval.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user

from haven.access.policy import ROLE_CHECK_DAYS, deny, may_check_roles
from haven.audit.context import AuditContext

from . import enrolment as enrolments
from .forms import EnrolConfirmPasswordForm, EnrolPasswordForm
from .models import ENROLMENT_VALID_HOURS, Enrolment
from .stepup import step_up_required

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

_BACKEND = "django.contrib.auth.backends.ModelBackend"


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the address
    return response


@sensitive_post_parameters("new_password1", "new_password2", "password")
@never_cache
def enrol(request: HttpRequest, token: str) -> HttpResponse:
    ctx = AuditContext.of(request)
    enrolment = enrolments.enrolment_open(token, user=request.user, ctx=ctx)  # type: ignore[arg-type]
    if enrolment is None:
        return _no_store(render(request, "accounts/enrol_invalid.html", status=404))
    user = enrolment.user
    second_factor = enrolment.purpose == Enrolment.Purpose.SECOND_FACTOR
    data = request.POST if request.method == "POST" else None
    form: EnrolPasswordForm | EnrolConfirmPasswordForm = (
        EnrolConfirmPasswordForm(user, data, request=request) if second_factor else EnrolPasswordForm(user, data)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if getattr(request, "axes_locked_out", False):
            return render(request, "accounts/locked_out.html", status=429)
        if form.is_valid():
            try:
                if second_factor:
                    user = enrolments.enrolment_reset_second_factor(enrolment=enrolment, ctx=ctx)
                else:
                    user = enrolments.enrolment_set_password(
                        enrolment=enrolment, password=form.cleaned_data["new_password1"], ctx=ctx
                    )
            except enrolments.CheckRefused:
                return _no_store(render(request, "accounts/enrol_invalid.html", status=404))
            login(request, user, backend=_BACKEND)
            if second_factor or (
                user.needs_two_factor and not any(True for _ in devices_for_user(user, confirmed=True))
            ):
                messages.success(request, "Now set up your second step for signing in.")
                return redirect("accounts:two_factor_setup")
            messages.success(request, "Your account is ready.")
            return redirect("home:home")
    return _no_store(
        render(
            request,
            "accounts/enrol.html",
            {
                "form": form,
                "enrolment": enrolment,
                "person": user,
                "second_factor": second_factor,
                "new_account": enrolment.purpose == Enrolment.Purpose.ACCOUNT,
                "needs_two_factor": user.needs_two_factor,
                "hours": ENROLMENT_VALID_HOURS,
            },
            status=status,
        )
    )


def _checks_or_404(request: AuthenticatedHttpRequest, ctx: AuditContext, object_id: int | str = "") -> None:
    if not may_check_roles(request.user):
        raise deny(ctx, actor=request.user, object_type="accounts.checks", object_id=object_id, reason="not a lead")


@login_required
def checks(request: AuthenticatedHttpRequest) -> HttpResponse:
    ctx = AuditContext.of(request)
    _checks_or_404(request, ctx)
    return render(
        request,
        "accounts/checks.html",
        {
            "grants": enrolments.grants_to_check_for(request.user),
            "resets": enrolments.resets_to_approve_for(request.user),
            "days": ROLE_CHECK_DAYS,
        },
    )


@login_required
@step_up_required(form_page=lambda request, notice_id: reverse("accounts:checks"))
@require_POST
def grant_revoke(request: AuthenticatedHttpRequest, notice_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    _checks_or_404(request, ctx, notice_id)
    notice = enrolments.grant_to_check_get(request.user, notice_id)
    if notice is None:
        raise deny(ctx, actor=request.user, object_type="accounts.rolegrantnotice", object_id=notice_id)
    try:
        membership = enrolments.grant_revoke(by=request.user, notice=notice, ctx=ctx)
    except enrolments.CheckRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"{membership.user.full_name or membership.user.email} is no longer {membership}. "
            "Tell your Haven administrator why.",
        )
    return redirect("accounts:checks")


@login_required
@require_POST
def reset_approve(request: AuthenticatedHttpRequest, reset_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    _checks_or_404(request, ctx, reset_id)
    reset = enrolments.reset_to_approve_get(request.user, reset_id)
    if reset is None:
        raise deny(ctx, actor=request.user, object_type="accounts.secondfactorreset", object_id=reset_id)
    try:
        enrolments.second_factor_reset_approve(by=request.user, reset=reset, ctx=ctx)
    except enrolments.CheckRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"Approved. {reset.user.full_name or reset.user.email} has been emailed a link to set up "
            "two-factor sign-in again.",
        )
    return redirect("accounts:checks")
