"""The DSL dashboard, triage, one case and chronologies (the cases' pages, above the apps they ask)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from haven.access.policy import Capability, can, has_any, holders_of, school_ids_for
from haven.accounts.models import User
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases import forms, selectors, services
from haven.cases.models import Case, Consideration, Referral
from haven.cases.schooldays import closures_by_school
from haven.chronology import selectors as chronology
from haven.concerns import rules
from haven.concerns.models import Category, Concern, Location
from haven.concerns.selectors import concern_get_for, pupils_matching
from haven.concerns.services import concern_acknowledge, concern_close_no_further_action, concern_prompts
from haven.core import clock
from haven.core.chronology import Entry
from haven.core.converters import parse_id
from haven.core.errors import ApplicationError
from haven.core.pdf import pdf_response
from haven.pupil_voice.selectors import new_report_count_for
from haven.safety_plans import selectors as plan_selectors

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
        },
        status=status,
    )


def _child_flags(user: User, school_id: int, pupil_ids: list[int]) -> list[str]:
    return selectors.repeat_involvement_flags_for_children(user, school_id=school_id, pupil_ids=pupil_ids)


# -- One case --------------------------------------------------------------------------------


def _plans_by_child(case: Case, children: list[Any]) -> list[tuple[Any, list[Any], bool]]:
    """Each child of the case with their safety plans, and whether one is open."""
    plans = plan_selectors.case_plans(case)
    return [
        (
            c,
            [p for p in plans if p.pupil_id == c.pupil_id],
            any(p.pupil_id == c.pupil_id and p.is_open for p in plans),
        )
        for c in children
    ]


def _latest(rows: list[Any], key: str) -> dict[Any, Any]:
    latest: dict[Any, Any] = {}
    for row in rows:
        latest[getattr(row, key)] = row
    return latest


def _case_context(request: AuthenticatedHttpRequest, case: Case, bound: dict[str, Any] | None = None) -> dict[str, Any]:
    bound = bound or {}
    readers = User.objects.filter(
        pk__in=holders_of(Capability.READ_SCHOOL_RECORDS, school_ids=[case.school_id]).values("user_id")
    ).order_by("full_name")
    answers = _latest(list(case.consideration_answers.select_related("by")), "item")
    events = list(case.events.select_related("by", "pupil"))
    decisions = list(case.decisions.select_related("by"))
    routes = services.current_routes(case)
    prompts = services.case_prompts(case)
    today = clock.localdate()
    children = list(case.children.all())
    parents = _latest(list(case.parents_informed.select_related("by", "pupil")), "pupil_id")
    referrals = list(case.referrals.select_related("by", "pupil").prefetch_related("outcomes"))
    closures = closures_by_school(
        [case.school_id], since=min((r.referred_on for r in referrals), default=clock.localdate())
    ).get(case.school_id, [])
    due = {r.pk: selectors.referral_due(r, closures) for r in referrals}

    def outcome_form(referral: Referral) -> forms.OutcomeForm:
        # One form per referral; the one whose outcome was refused comes back as typed.
        typed: forms.OutcomeForm | None = bound.get("outcome")
        if typed is not None and _posted_referral(typed.data) == referral.pk:
            return typed
        return forms.OutcomeForm(
            case=case,
            auto_id=_outcome_auto_id(referral.pk),
            initial={"referral": referral.pk, "agency_reference": referral.agency_reference},
        )

    def form(name: str, cls: Any, **kw: Any) -> Any:
        # Each form gets its own id prefix: a dozen forms share this page, and Django's
        # default ids (id_rationale, id_pupil...) would tie later labels to earlier fields.
        return bound.get(name) or cls(case=case, auto_id=f"{name}-%s", **kw)

    return {
        "case": case,
        "children": [
            {"link": c, "age": rules.age_on(c.pupil.date_of_birth, today), "parents": parents.get(c.pupil_id)}
            for c in children
        ],
        "considerations": [(value, label, answers.get(value)) for value, label in Consideration.choices],
        "decisions": decisions,
        "routes": routes,
        "prompts": [(p, p.routes_needed <= routes) for p in prompts],
        "close_blockers": services.close_blockers_from(
            routes=routes,
            prompts=prompts,
            explained=services.prompts_explained(decisions, events),
            children=children,
            told=set(parents),
        ),
        "referrals": [
            (r, list(r.outcomes.all()), due[r.pk], not r.outcomes.all() and due[r.pk] < today, outcome_form(r))
            for r in referrals
        ],
        "support": list(case.support.select_related("by", "pupil")),
        "sanctions": list(case.sanctions.select_related("by", "pupil")),
        "tasks": list(case.tasks.select_related("assignee", "done_by")),
        "events": events,
        "flags": _child_flags(request.user, case.school_id, [c.pupil_id for c in children]),
        "plans": _plans_by_child(case, children),
        "is_dsl": can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=case.school),
        "today": today,
        "f": {
            "decision": form("decision", forms.DecisionForm),
            "parents": form("parents", forms.ParentsInformedForm),
            "referral": form("referral", forms.ReferralForm, initial={"referred_on": today}),
            "support": form("support", forms.SupportForm),
            "sanction": form("sanction", forms.SanctionForm, initial={"decided_on": today}),
            "task": form("task", forms.TaskForm, assignees=readers),
            "child": form("child", forms.ChildForm),
            "access": form(
                "access",
                forms.AccessForm,
                readers=readers,
                initial={
                    "restricted": case.restricted,
                    "shared_with_trust": case.shared_with_trust,
                    "named": list(case.restricted_to.all()),
                },
            ),
            "close": form("close", forms.EventForm, initial={"kind": "closed"}),
            "reopen": form("reopen", forms.EventForm, initial={"kind": "reopened"}),
            "wishes": form("wishes", forms.EventForm, initial={"kind": "wishes"}),
            "consideration": bound.get("consideration"),
        },
        "readers": readers,
    }


def _outcome_auto_id(referral_id: Any) -> str:
    """Ids of a referral's outcome form, inside its own ``outcome-<id>`` section."""
    return f"outcome-{referral_id}-%s"


def _posted_referral(data: Any) -> int | None:
    """The referral an outcome form was posted for (a hidden field: anything may come)."""
    return parse_id(data.get("referral", ""))


@login_required
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case = selectors.case_get_for(request.user, reference, ctx=AuditContext.of(request))
    return render(request, "cases/case_detail.html", _case_context(request, case))


ACTIONS = {
    "decision": forms.DecisionForm,
    "parents": forms.ParentsInformedForm,
    "referral": forms.ReferralForm,
    "outcome": forms.OutcomeForm,
    "support": forms.SupportForm,
    "sanction": forms.SanctionForm,
    "task": forms.TaskForm,
    "task_done": None,
    "close": forms.EventForm,
    "reopen": forms.EventForm,
    "wishes": forms.EventForm,
    "consideration": forms.ConsiderationForm,
    "child": forms.ChildForm,
    "access": forms.AccessForm,
}


@login_required
@require_POST
def case_action(request: AuthenticatedHttpRequest, reference: str, action: str) -> HttpResponse:
    """One change to a case. Errors re-render the case with the form as typed (status 400)."""
    if action not in ACTIONS:
        raise Http404
    ctx = AuditContext.of(request)
    case = selectors.case_get_for(request.user, reference, ctx=ctx, audit=False)
    if not can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=case.school):
        raise Http404
    page = _case_context(request, case)
    form_class = ACTIONS[action]
    extra: dict[str, Any] = {}
    if action == "task":
        extra["assignees"] = page["readers"]
    if action == "access":
        extra["readers"] = page["readers"]
    auto_id = f"{action}-%s"
    if action == "outcome":  # each referral has its own outcome form on the page
        auto_id = _outcome_auto_id(_posted_referral(request.POST) or "unknown")
    form = form_class(request.POST, case=case, auto_id=auto_id, **extra) if form_class else None
    try:
        if action == "task_done":
            task = case.tasks.filter(pk=parse_id(request.POST.get("task", "")) or 0).first()
            if task is None:
                raise Http404
            services.task_complete(by=request.user, task=task, ctx=ctx)
            messages.success(request, "Task marked as done.")
            return redirect("cases:detail", reference=case.reference)
        assert form is not None  # every action but task_done has a form
        if form.is_valid():
            _apply(request, ctx, case, action, form.cleaned_data)
            messages.success(request, "Saved.")
            return redirect(f"/cases/{case.reference}/#{action}")
    except ApplicationError as exc:
        assert form is not None
        exc.add_to(form)
    page = _case_context(request, case, bound={action: form})
    page["error_action"] = action
    page["error_anchor"] = action
    if action == "outcome":
        referral_id = _posted_referral(request.POST)
        known = any(r.pk == referral_id for r, *_ in page["referrals"])
        page["error_anchor"] = f"outcome-{referral_id}" if known else "referrals"
    page["error_messages"] = [str(e) for errors in form.errors.values() for e in errors]
    return render(request, "cases/case_detail.html", page, status=400)


def _apply(request: AuthenticatedHttpRequest, ctx: AuditContext, case: Case, action: str, d: dict[str, Any]) -> None:
    by, v = request.user, d.get("version")
    if action == "decision":
        services.decisions_record(
            by=by,
            case=case,
            routes=d["routes"],
            rationale=d["rationale"],
            withdraw=d["withdraw"],
            statutory_override=d["statutory_override"],
            version=v,
            ctx=ctx,
        )
    elif action == "parents":
        services.parents_informed_record(
            by=by,
            case=case,
            pupil=d["pupil"],
            informed=d["informed"],
            informed_on=d["informed_on"],
            rationale=d["rationale"],
            ctx=ctx,
        )
    elif action == "referral":
        services.referral_make(
            by=by,
            case=case,
            agency=d["agency"],
            referred_on=d["referred_on"],
            pupil=d["pupil"],
            organisation_name=d["organisation_name"],
            agency_reference=d["agency_reference"],
            notes=d["notes"],
            ctx=ctx,
        )
    elif action == "outcome":
        referral = Referral.objects.filter(case=case, pk=d["referral"]).first()
        if referral is None:
            raise ApplicationError("That referral is not part of this case.")
        services.referral_outcome_record(
            by=by,
            referral=referral,
            outcome=d["outcome"],
            outcome_on=d["outcome_on"],
            agency_reference=d["agency_reference"],
            ctx=ctx,
        )
    elif action == "support":
        services.support_record(by=by, case=case, pupil=d["pupil"], description=d["description"], ctx=ctx)
    elif action == "sanction":
        services.sanction_record(
            by=by,
            case=case,
            pupil=d["pupil"],
            description=d["description"],
            decided_on=d["decided_on"],
            ctx=ctx,
        )
    elif action == "task":
        services.task_add(by=by, case=case, title=d["title"], assignee=d["assignee"], due_on=d["due_on"], ctx=ctx)
    elif action in ("close", "reopen", "wishes"):
        services.case_event_record(by=by, case=case, kind=d["kind"], text=d["text"], version=v, ctx=ctx)
    elif action == "consideration":
        services.consideration_answer(
            by=by, case=case, item=d["item"], answer=d["answer"], notes=d["notes"], version=v, ctx=ctx
        )
    elif action == "child":
        matches = pupils_matching(school_id=case.school_id, query=d["query"])
        if len(matches) != 1:
            raise ApplicationError(
                "No pupil on the roll matches that name."
                if not matches
                else f"{len(matches)} pupils match: add more of the name, or use the UPN.",
                field="query",
            )
        services.case_child_add(by=by, case=case, pupil=matches[0], role=d["role"], ctx=ctx)
    elif action == "access":
        services.case_access_set(
            by=by,
            case=case,
            restricted=d["restricted"],
            named_users=list(d["named"]),
            shared_with_trust=d["shared_with_trust"],
            version=v,
            ctx=ctx,
        )


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
) -> HttpResponse:
    """Print a chronology: page numbers, "Confidential" on every page, the print audited."""
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
            "filtered": any(filters.values()),
            "printed_at": clock.localtime(),
            "printed_by": request.user.full_name,
        },
        filename=filename,
    )


@login_required
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
    )


@login_required
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
