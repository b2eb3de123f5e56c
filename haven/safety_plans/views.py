"""Safety plans: list, write from a case, read, review, sign off, compare, the child's page, PDFs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms import RadioSelect
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from haven.access.policy import Capability, can, has_any
from haven.accounts.stepup import step_up_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases.models import CaseChild
from haven.cases.selectors import case_get_for
from haven.core import clock
from haven.core.converters import parse_id
from haven.core.errors import ApplicationError
from haven.core.pdf import pdf_response

from . import rules, selectors, services
from .forms import (
    CloseForm,
    PlanForm,
    risk_formset,
    risk_formset_with_another_line,
    risk_lines_from,
    shown_unchecked,
)
from .models import SafetyPlan
from .services import MAX_RISK_LINES

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest


def _writer(request: AuthenticatedHttpRequest, plan_or_case: Any) -> bool:
    return can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=plan_or_case.school)


def _anchor(form: PlanForm, name: str) -> str:
    """Where an error's link goes: the field itself (a group of radios: its first)."""
    if name in ("__all__", "based_on") or name not in form.fields:
        return "plan-form"
    if isinstance(form.fields[name].widget, RadioSelect):
        return f"id_{name}_0"
    return f"id_{name}"


def _error_summary(form: PlanForm, formset: Any) -> list[tuple[str, str]]:
    """(anchor, message) for every error, so the summary links to each field."""
    out = [(_anchor(form, name), str(e)) for name, errs in form.errors.items() for e in errs]
    for i, f in enumerate(formset.forms):
        out += [(f"id_risk-{i}-{name}", f"Risk line {i + 1}: {e}") for name, errs in f.errors.items() for e in errs]
    out += [("risk-lines", str(e)) for e in formset.non_form_errors()]
    return out


def _open_sections(form: PlanForm, formset: Any) -> set[str]:
    """The form's sections to show open: those with an error."""
    opened = form.sections_with_errors()
    if any(f.errors for f in formset.forms) or formset.non_form_errors():
        opened.add("risks")
    return opened


def _save(request: HttpRequest, form: PlanForm, formset: Any, write: Any) -> Any:
    """Validate both forms and call the service; a refusal lands on the field it names."""
    if not (form.is_valid() and formset.is_valid()):
        return None
    try:
        return write(form.content(), risk_lines_from(formset))
    except ApplicationError as exc:
        if exc.field and exc.field.startswith("risk_lines"):
            formset._non_form_errors = formset.error_class([exc.message])
        else:
            exc.add_to(form)
    return None


def _form_page(
    request: AuthenticatedHttpRequest, form: PlanForm, formset: Any, *, status: int, **context: Any
) -> HttpResponse:
    """The plan form: after a refused save every error is listed and its section open; after
    "Add another risk" the risk section is open with its new line."""
    added = status == 200 and request.method == "POST"
    errors = _error_summary(form, formset) if status == 400 else []
    opened = _open_sections(form, formset) if status == 400 else set()
    if added:
        opened.add("risks")
    return render(
        request,
        "safety_plans/form.html",
        {
            **context,
            "form": form,
            "formset": formset,
            "errors": errors,
            "open_sections": opened,
            "line_added": added,
            "max_risk_lines": MAX_RISK_LINES,
        },
        status=status,
    )


@login_required
def plan_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_any(request.user, Capability.READ_SCHOOL_RECORDS):
        raise Http404
    filters = {k: request.GET.get(k, "").strip()[:60] for k in ("status", "due", "band", "child")}
    page = Paginator(selectors.plan_list_for(request.user, filters=filters), 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    today = clock.localdate()
    for plan in page.object_list:
        plan.due = selectors.due_reasons(plan, today)
    return render(
        request,
        "safety_plans/list.html",
        {"page": page, "filters": filters, "query": query.urlencode(), "statuses": SafetyPlan.Status.choices},
    )


@login_required
def plan_new(request: AuthenticatedHttpRequest, reference: str, pupil_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    case = case_get_for(request.user, reference, ctx=ctx, audit=False)
    if not _writer(request, case):
        raise Http404
    link = CaseChild.objects.filter(case=case, pupil_id=pupil_id).select_related("pupil").first()
    if link is None:
        raise Http404
    pupil = link.pupil
    records = selectors.case_actions(case, pupil)
    if request.method == "POST" and "add_risk" in request.POST:
        form = PlanForm(request.POST, case_records=records)
        formset = risk_formset_with_another_line(request.POST)
        shown_unchecked(form, formset)
        status = 200
    elif request.method == "POST":
        form = PlanForm(request.POST, case_records=records)
        formset = risk_formset(request.POST)
        plan = _save(
            request,
            form,
            formset,
            lambda content, lines: services.plan_create(
                by=request.user,
                case=case,
                pupil=pupil,
                content=content,
                risk_lines=lines,
                ctx=ctx,
            ),
        )
        if plan:
            messages.success(
                request, f"Draft safety plan saved for {pupil.display_name}. Sign it off when it is ready."
            )
            return redirect("safety_plans:detail", plan_id=plan.pk)
        status = 400
    else:
        content, lines = selectors.plan_prefill(case, pupil, request.user)
        form = PlanForm(initial=PlanForm.initial_from(content), case_records=records)
        formset = risk_formset(initial=lines)
        status = 200
    return _form_page(
        request,
        form,
        formset,
        status=status,
        case=case,
        pupil=pupil,
        role=link.get_role_display(),
        title=f"Write a safety plan for {pupil.display_name}",
    )


def _detail_context(
    request: AuthenticatedHttpRequest, plan: SafetyPlan, close_form: CloseForm | None = None
) -> dict[str, Any]:
    version = selectors.current_version_get(plan)
    return {
        "plan": plan,
        "version": version,
        "sections": selectors.version_sections(version),
        "risk_lines": list(version.risk_lines.all()),
        "versions": selectors.versions_of(plan),
        "events": selectors.events_of(plan),
        "due": selectors.due_reasons(plan),
        "can_write": _writer(request, plan),
        "close_form": close_form or CloseForm(),
        "close_open": close_form is not None,
        "child_reading_age": rules.reading_age(" ".join(getattr(version, k) for k, _ in rules.CHILD_PAGE)),
        "child_age": plan.pupil.age_on(clock.localdate()),
    }


@login_required
def plan_detail(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for(request.user, plan_id, ctx=AuditContext.of(request))
    return render(request, "safety_plans/detail.html", _detail_context(request, plan))


@login_required
def plan_edit(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    plan = selectors.plan_get_for(request.user, plan_id, ctx=ctx, audit=False)
    if not _writer(request, plan) or plan.status == SafetyPlan.Status.CLOSED:
        raise Http404
    review = plan.status != SafetyPlan.Status.DRAFT
    version = selectors.current_version_get(plan)
    records = selectors.case_actions(plan.case, plan.pupil)
    if request.method == "POST" and "add_risk" in request.POST:
        form = PlanForm(request.POST, review=review, case_records=records)
        formset = risk_formset_with_another_line(request.POST)
        shown_unchecked(form, formset)
        status = 200
    elif request.method == "POST":
        form = PlanForm(request.POST, review=review, case_records=records)
        formset = risk_formset(request.POST)
        based_on = form.data.get("based_on")
        saved = _save(
            request,
            form,
            formset,
            lambda content, lines: services.plan_version_add(
                by=request.user,
                plan=plan,
                content=content,
                risk_lines=lines,
                based_on=parse_id(based_on),
                reason=form.cleaned_data.get("reason", ""),
                reason_notes=form.cleaned_data.get("reason_notes", ""),
                sign_off=request.POST.get("then") == "sign_off",
                ctx=ctx,
            ),
        )
        if saved:
            messages.success(
                request,
                f"Version {saved.number} saved"
                + (" and signed off." if request.POST.get("then") == "sign_off" else "."),
            )
            return redirect("safety_plans:detail", plan_id=plan.pk)
        status = 400
    else:
        content = {f.name: getattr(version, f.name) for f in version._meta.concrete_fields}
        initial = PlanForm.initial_from(content)
        initial["based_on"] = plan.current_version
        if review:
            initial["review_date"] = None if plan.review_date <= clock.localdate() else plan.review_date
            new_concern = getattr(plan, "new_concern", None)  # plans_annotated
            if new_concern:
                initial["reason"] = "new_incident"
                initial["reason_notes"] = f"New concern {new_concern}."
        form = PlanForm(initial=initial, review=review, case_records=records)
        formset = risk_formset(
            initial=[
                {k: getattr(line, k) for k in ("hazard", "hazard_rating", "likelihood", "measures", "contingency")}
                for line in version.risk_lines.all()
            ],
        )
        status = 200
    return _form_page(
        request,
        form,
        formset,
        status=status,
        plan=plan,
        case=plan.case,
        pupil=plan.pupil,
        role=plan.get_role_display(),
        review=review,
        title=f"{'Review' if review else 'Change'} the safety plan for {plan.pupil.display_name}",
    )


@login_required
@require_POST
def plan_sign_off(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    plan = selectors.plan_get_for(request.user, plan_id, ctx=ctx, audit=False)
    if not _writer(request, plan):
        raise Http404
    based_on = request.POST.get("based_on", "")
    try:
        services.plan_sign_off(by=request.user, plan=plan, based_on=parse_id(based_on), ctx=ctx)
        messages.success(request, "Signed off: the plan is active.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("safety_plans:detail", plan_id=plan.pk)


@login_required
@require_POST
def plan_close(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    plan = selectors.plan_get_for(request.user, plan_id, ctx=ctx, audit=False)
    if not _writer(request, plan):
        raise Http404
    form = CloseForm(request.POST)
    if form.is_valid():
        try:
            services.plan_close(by=request.user, plan=plan, reason=form.cleaned_data["reason"], ctx=ctx)
            messages.success(request, "The plan is closed. It stays readable with all its versions.")
            return redirect("safety_plans:detail", plan_id=plan.pk)
        except ApplicationError as exc:
            form.add_error("reason", exc.message)
    return render(request, "safety_plans/detail.html", _detail_context(request, plan, form), status=400)


@login_required
def plan_version(request: AuthenticatedHttpRequest, plan_id: int, number: int) -> HttpResponse:
    plan = selectors.plan_get_for(request.user, plan_id, ctx=AuditContext.of(request))
    version = selectors.version_get(plan, number)
    if version is None:
        raise Http404
    return render(
        request,
        "safety_plans/version.html",
        {"plan": plan, "version": version, "sections": selectors.version_sections(version)},
    )


@login_required
def plan_compare(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for(request.user, plan_id, ctx=AuditContext.of(request))
    numbers = [n for n in (parse_id(request.GET.get("from", "")), parse_id(request.GET.get("to", ""))) if n]
    if len(numbers) != 2:
        numbers = [max(plan.current_version - 1, 1), plan.current_version]
    old, new = selectors.version_get(plan, min(numbers)), selectors.version_get(plan, max(numbers))
    if old is None or new is None:
        raise Http404
    sections, changes = selectors.versions_compared(old, new)
    return render(
        request,
        "safety_plans/compare.html",
        {
            "plan": plan,
            "old": old,
            "new": new,
            "sections": sections,
            "changes": changes,
            "versions": selectors.versions_of(plan),
        },
    )


def _child_context(plan: SafetyPlan, version: Any) -> dict[str, Any]:
    answers = [(q, getattr(version, k)) for k, q in rules.CHILD_PAGE]
    return {
        "plan": plan,
        "version": version,
        "answers": answers,
        "reading_age": rules.reading_age(" ".join(a for _, a in answers)),
        "child_age": plan.pupil.age_on(clock.localdate()),
    }


@login_required
def plan_child(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    plan = selectors.plan_get_for(request.user, plan_id, ctx=AuditContext.of(request))
    return render(request, "safety_plans/child.html", _child_context(plan, selectors.version_get(plan)))


def _print(request: AuthenticatedHttpRequest, plan: SafetyPlan, *, child: bool, ctx: AuditContext) -> None:
    audit_record(
        Event.PLAN_PRINTED,
        ctx=ctx,
        actor=request.user,
        obj=plan,
        school=plan.school_id,
        extra={"format": "pdf", "page": "child" if child else "full", "version": plan.current_version},
    )


def _pdf_context(request: AuthenticatedHttpRequest, plan: SafetyPlan) -> dict[str, Any]:
    return {
        "school_name": plan.school.name,
        "printed_at": clock.localtime(),
        "printed_by": request.user.full_name,
    }


@login_required
@step_up_required
def plan_pdf(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    plan = selectors.plan_get_for(request.user, plan_id, ctx=ctx, audit=False)
    version = selectors.current_version_get(plan)
    _print(request, plan, child=False, ctx=ctx)
    return pdf_response(
        request,
        "safety_plans/plan_pdf.html",
        {**_pdf_context(request, plan), **plan_pdf_context(plan, version)},
        filename=f"safety-plan-{plan.pk}-v{plan.current_version}.pdf",
    )


def plan_pdf_context(plan: SafetyPlan, version: Any) -> dict[str, Any]:
    """The printed plan's tables, in Annex A's order (the PDF's own words: tests read them)."""
    sections = {s.title: s for s in selectors.version_sections(version)}
    return {
        "plan": plan,
        "version": version,
        "basic": [r for r in sections["Basic information"].rows if r.key != "review_date"],
        "actions": [(rules.ACTION_LABELS[a], lines) for a, lines in selectors.action_rows(version)],
        "considerations": selectors.consideration_groups(version),
        "at_risk": sections["Needs, supportive factors and actions"].rows[0].value,
        "controls": sections["Practical controls"].rows,
        "risk_lines": list(version.risk_lines.all()),
        "child_views": [(q, getattr(version, k)) for k, q in rules.VIEW_QUESTIONS_CHILD],
        "parent_views": [(q, getattr(version, k)) for k, q in rules.VIEW_QUESTIONS_PARENTS],
        "child_page": [(q, getattr(version, k)) for k, q in rules.CHILD_PAGE],
    }


@login_required
@step_up_required
def plan_child_pdf(request: AuthenticatedHttpRequest, plan_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    plan = selectors.plan_get_for(request.user, plan_id, ctx=ctx, audit=False)
    _print(request, plan, child=True, ctx=ctx)
    return pdf_response(
        request,
        "safety_plans/child_pdf.html",
        # The child's own page: no school, no "printed by", no confidential mark.
        _child_context(plan, selectors.version_get(plan)),
        filename=f"safety-plan-{plan.pk}-child.pdf",
    )
