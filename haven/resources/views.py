"""The resource bank (/resources/) and the case-study bank (/case-studies/)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from haven.access.policy import (
    Capability,
    authorities_for,
    has_any,
    may_curate,
    may_edit_proposal,
    may_review_case_study,
    may_write_case_study,
    schools_for,
)
from haven.accounts.decorators import two_factor_required
from haven.audit.context import AuditContext
from haven.core.errors import ApplicationError

from . import selectors, services
from .forms import CaseStudyFilterForm, CaseStudyForm, CurateForm, ResourceFilterForm, ResourceForm, ReviewForm
from .models import CaseStudy, Resource

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest
    from haven.organisations.models import School

PAGE_SIZE = 20


def _query_without_page(request: HttpRequest) -> str:
    return urlencode([(k, v) for k, v in request.GET.items() if k != "page" and v])


# -- Resource bank -------------------------------------------------------------------------


@login_required
def resource_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search and filter the bank (for example /resources/?phase=primary&topic=nudes)."""
    if not has_any(request.user, Capability.RESOURCES_READ):
        raise Http404
    filter_form = ResourceFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    curator = bool(authorities_for(request.user, Capability.RESOURCES_CURATE))
    if request.GET.get("due") and curator:
        filters["due"] = "1"
    page = Paginator(selectors.resource_list_for(request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resources/resource_list.html",
        {
            "page": page,
            "filter_form": filter_form,
            "query": _query_without_page(request),
            "filtered": bool(filters),
            "may_propose": has_any(request.user, Capability.RESOURCES_PROPOSE),
            "curator": curator,
            "proposals": list(selectors.proposals_of(request.user)[:10]),
        },
    )


@login_required
def resource_detail(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    resource = selectors.resource_get_for(request.user, resource_id, ctx=AuditContext.of(request))
    curator = may_curate(request.user, resource)
    return render(
        request,
        "resources/resource_detail.html",
        {
            "resource": resource,
            "curator": curator,
            "may_edit": curator or may_edit_proposal(request.user, resource),
            "decisions": resource.decisions.select_related("by").all() if curator else [],
            "curate_form": CurateForm(),
        },
    )


def _proposing_school(request: AuthenticatedHttpRequest) -> tuple[School, list[School]]:
    schools = list(schools_for(request.user, Capability.RESOURCES_PROPOSE).select_related("authority")[:200])
    if not schools:
        raise Http404
    wanted = request.POST.get("school") or request.GET.get("school")
    return next((s for s in schools if str(s.pk) == wanted), schools[0]), schools


@login_required
def resource_propose(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Staff, DSLs, heads and trust leads propose an item; the authority's officers curate it."""
    school, schools = _proposing_school(request)
    form = ResourceForm(request.POST or None, authority_id=school.authority_id)
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_propose(
                by=request.user,
                school=school,
                data=form.cleaned_data,
                topics=form.cleaned_data["topics"],
                ctx=AuditContext.of(request),
            )
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(
                request,
                f"Thank you. “{resource.title}” has been sent to {school.authority.name} to check. "
                "Only you and their officers can see it until it is approved.",
            )
            return redirect("resources:detail", resource_id=resource.pk)
    return render(
        request,
        "resources/resource_form.html",
        {"form": form, "school": school, "schools": schools, "editing": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
def resource_edit(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    resource = selectors.resource_get_for(request.user, resource_id, ctx=ctx)
    if not (may_curate(request.user, resource) or may_edit_proposal(request.user, resource)):
        raise Http404
    form = ResourceForm(request.POST or None, instance=resource, authority_id=resource.authority_id)
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_update(
                by=request.user,
                resource=Resource.objects.get(pk=resource.pk),
                data=form.cleaned_data,
                topics=form.cleaned_data["topics"],
                ctx=ctx,
            )
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(request, "Your changes have been saved.")
            return redirect("resources:detail", resource_id=resource.pk)
    return render(
        request,
        "resources/resource_form.html",
        {"form": form, "editing": resource},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def resource_curate(request: AuthenticatedHttpRequest, resource_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    resource = selectors.resource_get_for(request.user, resource_id, ctx=ctx)
    if not may_curate(request.user, resource):
        raise Http404
    form = CurateForm(request.POST)
    if form.is_valid():
        try:
            services.resource_curate(
                by=request.user,
                resource=resource,
                action=form.cleaned_data["action"],
                note=form.cleaned_data["note"],
                ctx=ctx,
            )
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(request, f"“{resource.title}”: {resource.get_status_display().lower()}.")
            return redirect("resources:detail", resource_id=resource.pk)
    return render(
        request,
        "resources/resource_detail.html",
        {
            "resource": resource,
            "curator": True,
            "may_edit": True,
            "decisions": resource.decisions.select_related("by").all(),
            "curate_form": form,
        },
        status=400,
    )


@login_required
def resource_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """For LA officers: proposals to curate and items unreviewed for twelve months."""
    queue = selectors.curation_queue_for(request.user)
    return render(
        request,
        "resources/resource_queue.html",
        {
            "waiting": list(queue["waiting"][:100]),
            "due": Paginator(queue["due"], PAGE_SIZE).get_page(request.GET.get("page")),
        },
    )


# -- Case studies --------------------------------------------------------------------------


@login_required
@two_factor_required
def case_study_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_any(request.user, Capability.CASE_STUDIES_READ):
        raise Http404
    filter_form = CaseStudyFilterForm(request.GET or None)
    filters = filter_form.filters() if request.GET else {}
    page = Paginator(selectors.case_study_list_for(request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "resources/case_study_list.html",
        {
            "page": page,
            "filter_form": filter_form,
            "query": _query_without_page(request),
            "filtered": bool(filters),
            "may_write": has_any(request.user, Capability.CASE_STUDIES_WRITE),
            "reviewer": bool(authorities_for(request.user, Capability.CASE_STUDIES_REVIEW)),
            "workbench": list(selectors.case_study_workbench_for(request.user)[:50]),
        },
    )


def _writing_school(request: AuthenticatedHttpRequest) -> tuple[School, list[School]]:
    schools = list(schools_for(request.user, Capability.CASE_STUDIES_WRITE).select_related("authority"))
    if not schools:
        raise Http404
    wanted = request.POST.get("school") or request.GET.get("school")
    return next((s for s in schools if str(s.pk) == wanted), schools[0]), schools


def _case_study_form_page(
    request: AuthenticatedHttpRequest,
    *,
    school: School,
    schools: list[School],
    study: CaseStudy | None,
    ctx: AuditContext,
) -> HttpResponse:
    """Save as a draft, or save and send: the anonymisation check runs on sending, and the
    page comes back with every flag to resolve and everything as typed."""
    form = CaseStudyForm(request.POST or None, instance=study, school=school)
    flags: list[Any] = []
    confirmed = request.POST.getlist("confirm")
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.case_study_save(
                by=request.user,
                school=school,
                case_study=CaseStudy.objects.get(pk=study.pk) if study else None,
                data=form.cleaned_data,
                category_ids=[c.pk for c in form.cleaned_data["categories"]],
                ctx=ctx,
            )
            if request.POST.get("send"):
                services.case_study_submit(by=request.user, case_study=saved, confirmed=confirmed, ctx=ctx)
                messages.success(request, "Thank you. Your case study has been sent to the local authority.")
            else:
                messages.success(
                    request,
                    "Your draft has been saved. Only your school's DSLs and the local authority's officers can see it.",
                )
        except services.AnonymisationNeeded as exc:
            flags = exc.flags
            form.add_error(None, exc.message)
            study = saved
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            return redirect("case_studies:detail", case_study_id=saved.pk)
    return render(
        request,
        "resources/case_study_form.html",
        {
            "form": form,
            "school": school,
            "schools": schools,
            "study": study,
            "flags": [(f, form.fields[f.field].label) for f in flags],
            "confirmed": {c.casefold() for c in confirmed},
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@two_factor_required
def case_study_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    school, schools = _writing_school(request)
    return _case_study_form_page(request, school=school, schools=schools, study=None, ctx=AuditContext.of(request))


@login_required
@two_factor_required
def case_study_edit(request: AuthenticatedHttpRequest, case_study_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    study = selectors.case_study_get_for(request.user, case_study_id, ctx=ctx)
    if not may_write_case_study(request.user, study):
        raise Http404
    return _case_study_form_page(request, school=study.school, schools=[study.school], study=study, ctx=ctx)


@login_required
@two_factor_required
def case_study_detail(request: AuthenticatedHttpRequest, case_study_id: int) -> HttpResponse:
    study = selectors.case_study_get_for(request.user, case_study_id, ctx=AuditContext.of(request))
    published = study.status == CaseStudy.Status.PUBLISHED
    return render(
        request,
        "resources/case_study_detail.html",
        {
            "study": study,
            "similar": selectors.similar_case_studies(request.user, study),
            "may_write": may_write_case_study(request.user, study),
            "may_review": may_review_case_study(request.user, study) and study.status == CaseStudy.Status.SUBMITTED,
            "review_form": ReviewForm(),
            "published": published,
        },
    )


@login_required
@two_factor_required
@require_POST
def case_study_review(request: AuthenticatedHttpRequest, case_study_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    study = selectors.case_study_get_for(request.user, case_study_id, ctx=ctx)
    if not may_review_case_study(request.user, study):
        raise Http404
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            services.case_study_review(
                by=request.user,
                case_study=study,
                action=form.cleaned_data["action"],
                comments=form.cleaned_data["comments"],
                ctx=ctx,
            )
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(
                request,
                "The case study is published."
                if study.status == CaseStudy.Status.PUBLISHED
                else "The case study has been returned to its author with your comments.",
            )
            return redirect("case_studies:detail", case_study_id=study.pk)
    return render(
        request,
        "resources/case_study_detail.html",
        {
            "study": study,
            "similar": [],
            "may_write": False,
            "may_review": True,
            "review_form": form,
            "published": False,
        },
        status=400,
    )
