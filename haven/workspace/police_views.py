"""A case's police investigation (policy §12): its section, and one page per change, each
working as the case's other changes do (haven/workspace/case_views.py: the form alone on GET,
the save then back to the section at the record, or the form again as typed with each error
beside its field)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from haven.accounts.models import User
from haven.audit.context import AuditContext
from haven.cases.models import Case
from haven.core.http import AuthenticatedHttpRequest
from haven.police import forms, selectors, services
from haven.police.models import BailCondition

from .case_views import Action, _act, _case_for, _change, _page, _pk, _service


@login_required
@require_safe
def case_police(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """The police section: the officer and how to reach them, the crime reference, bail
    conditions in force and past, charging decisions and court dates."""
    case, _ = _case_for(request, reference)
    return render(
        request,
        "cases/section_police.html",
        _page(request, case, "police", police=selectors.police_position(case)),
    )


def _current_details(case: Case) -> dict[str, Any]:
    """A change of details starts from the current ones (the notes start empty)."""
    current = case.police_versions.order_by("-version").first()
    if current is None:
        return {"based_on": 0}
    return {**{name: getattr(current, name) for name in services.CONTACT_FIELDS}, "based_on": current.version}


def _vary(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, bail: BailCondition) -> Any:
    return services.bail_condition_vary(
        by=by, bail=bail, condition=d["condition"], until=d["until"], reason=d["reason"], ctx=ctx
    )


def _end(by: User, case: Case, d: dict[str, Any], ctx: AuditContext, bail: BailCondition) -> Any:
    services.bail_condition_end(by=by, bail=bail, reason=d["reason"], ctx=ctx)
    return bail


INVESTIGATION = Action(
    "Record the police investigation",
    "Save",
    "police",
    forms.InvestigationForm,
    _service(
        services.investigation_record,
        *("force", "officer_name", "officer_rank", "phone", "email", "crime_reference", "notes", "based_on"),
    ),
    lambda row: "officer",
    "police",
    hint="Policy §12: a central point of contact with the police for updates and progress. "
    "A change is saved as a new version; the earlier details stay in the chronology.",
    initial=_current_details,
    saved="Police details saved.",
)
BAIL = Action(
    "Record a bail condition",
    "Record bail condition",
    "police",
    forms.BailForm,
    _service(services.bail_condition_record, "pupil", "condition", "until"),
    _pk("bail"),
    "bail",
    hint="The open safety plans in this case will be due for review today, to take the condition into account.",
    saved="Bail condition recorded. The open safety plans in this case are due for review.",
)
BAIL_VARY = Action(
    "Vary a bail condition",
    "Save the varied condition",
    "police",
    forms.BailVaryForm,
    _vary,
    _pk("bail"),
    "vary",
    hint="The condition as it was stays in the chronology. The open safety plans will be due for review.",
    saved="Bail condition varied. The open safety plans in this case are due for review.",
)
BAIL_END = Action(
    "End a bail condition",
    "End the condition",
    "police",
    forms.BailEndForm,
    _end,
    _pk("bail"),
    "end",
    hint="The open safety plans in this case will be due for review.",
    saved="Bail condition ended. The open safety plans in this case are due for review.",
)
CHARGE = Action(
    "Record a charging decision",
    "Record decision",
    "police",
    forms.ChargeForm,
    _service(services.charging_decision_record, "outcome", "pupil", "decided_on", "notes"),
    _pk("charge"),
    "charge",
    hint="As the police told you. A later decision replaces it as the current one; both are kept.",
)
COURT = Action(
    "Record a court date",
    "Record court date",
    "police",
    forms.CourtDateForm,
    _service(services.court_date_record, "on", "court", "hearing", "pupil", "notes"),
    _pk("court"),
    "court",
)

police_new = _change(INVESTIGATION, "police_new")
bail_new = _change(BAIL, "bail_new")
charge_new = _change(CHARGE, "charge_new")
court_new = _change(COURT, "court_new")


def _bail_subject(bail: BailCondition) -> str:
    return f"{bail.pupil.display_name}: {bail.condition} (until {bail.until:%-d %b %Y})"


@login_required
def bail_vary(request: AuthenticatedHttpRequest, reference: str, bail_id: int) -> HttpResponse:
    return _act(
        request,
        reference,
        BAIL_VARY,
        find=lambda case: selectors.bail_in_force_on(case, bail_id),
        initial=lambda bail: {"condition": bail.condition, "until": bail.until},
        subject=_bail_subject,
    )


@login_required
def bail_end(request: AuthenticatedHttpRequest, reference: str, bail_id: int) -> HttpResponse:
    return _act(
        request,
        reference,
        BAIL_END,
        find=lambda case: selectors.bail_in_force_on(case, bail_id),
        subject=_bail_subject,
    )
