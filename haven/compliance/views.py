"""The Section 175 audit: the list, opening a round, a round's returns and aggregate (and its
CSV), and one school's audit."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_safe

from haven.access.policy import (
    Capability,
    authorities_for,
    may_collect_s175,
    may_complete_s175,
    may_submit_s175,
    may_use_s175,
)
from haven.accounts.stepup import step_up_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.core.exports import csv_response

from . import selectors, services, standards
from .forms import AuditForm, ReturnForm, RoundForm
from .models import AuditRound, SchoolAudit

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest


@login_required
@require_safe
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_use_s175(request.user):
        raise Http404
    collects = authorities_for(request.user, Capability.S175_COLLECT)
    return render(
        request,
        "compliance/index.html",
        {
            "collects": bool(collects),
            "rounds": list(selectors.rounds_for(request.user)) if collects else [],
            "audits": list(selectors.audits_for(request.user)),
            "today": clock.localdate(),
        },
    )


@login_required
def round_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authorities = authorities_for(request.user, Capability.S175_COLLECT)
    if not authorities:
        raise Http404
    year = clock.localdate().year
    form = RoundForm(request.POST or None, initial={"title": f"Section 175 audit {year}-{str(year + 1)[2:]}"})
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            audit_round = services.round_open(
                by=request.user,
                authority=authorities[0],
                title=d["title"],
                opens_on=d["opens_on"],
                due_on=d["due_on"],
                ctx=AuditContext.of(request),
            )
        except ApplicationError as error:
            error.add_to(form)
        else:
            messages.success(request, f"The audit is open: {audit_round.audits.count()} schools can complete it.")
            return redirect("compliance:round", audit_round.pk)
    return render(request, "compliance/round_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
@require_safe
def round_detail(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    audit_round = selectors.round_get_for(request.user, round_id, ctx=ctx)
    summary = selectors.round_summary(audit_round)
    audit_record(
        Event.S175_ROUND_VIEWED, ctx=ctx, actor=request.user, obj=audit_round, authority=audit_round.authority_id
    )
    return render(
        request,
        "compliance/round_detail.html",
        {"round": audit_round, "summary": summary, "today": clock.localdate()},
    )


@login_required
@require_safe
@step_up_required
def round_csv(request: AuthenticatedHttpRequest, round_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    audit_round = selectors.round_get_for(request.user, round_id, ctx=ctx)
    summary = selectors.round_summary(audit_round)
    audit_record(
        Event.S175_ROUND_EXPORTED,
        ctx=ctx,
        actor=request.user,
        obj=audit_round,
        authority=audit_round.authority_id,
        extra={"format": "csv", "schools": len(summary.audits)},
    )
    header = [
        "School",
        "URN",
        "Status",
        "Late",
        "Submitted on",
        "Number of staff",
        "Staff trained in the last 12 months",
        "Trained (%)",
        "Training needs",
        *(f"{s['number']} {s['text']}" for s in audit_round.standards),
    ]
    today = clock.localdate()
    rows: list[list[Any]] = []
    for a in summary.audits:
        submitted = a.status == SchoolAudit.Status.SUBMITTED
        rows.append(
            [
                a.school.name,
                a.school.urn,
                a.get_status_display(),
                "yes" if a.is_late(today) else "no",
                timezone.localtime(a.submitted_at).date().isoformat() if submitted and a.submitted_at else "",
                a.staff_total if submitted else "",
                a.staff_trained if submitted else "",
                a.training_percent if submitted and a.training_percent is not None else "",
                a.training_needs if submitted else "",
                *(
                    standards.ANSWER_WORDS.get((a.answers.get(s["key"]) or {}).get("answer", ""), "")
                    if submitted
                    else ""
                    for s in audit_round.standards
                ),
            ]
        )
    rows.append([])
    rows.append(["Standard", "Met", "Met (%)", "Partly met", "Partly met (%)", "Not met", "Not met (%)", "Of"])
    for t in summary.tallies:
        rows.append(
            [
                f"{t.standard['number']} {t.standard['text']}",
                t.met,
                t.met_percent if t.met_percent is not None else "",
                t.partly,
                t.partly_percent if t.partly_percent is not None else "",
                t.not_met,
                t.not_met_percent if t.not_met_percent is not None else "",
                t.of,
            ]
        )
    return csv_response(f"s175-audit-{audit_round.pk}.csv", header, rows)


def _audit_form(request: HttpRequest, audit: SchoolAudit, data: Any = None) -> AuditForm:
    return AuditForm(data, audit_round=audit.round, initial=AuditForm.initial_for(audit), prefix=None)


@login_required
def audit_detail(request: AuthenticatedHttpRequest, audit_id: int) -> HttpResponse:
    user = request.user
    ctx = AuditContext.of(request)
    audit = selectors.audit_get_for(user, audit_id, ctx=ctx)
    completes = may_complete_s175(user, audit)
    collects = may_collect_s175(user, audit.round.authority_id)
    editable = completes and audit.status != SchoolAudit.Status.SUBMITTED
    form = _audit_form(request, audit) if editable else None
    return_form = ReturnForm() if collects and audit.status == SchoolAudit.Status.SUBMITTED else None
    problems: list[str] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("save", "submit") and editable:
            form = _audit_form(request, audit, request.POST)
            if form.is_valid():
                d = form.cleaned_data
                try:
                    services.audit_save_draft(
                        by=user,
                        audit=audit,
                        based_on=d["version"],
                        answers=form.answers(),
                        staff_total=d["staff_total"],
                        staff_trained=d["staff_trained"],
                        training_needs=d["training_needs"],
                        ctx=ctx,
                    )
                    if action == "save":
                        messages.success(request, "Your draft is saved.")
                        return redirect("compliance:audit", audit.pk)
                    services.audit_submit(by=user, audit=audit, ctx=ctx)
                    messages.success(request, "Thank you: the audit is submitted to the local authority.")
                    return redirect("compliance:audit", audit.pk)
                except ApplicationError as error:
                    if error.code == "incomplete":
                        problems = services.missing_for_submission(audit)
                        # Keep what was typed, with the version just saved.
                        data = request.POST.copy()
                        data["version"] = str(audit.version)
                        form = _audit_form(request, audit, data)
                        form.is_valid()
                        form.add_error(None, "Your draft is saved, but it cannot be submitted yet: see below.")
                    else:
                        error.add_to(form)
            status = 400
        elif action == "return" and collects and return_form is not None:
            return_form = ReturnForm(request.POST)
            if return_form.is_valid():
                try:
                    services.audit_return(by=user, audit=audit, comments=return_form.cleaned_data["comments"], ctx=ctx)
                except ApplicationError as error:
                    error.add_to(return_form)
                else:
                    messages.success(request, "The audit is returned to the school with your comments.")
                    return redirect("compliance:audit", audit.pk)
            status = 400
        else:
            raise Http404
    # Read-only: the audit once submitted; while it is being changed, its last submission.
    shown: Any = (
        audit if audit.status == SchoolAudit.Status.SUBMITTED else audit.submissions.order_by("-number").first()
    )
    return render(
        request,
        "compliance/audit_detail.html",
        {
            "audit": audit,
            "form": form,
            "return_form": return_form,
            "problems": problems,
            "may_submit": editable and may_submit_s175(user, audit),
            "shown": shown,
            "sections": _read_sections(audit.round, shown.answers) if shown is not None else [],
            "history": selectors.history_of(audit),
            "late": audit.is_late(),
            "answer_words": standards.ANSWER_WORDS,
        },
        status=status,
    )


def _read_sections(
    audit_round: AuditRound, answers: dict[str, Any]
) -> list[tuple[str, list[tuple[dict[str, Any], dict[str, str]]]]]:
    out: list[tuple[str, list[tuple[dict[str, Any], dict[str, str]]]]] = []
    for s in audit_round.standards:
        if not out or out[-1][0] != s["section"]:
            out.append((s["section"], []))
        row = dict(answers.get(s["key"]) or {})
        row["answer_words"] = standards.ANSWER_WORDS.get(row.get("answer", ""), "Not answered")
        if row.get("due"):  # kept as ISO text; shown as people write dates
            with contextlib.suppress(ValueError):
                row["due"] = f"{dt.date.fromisoformat(row['due']):%-d %B %Y}"
        out[-1][1].append((s, row))
    return out
