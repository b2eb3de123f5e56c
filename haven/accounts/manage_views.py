"""The administrator's pages: people and their roles in the organisations they administer.

Thin views: the selectors decide what the administrator may see (404 otherwise, audited),
the services write and audit, the forms validate. No pupil or record appears on these
pages: administrators have no access to safeguarding content (DESIGN §8).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from haven.audit.context import AuditContext

from . import enrolment as enrol
from . import manage_services as services
from .manage_forms import PersonAddForm, RoleGrantForm, role_filter_choices
from .manage_selectors import (
    ManagedPerson,
    ManageScope,
    Organisation,
    manage_scope_or_404,
    membership_get_for,
    organisation_get_for,
    organisation_key,
    organisation_kind,
    people_list_for,
    person_get_for,
)
from .sessions import session_list_for
from .stepup import kept_input, step_up_required

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

PAGE_SIZE = 50
_KIND_LABELS = {"school": "School", "trust": "Trust", "authority": "Local authority"}


def _add_url(organisation: Organisation) -> str:
    return reverse(f"manage:person_add_{organisation_kind(organisation)}", args=[organisation.pk])


def _organisations(scope: ManageScope) -> list[dict[str, Any]]:
    return [
        {
            "key": organisation_key(o),
            "name": str(o),
            "kind": _KIND_LABELS[organisation_kind(o)],
            "add_url": _add_url(o),
        }
        for o in scope.organisations
    ]


def _name(person: ManagedPerson) -> str:
    return person.user.full_name or person.user.email


@login_required
def people(request: AuthenticatedHttpRequest) -> HttpResponse:
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    filters = {k: request.GET.get(k, "").strip() for k in ("q", "role", "org")}
    people_qs = people_list_for(request.user, scope=scope, filters=filters)
    page = Paginator(people_qs, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/manage/people.html",
        {
            "page": page,
            "filters": filters,
            "organisations": _organisations(scope),
            "roles": role_filter_choices(scope.organisations),
            "query": query.urlencode(),
        },
    )


def _person_add(request: AuthenticatedHttpRequest, kind: str, organisation_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    organisation = organisation_get_for(request.user, kind, organisation_id, scope=scope, ctx=ctx)
    form = PersonAddForm(
        request.POST if request.method == "POST" else None, organisation=organisation, initial=kept_input(request)
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                added = services.person_add(by=request.user, organisation=organisation, ctx=ctx, **form.cleaned_data)
            except services.ManageRefused as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                role = added.membership.get_role_display()
                if added.created:
                    messages.success(
                        request,
                        f"{added.user.full_name} now has an account, as {role} at {organisation}. We emailed "
                        f"{added.user.email} a link to choose their own password: it works once, within 72 hours. "
                        "Nobody else sees their password.",
                    )
                    return redirect("manage:person", user_id=added.user.pk)
                note = (
                    "" if added.user.is_active else " Their account is deactivated: reactivate it so they can sign in."
                )
                messages.success(
                    request,
                    f"{added.user.email} already had a Haven account, so the role {role} at {organisation} was added "
                    f"to it. Their password has not changed.{note}",
                )
                return redirect("manage:person", user_id=added.user.pk)
    return render(
        request,
        "accounts/manage/person_add.html",
        {"form": form, "organisation": organisation, "kind": _KIND_LABELS[kind].lower()},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def person_add_school(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    return _person_add(request, "school", school_id)


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def person_add_trust(request: AuthenticatedHttpRequest, trust_id: int) -> HttpResponse:
    return _person_add(request, "trust", trust_id)


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def person_add_authority(request: AuthenticatedHttpRequest, authority_id: int) -> HttpResponse:
    return _person_add(request, "authority", authority_id)


def _render_person(
    request: AuthenticatedHttpRequest, person: ManagedPerson, form: RoleGrantForm, *, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "accounts/manage/person.html",
        {
            "person": person,
            "form": form,
            "account_refusal": services.account_change_refusal(by=request.user, person=person),
            "current_roles": [(m, services.role_end_refusal(by=request.user, membership=m)) for m in person.current],
            "set_up": enrol.has_own_password(person.user),
            "signed_in_on": len(session_list_for(person.user, current_key=None)),
            "sessions_refusal": services.sessions_end_refusal(by=request.user, person=person),
            "no_password": not person.user.has_usable_password(),
        },
        status=status,
    )


@login_required
def person(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    form = RoleGrantForm(organisations=scope.organisations, held=managed.current, initial=kept_input(request))
    return _render_person(request, managed, form)


@login_required
@require_POST
@step_up_required(form_page=lambda request, user_id: reverse("manage:person", args=[user_id]))
def role_grant(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    form = RoleGrantForm(request.POST, organisations=scope.organisations, held=managed.current)
    if form.is_valid():
        organisation, role = form.cleaned_data["grant"]
        try:
            membership = services.role_grant(
                by=request.user, user=managed.user, role=role, organisation=organisation, ctx=ctx
            )
        except services.ManageRefused as exc:
            form.add_error("grant", exc.message)
        else:
            sent = " We emailed them a link to set up their account." if membership.enrolments.exists() else ""
            messages.success(
                request, f"{_name(managed)} is now {membership.get_role_display()} at {organisation}.{sent}"
            )
            return redirect("manage:person", user_id=managed.user.pk)
    return _render_person(request, managed, form, status=400)


def _confirm(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return render(request, "accounts/manage/confirm.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def role_end(request: AuthenticatedHttpRequest, user_id: int, membership_id: int) -> HttpResponse:
    """Ending a role asks first: the person loses access at their next page."""
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    membership = membership_get_for(request.user, managed, membership_id, ctx=ctx)
    if request.method == "POST":
        try:
            services.role_end(by=request.user, membership=membership, ctx=ctx)
        except services.ManageRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{_name(managed)} is no longer {membership}.")
        return redirect("manage:person", user_id=managed.user.pk)
    return _confirm(
        request,
        {
            "person": managed,
            "title": f"End {_name(managed)}'s role as {membership}?",
            "explanation": "They lose what this role lets them see and do from their next page. "
            "Their other roles stay. The role stays in the history, and you can give it again later.",
            "button": "End this role",
            "refusal": services.role_end_refusal(by=request.user, membership=membership),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def password_reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Reset someone's password (asks first, and for the second factor again, as a role change
    does): nobody is shown a password; the person is emailed a link to choose their own."""
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    if request.method == "POST":
        try:
            services.password_reset_by_admin(by=request.user, person=managed, ctx=ctx)
        except services.ManageRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{_name(managed)} has been signed out everywhere and emailed a link to choose a new password. "
                "Their old password no longer works.",
            )
        return redirect("manage:person", user_id=managed.user.pk)
    return _confirm(
        request,
        {
            "person": managed,
            "title": f"Reset {_name(managed)}'s password?",
            "explanation": (
                "Nobody but them may know their password, so Haven emails them a link to choose a new one, and "
                "signs them out on every device. Their old password stops working at once. Their two-factor "
                "sign-in does not change."
            ),
            "button": "Reset password",
            "refusal": services.account_change_refusal(by=request.user, person=managed),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def sessions_end(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """End every session of a person in the administrator's organisations (asks first, and for
    the second factor again, as ending a role does)."""
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    if request.method == "POST":
        try:
            ended = services.sessions_end_by_admin(by=request.user, person=managed, ctx=ctx)
        except services.ManageRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"{_name(managed)} has been signed out on every device ({ended} session{pluralize(ended)} ended). "
                "Their password, two-factor sign-in and roles have not changed.",
            )
        return redirect("manage:person", user_id=managed.user.pk)
    count = len(session_list_for(managed.user, current_key=None))
    where = (
        f"They are signed in on {count} device{pluralize(count)} now."
        if count
        else "They are not signed in anywhere now."
    )
    return _confirm(
        request,
        {
            "person": managed,
            "title": f"End {_name(managed)}'s sessions?",
            "explanation": f"{where} Ending their sessions signs them out on every device at their next click, "
            "for when a computer was left signed in. They sign in again with their own password and second factor; "
            "nothing else changes. If someone else may know their password, reset it instead.",
            "button": "End their sessions",
            "refusal": services.sessions_end_refusal(by=request.user, person=managed),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def deactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    if request.method == "POST":
        try:
            services.user_deactivate(by=request.user, person=managed, ctx=ctx)
        except services.ManageRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"{_name(managed)} can no longer sign in and has been signed out everywhere.")
        return redirect("manage:person", user_id=managed.user.pk)
    return _confirm(
        request,
        {
            "person": managed,
            "title": f"Deactivate {_name(managed)}'s account?",
            "explanation": "They cannot sign in until the account is reactivated, and are signed out on every "
            "device now. Their roles and everything they recorded stay. To remove them from one role only, end "
            "that role instead.",
            "button": "Deactivate account",
            "refusal": services.account_change_refusal(by=request.user, person=managed),
        },
    )


@login_required
@require_POST
def reactivate(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Reactivating takes nothing away, so it needs no confirmation step."""
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    try:
        services.user_reactivate(by=request.user, person=managed, ctx=ctx)
    except services.ManageRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{_name(managed)} can sign in again, with the roles they hold.")
    return redirect("manage:person", user_id=managed.user.pk)


@login_required
@require_POST
def enrolment_resend(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """A new set-up link for someone who has not used theirs; the old one stops working."""
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    try:
        services.enrolment_resend(by=request.user, person=managed, ctx=ctx)
    except services.ManageRefused as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"We emailed {managed.user.email} a new set-up link. Any link sent before no longer works."
        )
    return redirect("manage:person", user_id=managed.user.pk)


@login_required
@require_http_methods(["GET", "POST"])
@step_up_required
def second_factor_reset(request: AuthenticatedHttpRequest, user_id: int) -> HttpResponse:
    """Asking for a lost second factor to be replaced (asks first, and for the administrator's own
    second factor again): a second person approves before anything changes."""
    ctx = AuditContext.of(request)
    scope = manage_scope_or_404(request.user, ctx=ctx)
    managed = person_get_for(request.user, user_id, scope=scope, ctx=ctx)
    if request.method == "POST":
        try:
            services.second_factor_reset_request(by=request.user, person=managed, ctx=ctx)
        except services.ManageRefused as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                f"Asked. A safeguarding lead or another administrator of {_name(managed)}'s organisation must "
                "approve it; then Haven emails them a link to set up two-factor sign-in again.",
            )
        return redirect("manage:person", user_id=managed.user.pk)
    return _confirm(
        request,
        {
            "person": managed,
            "title": f"Reset {_name(managed)}'s two-factor sign-in?",
            "explanation": "For someone who lost their phone or authenticator app. It needs a second person: a "
            "safeguarding lead, headteacher or trust lead of their organisation (or, for staff and administrators, "
            "another administrator) approves it on their checks page. Then Haven emails the person a link; with it "
            "and their password they set up a new second step; their old authenticator app, recovery "
            "codes and passkeys stop working. Until then nothing changes.",
            "button": "Ask for approval",
            "refusal": services.account_change_refusal(by=request.user, person=managed),
        },
    )
