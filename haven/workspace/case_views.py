"""One case: its summary, the sections a DSL moves between, and one page per change.

``/cases/<ref>/`` is the summary (who, status, routes in words, what is still needed before
the case can close, the next task and review, who may see it). Each section is its own page
under it (``concerns/``, ``considerations/``, ``decisions/``, ``support/``, ``plans/``,
``tasks/``, ``access/``, and the chronology), with the case's short header and the section
navigation. Each change has its own address and view (``decisions/new/``,
``referrals/<id>/outcome/`` ...): GET shows its form alone, which works on a phone and without
JavaScript; POST saves and returns to its section at the record; a refused POST shows the form
again, as typed, with each error beside its field and a summary at the top (status 400).

Every page costs the same queries whatever the case holds, and every page that shows the case
records one read in the audit log (a save records the write instead).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from haven.access.policy import Capability, can, holders_of
from haven.accounts.models import User
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.cases import forms, selectors, services
from haven.cases.models import Case, CaseEvent, Consideration, Referral, Route, Task
from haven.cases.schooldays import closures_by_school
from haven.concerns import rules
from haven.concerns.selectors import pupils_matching
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.police import selectors as police_selectors
from haven.safety_plans import selectors as plan_selectors

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from haven.core.http import AuthenticatedHttpRequest


# -- The case, its header and its sections -----------------------------------------------------

# (key, label, view name): the order a DSL works through a case.
SECTIONS = (
    ("summary", "Summary", "cases:detail"),
    ("concerns", "Concerns", "cases:concerns"),
    ("considerations", "Considerations", "cases:considerations"),
    ("decisions", "Decisions and referrals", "cases:decisions"),
    ("police", "Police", "cases:police"),
    ("support", "Support and sanctions", "cases:support"),
    ("plans", "Safety plans", "cases:plans"),
    ("tasks", "Tasks", "cases:tasks"),
    ("access", "Children and access", "cases:access"),
    ("chronology", "Chronology", "cases:chronology"),
)
_SECTION_VIEW = {key: view for key, _, view in SECTIONS}
ROUTE_LABELS = dict(Route.choices)


def case_nav(case: Case, current: str | None) -> list[tuple[str, str, bool]]:
    """The section navigation: (label, address, is this page)."""
    return [(label, reverse(view, args=[case.reference]), key == current) for key, label, view in SECTIONS]


def _case_for(request: AuthenticatedHttpRequest, reference: str, *, write: bool = False) -> tuple[Case, AuditContext]:
    """The case the reader may see (else 404, the refusal audited), and, for a change, only if
    they may write the school's records (else 404 too). A page that shows the case records
    one read; a POST records its write instead."""
    ctx = AuditContext.of(request)
    case = selectors.case_get_for(request.user, reference, ctx=ctx, audit=False)
    if write and not can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=case.school):
        raise Http404
    if request.method != "POST":
        audit_record(Event.CASE_VIEWED, ctx=ctx, actor=request.user, obj=case, school=case.school_id)
    return case, ctx


def _page(request: AuthenticatedHttpRequest, case: Case, current: str | None, **context: Any) -> dict[str, Any]:
    """What every case page shows: the short header (reference, children, status) and the nav."""
    return {
        "case": case,
        "case_nav": case_nav(case, current),
        "is_dsl": can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=case.school),
        "today": clock.localdate(),
        **context,
    }


def _readers(case: Case) -> QuerySet[User]:
    """Who may read the school's cases: who a task can go to, who a restricted case can name."""
    return User.objects.filter(
        pk__in=holders_of(Capability.READ_SCHOOL_RECORDS, school_ids=[case.school_id]).values("user_id")
    ).order_by("full_name")


def _latest(rows: list[Any], key: str) -> dict[Any, Any]:
    latest: dict[Any, Any] = {}
    for row in rows:
        latest[getattr(row, key)] = row
    return latest


def _children(case: Case, parents: dict[int, Any] | None = None) -> list[dict[str, Any]]:
    today = clock.localdate()
    return [
        {"link": c, "age": rules.age_on(c.pupil.date_of_birth, today), "parents": (parents or {}).get(c.pupil_id)}
        for c in case.children.all()
    ]


def _flags(request: AuthenticatedHttpRequest, case: Case) -> list[str]:
    return selectors.repeat_involvement_flags_for_children(
        request.user, school_id=case.school_id, pupil_ids=[c.pupil_id for c in case.children.all()]
    )


def _referrals(case: Case) -> list[dict[str, Any]]:
    """The case's referrals with their outcomes, the day each outcome is due, and whether late."""
    referrals = list(case.referrals.select_related("by", "pupil").prefetch_related("outcomes"))
    closures = closures_by_school(
        [case.school_id], since=min((r.referred_on for r in referrals), default=clock.localdate())
    ).get(case.school_id, [])
    today = clock.localdate()
    rows = []
    for r in referrals:
        due = selectors.referral_due(r, closures)
        outcomes = list(r.outcomes.all())
        rows.append({"referral": r, "outcomes": outcomes, "due": due, "overdue": not outcomes and due < today})
    return rows


def _prompts(case: Case) -> list[tuple[rules.Prompt, bool]]:
    """The statutory starting points that apply to the case (DESIGN §3 rules 3-4), each with
    whether the current routes meet it."""
    routes = services.current_routes(case)
    return [(p, p.routes_needed <= routes) for p in services.case_prompts(case)]


def _close_position(case: Case, decisions: list[Any], parents: dict[int, Any]) -> dict[str, Any]:
    """Routes, statutory prompts and what is still needed before the case can close."""
    routes = services.current_routes(case)
    prompts = services.case_prompts(case)
    events = list(case.events.filter(kind__in=services.PROMPT_CHANGES))
    return {
        "routes": [ROUTE_LABELS[r] for r in Route.values if r in routes],
        "prompts": [(p, p.routes_needed <= routes) for p in prompts],
        "close_blockers": services.close_blockers_from(
            routes=routes,
            prompts=prompts,
            explained=services.prompts_explained(decisions, events),
            children=list(case.children.all()),
            told=set(parents),
        ),
    }


# -- The summary and the sections ----------------------------------------------------------------


@login_required
@require_safe
def case_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The summary: what a DSL needs to know at a glance, then the sections."""
    case, _ = _case_for(request, reference)
    decisions = list(case.decisions.all())
    parents = _latest(list(case.parents_informed.all()), "pupil_id")
    position = _close_position(case, decisions, parents)
    tasks = list(case.tasks.filter(done_at__isnull=True).select_related("assignee"))
    if tasks and case.status == Case.Status.OPEN:
        position["close_blockers"].append(
            f"Complete or hand over the {len(tasks)} open task{'s' if len(tasks) != 1 else ''}."
        )
    plans = plan_selectors.case_plans(case)
    reviews = sorted((p for p in plans if p.is_open), key=lambda p: p.review_date)
    referrals = _referrals(case)
    return render(
        request,
        "cases/case_detail.html",
        _page(
            request,
            case,
            "summary",
            children=_children(case, parents),
            next_task=tasks[0] if tasks else None,
            open_tasks=len(tasks),
            next_review=reviews[0] if reviews else None,
            waiting=[r for r in referrals if not r["outcomes"]],
            police=police_selectors.police_position(case),
            flags=_flags(request, case),
            **position,
        ),
    )


@login_required
@require_safe
def case_concerns(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    return render(request, "cases/section_concerns.html", _page(request, case, "concerns", flags=_flags(request, case)))


@login_required
@require_safe
def case_considerations(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    answers = _latest(list(case.consideration_answers.select_related("by")), "item")
    items = [
        {"item": value, "label": label, "answer": answers.get(value), "form": _consideration_form(case, value)}
        for value, label in Consideration.choices
    ]
    # Wishes recorded on their own before the checklist asked for them once: still shown.
    wishes = list(case.events.filter(kind=CaseEvent.Kind.WISHES).select_related("by"))
    return render(
        request, "cases/section_considerations.html", _page(request, case, "considerations", items=items, wishes=wishes)
    )


@login_required
@require_safe
def case_decisions(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    decisions = list(case.decisions.select_related("by"))
    parents = _latest(list(case.parents_informed.select_related("by")), "pupil_id")
    referrals = _referrals(case)
    for row in referrals:
        row["form"] = _outcome_form(case, row["referral"])
    return render(
        request,
        "cases/section_decisions.html",
        _page(
            request,
            case,
            "decisions",
            decisions=decisions,
            children=_children(case, parents),
            referrals=referrals,
            decision_form=DECISION.blank(case),
            parents_form=PARENTS.blank(case),
            referral_form=REFERRAL.blank(case),
            **_close_position(case, decisions, parents),
        ),
    )


@login_required
@require_safe
def case_support(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    return render(
        request,
        "cases/section_support.html",
        _page(
            request,
            case,
            "support",
            support=list(case.support.select_related("by", "pupil")),
            sanctions=list(case.sanctions.select_related("by", "pupil")),
            support_form=SUPPORT.blank(case),
            sanction_form=SANCTION.blank(case),
        ),
    )


@login_required
@require_safe
def case_plans(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    plans = plan_selectors.case_plans(case)
    by_child = [
        {
            "link": c,
            "plans": [p for p in plans if p.pupil_id == c.pupil_id],
            "has_open": any(p.pupil_id == c.pupil_id and p.is_open for p in plans),
        }
        for c in case.children.all()
    ]
    return render(request, "cases/section_plans.html", _page(request, case, "plans", plans=by_child))


@login_required
@require_safe
def case_tasks(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    return render(
        request,
        "cases/section_tasks.html",
        _page(
            request,
            case,
            "tasks",
            tasks=list(case.tasks.select_related("assignee", "done_by")),
            task_form=TASK.blank(case),
        ),
    )


@login_required
@require_safe
def case_access(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    case, _ = _case_for(request, reference)
    parents = _latest(list(case.parents_informed.all()), "pupil_id")
    return render(
        request,
        "cases/section_access.html",
        _page(
            request,
            case,
            "access",
            children=_children(case, parents),
            child_form=CHILD_ADD.blank(case),
            access_form=ACCESS.blank(case),
        ),
    )


# -- One page per change -------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One change to a case: its form, what saving does, and where the DSL returns to.

    ``save(by, case, data, ctx, record)`` calls the one service that makes the change and
    returns the new record (its anchor in the section is ``anchor(record)``); ``record`` is the
    referral or task named in the address, if any."""

    title: str
    button: str
    section: str
    form: type[forms._CaseForm]
    save: Callable[..., Any]
    anchor: Callable[[Any], str]
    id_prefix: str
    hint: str = ""
    form_kwargs: Callable[[Case], dict[str, Any]] = lambda case: {}
    initial: Callable[[Case], dict[str, Any]] = lambda case: {}
    saved: str = "Saved."
    # What the form page shows beside the form (the statutory prompts beside a decision).
    context: Callable[[Case], dict[str, Any]] = lambda case: {}

    def blank(self, case: Case, *, auto_id: str | None = None, initial: dict[str, Any] | None = None) -> Any:
        """The form, empty, for the section page or the form page."""
        return self.form(
            case=case,
            auto_id=auto_id or f"{self.id_prefix}-%s",
            initial={**self.initial(case), **(initial or {})},
            **self.form_kwargs(case),
        )


def _act(
    request: AuthenticatedHttpRequest,
    reference: str,
    action: Action,
    *,
    find: Callable[[Case], Any] | None = None,
    auto_id: Callable[[Any], str] | None = None,
    initial: Callable[[Any], dict[str, Any]] | None = None,
    subject: Callable[[Any], str] | None = None,
) -> HttpResponse:
    """GET: the form alone. POST: save, then back to the section at the record; refused, the
    form again as typed, each error beside its field (status 400).

    ``find(case)`` gives the record the address names (a referral, a task, a checklist item)
    or None for 404; ``auto_id``, ``initial`` and ``subject`` (a line naming it) follow it."""
    case, ctx = _case_for(request, reference, write=True)
    record = find(case) if find else None
    if find and record is None:
        raise Http404
    ids = auto_id(record) if auto_id else None
    start = initial(record) if initial else None
    if request.method != "POST":
        form = action.blank(case, auto_id=ids, initial=start)
        return _action_page(request, case, action, form, record, subject, status=200)
    form = action.form(
        request.POST, case=case, auto_id=ids or f"{action.id_prefix}-%s", initial=start, **action.form_kwargs(case)
    )
    if form.is_valid():
        try:
            saved = action.save(request.user, case, form.cleaned_data, ctx, record)
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(request, action.saved)
            section = reverse(_SECTION_VIEW[action.section], args=[case.reference])
            return redirect(f"{section}#{action.anchor(saved)}")
    _errors_of_hidden_fields_on_top(form)
    return _action_page(request, case, action, form, record, subject, status=400)


def _errors_of_hidden_fields_on_top(form: Any) -> None:
    """An error on a hidden field (the case's version) has no field to sit beside: it goes at
    the top of the form, where the summary lists it too."""
    for field in form.hidden_fields():
        for error in form.errors.pop(field.name, []):
            form.add_error(None, error)


def _action_page(
    request: AuthenticatedHttpRequest,
    case: Case,
    action: Action,
    form: Any,
    record: Any,
    subject: Callable[[Any], str] | None,
    *,
    status: int,
) -> HttpResponse:
    section = next(label for key, label, _ in SECTIONS if key == action.section)
    return render(
        request,
        "cases/action_form.html",
        _page(
            request,
            case,
            None,
            action=action,
            form=form,
            subject=subject(record) if subject else "",
            post_url=request.path,
            back_url=reverse(_SECTION_VIEW[action.section], args=[case.reference]),
            back_label=section,
            **action.context(case),
        ),
        status=status,
    )


# The changes. Each ``save`` is one service call; the services check the rules again.


def _service(service: Callable[..., Any], *fields: str) -> Callable[..., Any]:
    """A ``save`` that calls ``service`` with the form's ``fields``, which the service names
    alike; a service that records several rows (a decision on two routes) gives the first."""

    def save(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, _: Any) -> Any:
        saved = service(by=by, case=case, ctx=ctx, **{name: d[name] for name in fields})
        return saved[0] if isinstance(saved, list) else saved

    return save


def _outcome(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, referral: Referral) -> Any:
    services.referral_outcome_record(
        by=by,
        referral=referral,
        outcome=d["outcome"],
        outcome_on=d["outcome_on"],
        agency_reference=d["agency_reference"],
        ctx=ctx,
    )
    return referral


def _task_done(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, task: Task) -> Any:
    return services.task_complete(by=by, task=task, ctx=ctx)


def _answer(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, item: str) -> Any:
    services.consideration_answer(
        by=by, case=case, item=item, answer=d["answer"], notes=d["notes"], version=d["version"], ctx=ctx
    )
    return item


def _event(kind: str) -> Callable[..., Any]:
    def save(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, _: Any) -> Any:
        return services.case_event_record(by=by, case=case, kind=kind, text=d["text"], version=d["version"], ctx=ctx)

    return save


def _child(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, _: Any) -> Any:
    matches = pupils_matching(school_id=case.school_id, query=d["query"])
    if len(matches) != 1:
        raise ApplicationError(
            "Child's name or UPN: no pupil on the roll matches that name."
            if not matches
            else f"Child's name or UPN: {len(matches)} pupils match. Add more of the name, or use the UPN.",
            field="query",
        )
    return services.case_child_add(by=by, case=case, pupil=matches[0], role=d["role"], ctx=ctx)


def _access(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, _: Any) -> Any:
    return services.case_access_set(
        by=by,
        case=case,
        restricted=d["restricted"],
        named_users=list(d["named"]),
        shared_with_trust=d["shared_with_trust"],
        version=d["version"],
        ctx=ctx,
    )


def _pk(prefix: str) -> Callable[[Any], str]:
    return lambda record: f"{prefix}-{record.pk}"


DECISION = Action(
    "Record a decision",
    "Record decision",
    "decisions",
    forms.DecisionForm,
    _service(services.decisions_record, "routes", "rationale", "withdraw", "statutory_override", "version"),
    _pk("decision"),
    "decision",
    hint="Policy §7: the route or routes, and why. Several may apply.",
    context=lambda case: {"prompts": _prompts(case)},
)
PARENTS = Action(
    "Record whether parents or carers were informed",
    "Record",
    "decisions",
    forms.ParentsInformedForm,
    _service(services.parents_informed_record, "pupil", "informed", "informed_on", "rationale"),
    lambda row: f"child-{row.pupil_id}",
    "parents",
    hint="Parents or carers are informed unless that would put a child at greater risk (policy §10). "
    "Record it for each child, either way.",
)
REFERRAL = Action(
    "Make a referral",
    "Record referral",
    "decisions",
    forms.ReferralForm,
    _service(
        services.referral_make,
        *("agency", "referred_on", "pupil", "organisation_name", "agency_reference", "notes"),
    ),
    _pk("referral"),
    "referral",
    hint="Every referral waits for an outcome: it is due within 10 school days.",
    initial=lambda case: {"referred_on": clock.localdate()},
)
OUTCOME = Action(
    "Record the outcome of a referral",
    "Save outcome",
    "decisions",
    forms.OutcomeForm,
    _outcome,
    _pk("referral"),
    "outcome",
)
SUPPORT = Action(
    "Record support for a child",
    "Record support",
    "support",
    forms.SupportForm,
    _service(services.support_record, "pupil", "description"),
    _pk("support"),
    "support",
    hint="Every child involved gets a safeguarding response, the child alleged to have harmed included (policy §6).",
)
SANCTION = Action(
    "Record a sanction",
    "Record sanction",
    "support",
    forms.SanctionForm,
    _service(services.sanction_record, "pupil", "description", "decided_on"),
    _pk("sanction"),
    "sanction",
    hint="Recorded apart from safeguarding decisions, under the behaviour policy (policy §11).",
    initial=lambda case: {"decided_on": clock.localdate()},
)
TASK = Action(
    "Add a task",
    "Add task",
    "tasks",
    forms.TaskForm,
    _service(services.task_add, "title", "assignee", "due_on"),
    _pk("task"),
    "task",
    form_kwargs=lambda case: {"assignees": _readers(case)},
)
TASK_DONE = Action(
    "Mark a task as done",
    "Mark done",
    "tasks",
    forms.TaskDoneForm,
    _task_done,
    _pk("task"),
    "done",
    saved="Task marked as done.",
)
ANSWER = Action(
    "Answer a consideration",
    "Save answer",
    "considerations",
    forms.ConsiderationForm,
    _answer,
    lambda item: f"consideration-{item}",
    "c",
    hint="Policy §7. Each answer is kept; a new answer replaces the one shown, and both stay in the chronology.",
)
CHILD_ADD = Action(
    "Add a child to the case",
    "Add child",
    "access",
    forms.ChildForm,
    _child,
    lambda link: f"child-{link.pupil_id}",
    "child",
)
ACCESS = Action(
    "Change who can open this case",
    "Save access",
    "access",
    forms.AccessForm,
    _access,
    lambda case: "access",
    "access",
    form_kwargs=lambda case: {"readers": _readers(case)},
    initial=lambda case: {
        "restricted": case.restricted,
        "shared_with_trust": case.shared_with_trust,
        "named": list(case.restricted_to.all()),
    },
)
CLOSE = Action(
    "Close the case",
    "Close case",
    "summary",
    forms.CloseForm,
    _event(CaseEvent.Kind.CLOSED),
    lambda event: "status",
    "close",
    saved="Case closed.",
)
REOPEN = Action(
    "Reopen the case",
    "Reopen case",
    "summary",
    forms.ReopenForm,
    _event(CaseEvent.Kind.REOPENED),
    lambda event: "status",
    "reopen",
    saved="Case reopened.",
)


def _outcome_ids(referral: Referral) -> str:
    """Each referral's outcome form has its own ids: several share the decisions page."""
    return f"outcome-{referral.pk}-%s"


def _outcome_form(case: Case, referral: Referral) -> Any:
    return OUTCOME.blank(case, auto_id=_outcome_ids(referral), initial={"agency_reference": referral.agency_reference})


def _consideration_form(case: Case, item: str) -> Any:
    return ANSWER.blank(case, auto_id=f"c-{item}-%s")


def _change(action: Action, name: str) -> Callable[..., HttpResponse]:
    """The view of a change whose address names only the case: its form, then its save."""

    @login_required
    def view(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
        return _act(request, reference, action)

    view.__name__ = view.__qualname__ = name
    view.__doc__ = f"{action.title}: the form alone, then the save (see :func:`_act`)."
    return view


decision_new = _change(DECISION, "decision_new")
parents_new = _change(PARENTS, "parents_new")
referral_new = _change(REFERRAL, "referral_new")
support_new = _change(SUPPORT, "support_new")
sanction_new = _change(SANCTION, "sanction_new")
task_new = _change(TASK, "task_new")
child_new = _change(CHILD_ADD, "child_new")
access_change = _change(ACCESS, "access_change")
case_close = _change(CLOSE, "case_close")
case_reopen = _change(REOPEN, "case_reopen")


@login_required
def referral_outcome(request: AuthenticatedHttpRequest, reference: str, referral_id: int) -> HttpResponse:
    return _act(
        request,
        reference,
        OUTCOME,
        find=lambda case: case.referrals.filter(pk=referral_id).first(),
        auto_id=_outcome_ids,
        initial=lambda r: {"agency_reference": r.agency_reference},
        subject=lambda r: f"{r}, made {r.referred_on:%-d %b %Y}",
    )


@login_required
def task_done(request: AuthenticatedHttpRequest, reference: str, task_id: int) -> HttpResponse:
    return _act(
        request,
        reference,
        TASK_DONE,
        find=lambda case: case.tasks.filter(pk=task_id).select_related("assignee").first(),
        subject=lambda t: f"{t.title}: {t.assignee.full_name}, due {t.due_on:%-d %b %Y}",
    )


@login_required
def consideration_answer(request: AuthenticatedHttpRequest, reference: str, item: str) -> HttpResponse:
    labels = dict(Consideration.choices)
    return _act(
        request,
        reference,
        ANSWER,
        find=lambda case: item if item in labels else None,
        auto_id=lambda item: f"c-{item}-%s",
        subject=lambda item: labels[item],
    )
