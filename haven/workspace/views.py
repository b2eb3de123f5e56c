"""The DSL dashboard, triage and chronologies (the cases' pages, above the apps they ask); one
case's summary, sections and changes are in case_views.py."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from haven.access.policy import Capability, can, has_any, school_ids_for
from haven.accounts.models import User
from haven.accounts.stepup import step_up_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases import forms, selectors, services
from haven.cases.models import Case
from haven.chronology import selectors as chronology
from haven.concerns.models import Category, Concern, Location
from haven.concerns.selectors import concern_get_for
from haven.concerns.services import concern_acknowledge, concern_close_no_further_action, concern_prompts
from haven.core import clock
from haven.core.chronology import Entry
from haven.core.errors import ApplicationError
from haven.core.pdf import pdf_response
from haven.pupil_voice.selectors import new_report_count_for
from haven.safety_plans import selectors as plan_selectors
from haven.workspace.case_views import case_nav

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest
    from haven.organisations.models import School
    from haven.people.models import Pupil


def _filters(request: HttpRequest, keys: tuple[str, ...]) -> dict[str, str]:
    return {k: request.GET.get(k, "").strip()[:100] for k in keys}


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_any(request.user, Capability.READ_SCHOOL_RECORDS):
        raise Http404
    filters = _filters(request, ("q", "child", "category", "location", "from", "to", "urgent"))
    board = selectors.dashboard_for(request.user, filters=filters)
    page = Paginator(board.to_triage, 25).get_page(request.GET.get("page"))
    open_page = Paginator(board.open_cases, 50).get_page(request.GET.get("cases_page"))
    query = request.GET.copy()
    query.pop("page", None)
    cases_query = request.GET.copy()
    cases_query.pop("cases_page", None)
    return render(
        request,
        "cases/dashboard.html",
        {
            "board": board,
            "page": page,
            "open_page": open_page,
            "filters": filters,
            "query": query.urlencode(),
            "cases_query": cases_query.urlencode(),
            "categories": Category.objects.filter(parent__isnull=True, authority__isnull=True),
            "locations": Location.choices,
            "today": clock.localdate(),
            "now": clock.now(),
            "show_schools": len({c.school_id for c in board.act_now}) > 1,
            "plan_reviews": [(p, plan_selectors.due_reasons(p)) for p in plan_selectors.reviews_due_for(request.user)],
            "triage_school_ids": set(school_ids_for(request.user, Capability.WRITE_SCHOOL_RECORDS)),
            # Pupils' reports: only for those who keep the pupil-voice inbox (DSLs and deputies).
            "pupil_reports_new": (
                new_report_count_for(request.user) if has_any(request.user, Capability.PUPIL_VOICE_INBOX) else None
            ),
        },
    )


# -- Triage ----------------------------------------------------------------------------------


def _triage_concern(request: AuthenticatedHttpRequest, reference: str, ctx: AuditContext) -> Concern:
    concern = concern_get_for(request.user, reference, ctx=ctx)
    if not can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=concern.school):
        raise Http404
    return concern


@login_required
def triage(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Acknowledge a concern; open a case, add it to one, or close it with a rationale."""
    ctx = AuditContext.of(request)
    concern = _triage_concern(request, reference, ctx)
    open_cases = selectors.case_list_for(request.user).filter(school=concern.school, status=Case.Status.OPEN)
    action = request.POST.get("action", "")
    open_form = forms.OpenCaseForm(request.POST if action == "open" else None)
    add_form = forms.AddToCaseForm(request.POST if action == "add" else None, cases=open_cases)
    nfa_form = forms.NoFurtherActionForm(request.POST if action == "nfa" else None)
    status = 200
    if request.method == "POST":
        try:
            if action == "acknowledge":
                concern_acknowledge(by=request.user, concern=concern, ctx=ctx)
                messages.success(request, f"{concern.reference} marked as received.")
                return redirect("cases:triage", reference=concern.reference)
            if action == "open" and open_form.is_valid():
                case = services.case_open(
                    by=request.user, concern=concern, title=open_form.cleaned_data["title"], ctx=ctx
                )
                messages.success(request, f"Case {case.reference} opened.")
                return redirect("cases:detail", reference=case.reference)
            if action == "add" and add_form.is_valid():
                case = services.case_add_concern(
                    by=request.user, case=add_form.cleaned_data["case"], concern=concern, ctx=ctx
                )
                messages.success(request, f"{concern.reference} added to case {case.reference}.")
                return redirect("cases:detail", reference=case.reference)
            if action == "nfa" and nfa_form.is_valid():
                concern_close_no_further_action(
                    by=request.user,
                    concern=concern,
                    rationale=nfa_form.cleaned_data["rationale"],
                    statutory_override=nfa_form.cleaned_data["statutory_override"],
                    ctx=ctx,
                )
                messages.success(request, f"{concern.reference} closed with no further action.")
                return redirect("cases:dashboard")
        except ApplicationError as exc:
            form = {"open": open_form, "add": add_form, "nfa": nfa_form}.get(action)
            if form is not None and exc.field in form.fields:
                exc.add_to(form)
            else:
                messages.error(request, exc.message)
        status = 400
    return render(
        request,
        "cases/triage.html",
        {
            "concern": concern,
            "prompts": concern_prompts(concern),
            "open_form": open_form,
            "add_form": add_form,
            "nfa_form": nfa_form,
            "has_open_cases": open_cases.exists(),
            "flags": _child_flags(request.user, concern.school_id, [c.pupil_id for c in concern.children.all()]),
            "also_waiting": selectors.also_waiting_for(concern),
        },
        status=status,
    )


def _child_flags(user: User, school_id: int, pupil_ids: list[int]) -> list[str]:
    return selectors.repeat_involvement_flags_for_children(user, school_id=school_id, pupil_ids=pupil_ids)


# -- Chronologies ----------------------------------------------------------------------------


@login_required
def case_chronology(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, reference, ctx=AuditContext.of(request))
    filters = _filters(request, ("kinds", "from", "to"))
    entries = chronology.case_chronology(case, filters=filters)
    return render(
        request,
        "cases/chronology.html",
        {
            "case": case,
            "entries": entries,
            "filters": filters,
            "kinds": chronology.KINDS,
            "title": f"Chronology of case {case.reference}",
            "pdf_url": reverse("cases:chronology_pdf", args=[case.reference]),
            "case_nav": case_nav(case, "chronology"),
        },
    )


def _chronology_pdf(
    request: AuthenticatedHttpRequest,
    ctx: AuditContext,
    *,
    title: str,
    entries: list[Entry],
    school: School,
    filters: dict[str, str],
    obj: Case | Pupil,
    filename: str,
    children: list[dict[str, Any]],
) -> HttpResponse:
    """Print a chronology: a header block naming the child (or the case's children), the
    entries as a table, the filters it was printed with, page numbers, "Confidential" on every
    page, the print audited."""
    audit_record(
        Event.CHRONOLOGY_EXPORTED,
        ctx=ctx,
        actor=request.user,
        obj=obj,
        school=school.pk,
        extra={"format": "pdf", "chronology": True, "entries": len(entries)},
    )
    return pdf_response(
        request,
        "cases/chronology_pdf.html",
        {
            "title": title,
            "entries": entries,
            "school_name": school.name,
            "reference": obj.reference if isinstance(obj, Case) else "",
            "children": children,
            "roles": isinstance(obj, Case),
            "shown": _filters_in_words(filters),
            "printed_at": clock.localtime(),
            "printed_by": request.user.full_name,
        },
        filename=filename,
    )


def _filters_in_words(filters: dict[str, str]) -> str:
    """The filters a chronology was printed with, as its reader would say them."""
    kinds = [chronology.KINDS[k] for k in filters.get("kinds", "").split(",") if k in chronology.KINDS]
    words = [", ".join(kinds) if kinds else "Every kind of entry"]
    for key, label in (("from", "from"), ("to", "to")):
        try:
            day = dt.date.fromisoformat(filters.get(key, ""))
            words.append(f"{label} {day.day} {day:%b %Y}")
        except ValueError:
            continue
    return " ".join(words) + ("" if len(words) > 1 else ", every date")


@login_required
@step_up_required
def case_chronology_pdf(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    ctx = AuditContext.of(request)
    case = selectors.case_get_for(request.user, reference, ctx=ctx, audit=False)
    filters = _filters(request, ("kinds", "from", "to"))
    return _chronology_pdf(
        request,
        ctx,
        title=f"Chronology of case {case.reference}",
        entries=chronology.case_chronology(case, filters=filters),
        school=case.school,
        filters=filters,
        obj=case,
        filename=f"chronology-{case.reference}.pdf",
        children=[
            {"pupil": c.pupil, "role": c.get_role_display()}
            for c in case.children.select_related("pupil").order_by("pk")
        ],
    )


@login_required
@step_up_required
def pupil_chronology_pdf(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    filters = _filters(request, ("kinds", "from", "to"))
    ctx = AuditContext.of(request)
    pupil, entries = chronology.pupil_chronology_for(request.user, pupil_id, ctx=ctx, filters=filters)
    return _chronology_pdf(
        request,
        ctx,
        title=f"Chronology for {pupil.display_name}",
        entries=entries,
        school=pupil.school,
        filters=filters,
        obj=pupil,
        filename=f"chronology-pupil-{pupil.pk}.pdf",
        children=[{"pupil": pupil, "role": ""}],
    )


@login_required
def pupil_chronology(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    filters = _filters(request, ("kinds", "from", "to"))
    pupil, entries = chronology.pupil_chronology_for(
        request.user, pupil_id, ctx=AuditContext.of(request), filters=filters
    )
    return render(
        request,
        "cases/chronology.html",
        {
            "pupil": pupil,
            "entries": entries,
            "filters": filters,
            "kinds": chronology.KINDS,
            "title": f"Chronology for {pupil.display_name}",
            "pdf_url": reverse("pupil_chronology_pdf", args=[pupil.pk]),
        },
    )
