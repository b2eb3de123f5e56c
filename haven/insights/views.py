"""The enquiry log (/enquiries/): LA advice officers only (DESIGN §8)."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from haven.access.policy import Capability, has_any
from haven.accounts.stepup import step_up_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.concerns.models import Category
from haven.core import clock
from haven.core.converters import parse_id
from haven.core.errors import ApplicationError
from haven.core.exports import csv_response
from haven.core.pdf import pdf_response
from haven.organisations.models import School

from . import selectors, services
from .forms import EnquiryForm, ImportForm

if TYPE_CHECKING:
    from django.utils.datastructures import MultiValueDict

    from haven.core.http import AuthenticatedHttpRequest


def _authority(request: AuthenticatedHttpRequest) -> Any:
    authority = selectors.authority_for(request.user)
    if authority is None:
        raise Http404
    return authority


@login_required
@step_up_required(when=lambda request: request.GET.get("format") == "csv")
def enquiry_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _authority(request)
    filters = {k: request.GET.get(k, "").strip()[:100] for k in ("school", "category", "from", "to", "follow_up", "q")}
    qs = selectors.enquiry_list_for(request.user, filters=filters)
    if request.GET.get("format") == "csv":
        rows = list(qs[:50_000])
        audit_record(
            Event.ENQUIRIES_EXPORTED,
            ctx=AuditContext.of(request),
            actor=request.user,
            obj=authority,
            authority=authority,
            extra={"enquiries_csv": len(rows)},
        )
        return csv_response(
            "enquiries.csv",
            [
                "date",
                "time",
                "school_urn",
                "school",
                "caller_role",
                "channel",
                "categories",
                "summary",
                "advice",
                "risk_assessment",
                "follow_up_on",
                "follow_up_done",
            ],
            [
                [
                    f"{timezone.localtime(e.at):%Y-%m-%d}",
                    f"{timezone.localtime(e.at):%H:%M}",
                    e.school.urn,
                    e.school.name,
                    e.caller_role,
                    e.channel,
                    ";".join(c.code for c in e.categories.all()),
                    e.summary,
                    e.advice,
                    "yes" if e.risk_assessment_supported else "no",
                    e.follow_up_on.isoformat() if e.follow_up_on else "",
                    "yes" if e.follow_up_done_at else "no",
                ]
                for e in rows
            ],
        )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "insights/enquiry_list.html",
        {
            "authority": authority,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "schools": authority.schools.order_by("name"),
            "categories": Category.objects.filter(parent__isnull=True, authority__isnull=True).order_by("pk"),
            "today": clock.localdate(),
        },
    )


@login_required
def enquiry_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _authority(request)
    flags: list[Any] = []
    if request.method == "POST":
        form = EnquiryForm(request.POST, authority=authority)
        if form.is_valid():
            d = form.cleaned_data
            try:
                enquiry = services.enquiry_record(
                    by=request.user,
                    authority=authority,
                    school=d["school"],
                    at=timezone.make_aware(dt.datetime.combine(d["day"], d["time"])),
                    caller_role=d["caller_role"],
                    channel=d["channel"],
                    category_ids=[c.pk for c in d["categories"]],
                    summary=d["summary"],
                    advice=d["advice"],
                    risk_assessment_supported=d["risk_assessment_supported"],
                    follow_up_on=d["follow_up_on"],
                    confirmed=d["confirmed"],
                    ctx=AuditContext.of(request),
                )
                messages.success(request, "Enquiry logged.")
                return redirect("insights:enquiry", enquiry_id=enquiry.pk)
            except ApplicationError as exc:
                if exc.code == "identifying":
                    flags = services.identifying_flags(d["school"], {"summary": d["summary"], "advice": d["advice"]})
                exc.add_to(form)
        status = 400
    else:
        now = clock.localtime()
        form = EnquiryForm(authority=authority, initial={"day": now.date(), "time": now.time().replace(second=0)})
        status = 200
    return render(
        request,
        "insights/enquiry_form.html",
        {
            "form": form,
            "authority": authority,
            "flags": flags,
            "confirmed": set(cast("MultiValueDict[str, str]", form.data).getlist("confirmed")),
        },
        status=status,
    )


@login_required
def enquiry_detail(request: AuthenticatedHttpRequest, enquiry_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    enquiry = selectors.enquiry_get_for(request.user, enquiry_id, ctx=ctx)
    audit_record(Event.ENQUIRY_VIEWED, ctx=ctx, actor=request.user, obj=enquiry, authority=enquiry.authority_id)
    return render(request, "insights/enquiry_detail.html", {"enquiry": enquiry, "today": clock.localdate()})


@login_required
@require_POST
def enquiry_follow_up(request: AuthenticatedHttpRequest, enquiry_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    enquiry = selectors.enquiry_get_for(request.user, enquiry_id, ctx=ctx)
    try:
        services.enquiry_follow_up_done(by=request.user, enquiry=enquiry, ctx=ctx)
        messages.success(request, "Follow-up marked as done.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect("insights:enquiry", enquiry_id=enquiry.pk)


def _period(request: HttpRequest) -> tuple[dt.date, dt.date]:
    today = clock.localdate()
    start = services.parse_month(request.GET.get("from", "")) or dt.date(today.year - 1, today.month, 1)
    end = services.parse_month(request.GET.get("to", "")) or today.replace(day=1)
    if start > end:
        start, end = end, start
    return start, end


@login_required
@step_up_required(when=lambda request: request.GET.get("format") == "csv")
def monthly(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _authority(request)
    start, end = _period(request)
    table = selectors.monthly_table(authority, start, end)
    if request.GET.get("format") == "csv":
        parts = table.parts
        rows: list[list[object]] = []
        for part in parts:
            rows += [
                [f"{r.month:%B %Y}", r.total, r.sexual, r.measure, "" if r.percent is None else f"{r.percent}"]
                for r in part.rows
            ]
            if len(parts) > 1:  # a total across a change of measure is not like for like
                pct = "" if part.percent is None else f"{part.percent}"
                rows.append([f"Subtotal: {part.label}", part.total, part.sexual, part.measure, pct])
        rows.append(["Total", table.total, table.sexual, "", "" if table.percent is None else f"{table.percent}"])
        rows += [[f"Note: {n}", "", "", "", ""] for n in table.notes]
        return csv_response(
            f"enquiries-by-month-{start:%Y-%m}-to-{end:%Y-%m}.csv",
            [
                "month",
                "enquiries",
                "about sexual violence, harassment or harmful sexual behaviour",
                "measure",
                "percent",
            ],
            rows,
        )
    return render(
        request,
        "insights/monthly.html",
        {"authority": authority, "table": table, "start": start, "end": end},
    )


@login_required
def enquiry_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _authority(request)
    problems: list[str] = []
    if request.method == "POST":
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            importer = (
                services.monthly_counts_import if form.cleaned_data["kind"] == "monthly" else services.enquiries_import
            )
            try:
                n = importer(
                    by=request.user,
                    authority=authority,
                    data=form.cleaned_data["file"].read(),
                    ctx=AuditContext.of(request),
                )
                messages.success(request, f"Imported {n} line{'s' if n != 1 else ''}.")
                return redirect("insights:monthly" if form.cleaned_data["kind"] == "monthly" else "insights:enquiries")
            except services.ImportProblems as exc:
                problems = exc.problems
                form.add_error("file", exc.message)
        status = 400
    else:
        form = ImportForm()
        status = 200
    return render(
        request, "insights/import.html", {"form": form, "problems": problems, "authority": authority}, status=status
    )


# --- Dashboards ---------------------------------------------------------------------------


@login_required
@step_up_required(when=lambda request: bool(request.GET.get("csv")))
def insights(request: AuthenticatedHttpRequest) -> HttpResponse:

    from . import dashboard

    scope = dashboard.scope_for(request.user)
    if scope is None:
        raise Http404
    filters = dashboard.default_filters()
    start = services.parse_month(request.GET.get("from", ""))
    end = services.parse_month(request.GET.get("to", ""))
    if start:
        filters.start = start
    if end:
        filters.end = end
    if filters.start > filters.end:
        filters.start, filters.end = filters.end, filters.start
    if (filters.end.year - filters.start.year) * 12 + filters.end.month - filters.start.month > 120:
        filters.start = filters.end.replace(year=filters.end.year - 10)
    school = request.GET.get("school", "")
    school_id = parse_id(school)
    if school_id and scope.schools.filter(pk=school_id).exists():
        filters.school = school_id
    if request.GET.get("phase") in School.Phase.values:
        filters.phase = request.GET["phase"]
    family = request.GET.get("family", "")
    if Category.objects.filter(code=family, parent__isnull=True).exists():
        filters.family = family
    board = dashboard.dashboard_for(scope, filters)
    audit_record(
        Event.INSIGHTS_EXPORTED if request.GET.get("csv") else Event.INSIGHTS_VIEWED,
        ctx=AuditContext.of(request),
        actor=request.user,
        object_type="insights.dashboard",
        object_id=scope.kind,
        extra={"scope": scope.name, "from": filters.start.isoformat(), "to": filters.end.isoformat()},
        school=scope.schools.first() if scope.kind == "school" else None,
    )
    section = request.GET.get("csv", "")
    if section == "survey" and board.survey:
        rows = board.survey.csv_rows()
        return csv_response(f"insights-survey-{filters.start:%Y-%m}-to-{filters.end:%Y-%m}.csv", rows[0], rows[1:])
    if section:
        table = next((t for t in board.tables if t.key == section), None)
        if table is None:
            raise Http404
        rows = table.csv_rows()
        return csv_response(f"insights-{section}-{filters.start:%Y-%m}-to-{filters.end:%Y-%m}.csv", rows[0], rows[1:])
    query = request.GET.copy()
    query.pop("csv", None)
    return render(
        request,
        "insights/dashboard.html",
        {
            "board": board,
            "scope": scope,
            "filters": filters,
            "query": query.urlencode(),
            "can_read_surveys": has_any(request.user, Capability.SURVEY_RESULTS),
            "phases": School.Phase.choices,
            "families": Category.objects.filter(parent__isnull=True, authority__isnull=True).order_by("pk"),
        },
    )


def _report(request: AuthenticatedHttpRequest) -> Any:
    from . import dashboard

    scope = dashboard.scope_for(request.user)
    if scope is None:
        raise Http404
    year, name = dashboard.term_of(clock.localdate())
    asked = request.GET.get("term", "")
    if "-" in asked:
        y, n = asked.split("-", 1)
        if y.isascii() and y.isdigit() and 2000 <= int(y) <= 2100 and n in dashboard.TERMS:
            year, name = int(y), n
    report = dashboard.report_for(scope, year, name)
    terms = []
    term_year, term = dashboard.term_of(clock.localdate())
    for _ in range(6):
        terms.append((f"{term_year}-{term}", dashboard.term_label(term_year, term)))
        term_year, term = (
            (term_year, "summer")
            if term == "autumn"
            else (term_year, "spring")
            if term == "summer"
            else (term_year - 1, "autumn")
        )
    return scope, report, f"{year}-{name}", terms


@login_required
def report(request: AuthenticatedHttpRequest) -> HttpResponse:
    scope, report, term, terms = _report(request)
    audit_record(
        Event.INSIGHTS_REPORT_VIEWED,
        ctx=AuditContext.of(request),
        actor=request.user,
        object_type="insights.report",
        object_id=term,
        extra={"scope": scope.name},
    )
    return render(request, "insights/report.html", {"report": report, "term": term, "terms": terms})


@login_required
@step_up_required
def report_pdf(request: AuthenticatedHttpRequest) -> HttpResponse:

    scope, report, term, _ = _report(request)
    audit_record(
        Event.INSIGHTS_REPORT_EXPORTED,
        ctx=AuditContext.of(request),
        actor=request.user,
        object_type="insights.report",
        object_id=term,
        extra={"scope": scope.name, "format": "pdf"},
    )
    return pdf_response(
        request,
        "insights/report_pdf.html",
        {
            "report": report,
            "school_name": scope.name,
            "printed_at": clock.localtime(),
            "printed_by": request.user.full_name,
        },
        filename=f"safeguarding-report-{term}.pdf",
    )
