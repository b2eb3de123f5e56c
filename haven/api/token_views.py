"""The page where a user lists, creates and revokes their own personal API tokens.

A new token is shown once, on the answer to the POST that made it, with ``no-store`` so no
cache keeps it; it is never stored, so it can never be shown again.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from haven.access.policy import uses_the_api
from haven.accounts.decorators import two_factor_required
from haven.accounts.stepup import kept_input, step_up_required
from haven.audit.context import AuditContext, Channel
from haven.core.errors import ApplicationError

from . import services
from .models import ApiToken

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

LIFETIMES = {"30": 30, "90": 90, "365": 365}

# These pages live under /api/ but are pages (a session, a form), so their audit events say so.


class TokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        max_length=100,
        help_text="For example the name of the system that will use it, so you know which token to revoke.",
    )
    lifetime = forms.ChoiceField(
        label="Expires after",
        choices=[("30", "30 days"), ("90", "90 days"), ("365", "1 year")],
        initial="365",
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@two_factor_required  # a token reads records: it is made only by someone who passed a second factor
@step_up_required
def token_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the user's tokens; POST creates one and shows it, once."""
    if not uses_the_api(request.user):
        raise Http404
    form = TokenForm(request.POST if request.method == "POST" else None, initial=kept_input(request))
    created = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, raw = services.token_create(
                    by=request.user,
                    name=form.cleaned_data["name"],
                    lifetime=dt.timedelta(days=LIFETIMES[form.cleaned_data["lifetime"]]),
                    ctx=AuditContext.of(request, Channel.PAGE),
                )
            except ApplicationError as exc:
                exc.add_to(form)
                status = 400
            else:
                created = (token, raw)
                form = TokenForm()
        else:
            status = 400
    tokens = ApiToken.objects.filter(user=request.user).select_related("revoked_by")
    return _no_store(
        render(request, "api/tokens.html", {"form": form, "tokens": tokens, "created": created}, status=status)
    )


@never_cache
@login_required
@require_POST
def token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    if not uses_the_api(request.user):
        raise Http404
    token = ApiToken.objects.filter(pk=token_id, user=request.user).first()
    if token is None:
        raise Http404
    services.token_revoke(by=request.user, token=token, ctx=AuditContext.of(request, Channel.PAGE))
    messages.success(request, f"The token “{token.name}” ({token.prefix}…) is revoked and no longer works.")
    return redirect("api:tokens")
