"""Recording a concern, reading one, amending it, and its attachments."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from haven.access.policy import Capability, can, deny, has_any, may_amend_concern, school_list_for
from haven.accounts.decorators import two_factor_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core.converters import parse_id
from haven.core.errors import ApplicationError
from haven.people.models import Pupil

from . import bodymap, selectors, services
from .forms import AmendmentForm, ConcernForm, category_groups
from .models import ChildRole, Concern

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest
    from haven.organisations.models import School


def _school_for_recording(request: AuthenticatedHttpRequest) -> tuple[School, list[School]]:
    schools = school_list_for(request.user, Capability.RECORD_CONCERN)
    if not schools:
        raise Http404
    wanted = request.POST.get("school") or request.GET.get("school")
    for school in schools:
        if wanted and str(school.pk) == wanted:
            return school, schools
    return schools[0], schools


@login_required
def concern_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Record a concern: children with roles, when, where, what happened in the child's
    words. A form with errors keeps everything typed (except files, which browsers never
    resend; the page says so)."""
    school, schools = _school_for_recording(request)
    # /concerns/new/?pupil=<id>: "record a concern about this child", from the child's page.
    # Only a child on the roll of a school the person records for; any other id is ignored.
    pupil = None
    if request.method == "GET" and (pupil_id := parse_id(request.GET.get("pupil", ""))) is not None:
        pupil = Pupil.objects.filter(pk=pupil_id, school__in=schools, left_on__isnull=True).first()
        if pupil is not None:
            school = next(s for s in schools if s.pk == pupil.school_id)
    form = ConcernForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        school=school,
        pupil=pupil,
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                concern = services.concern_submit(
                    by=request.user,
                    school=school,
                    children=[services.ChildInConcern(r.pupil.pk, r.role) for r in data["children"]],
                    occurred_at=data["occurred_at"],
                    time_known=data["time_known"],
                    location=data["location"],
                    location_detail=data["location_detail"],
                    online_platform=data["online_platform"],
                    category_ids=[c.pk for c in data["categories"]],
                    what_happened=data["what_happened"],
                    child_words=data["child_words"],
                    actions_taken=data["actions_taken"],
                    child_told_next_steps=data["child_told_next_steps"],
                    urgent=data["urgent"],
                    attachments=data["attachments"],
                    marks=[services.MarkOnBody(m.region, m.description, m.pupil.pk) for m in data["marks"]],
                    ctx=AuditContext.of(request),
                )
            except ApplicationError as exc:
                exc.add_to(form)
            else:
                messages.success(
                    request,
                    f"Thank you. Your concern {concern.reference} has been sent to the safeguarding leads"
                    + (" and they have been alerted that it is urgent." if concern.urgent else "."),
                )
                if request.user.is_verified():
                    return redirect("concerns:detail", reference=concern.reference)
                return redirect("concerns:mine")
        status = 400
    return render(
        request,
        "concerns/concern_new.html",
        {
            "form": form,
            "school": school,
            "schools": schools,
            "roles": ChildRole.choices,
            "category_groups": category_groups(form),
            "body_map": bodymap.figure(
                [
                    {"number": r.index, "region": r.region, "description": r.description}
                    for r in form.mark_rows
                    if r.region in bodymap.BY_CODE
                ]
            ),
        },
        status=status,
    )


@login_required
@require_GET
def pupil_search(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Type-ahead for naming children (JSON); the form works without it."""
    school_id = parse_id(request.GET.get("school", ""))
    if school_id is None:
        return JsonResponse({"pupils": []})
    pupils = selectors.pupil_search_for(request.user, school_id=school_id, query=request.GET.get("q", ""))
    return JsonResponse(
        {"pupils": [{"id": p.pk, "label": f"{p.display_name} (Year {p.year_group}) #{p.pk}"} for p in pupils]}
    )


@login_required
def concern_mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The member of staff's own concerns and whether a safeguarding lead has received them."""
    if not has_any(request.user, Capability.RECORD_CONCERN):
        raise Http404
    page = Paginator(selectors.concerns_recorded_by(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "concerns/concern_mine.html", {"page": page})


def _detail_context(
    request: AuthenticatedHttpRequest, concern: Concern, amend_form: AmendmentForm | None = None
) -> dict[str, Any]:
    """The concern's page; the amendment form only for those who may amend it."""
    can_amend = may_amend_concern(request.user, concern)
    marks = list(concern.body_marks.select_related("pupil")) if concern.body_mark_count else []
    return {
        "concern": concern,
        "marks": marks,
        "body_map": bodymap.figure(marks) if marks else None,
        "amend_form": (amend_form or AmendmentForm()) if can_amend else None,
        "is_dsl": can(request.user, Capability.WRITE_SCHOOL_RECORDS, school=concern.school),
        "reads_school": can(request.user, Capability.READ_SCHOOL_RECORDS, school=concern.school),
    }


@login_required
@two_factor_required
def concern_detail(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    concern = selectors.concern_get_for(request.user, reference, ctx=AuditContext.of(request))
    return render(request, "concerns/concern_detail.html", _detail_context(request, concern))


@login_required
@two_factor_required
@require_POST
def concern_amend(request: AuthenticatedHttpRequest, reference: str) -> HttpResponse:
    """Only those who may add to the record amend it; to anyone else who can read the
    concern (a head, a trust lead) the address answers 404, as a record they cannot see does."""
    ctx = AuditContext.of(request)
    concern = selectors.concern_get_for(request.user, reference, ctx=ctx)
    if not may_amend_concern(request.user, concern):
        raise deny(
            ctx,
            actor=request.user,
            object_type="concerns.concern",
            object_id=reference,
            school=concern.school_id,
            reason="amend",
        )
    form = AmendmentForm(request.POST)
    if form.is_valid():
        try:
            services.amendment_add(
                by=request.user,
                concern=concern,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                ctx=ctx,
            )
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(request, "Your amendment has been added. The original record is unchanged.")
            return redirect("concerns:detail", reference=concern.reference)
    return render(request, "concerns/concern_detail.html", _detail_context(request, concern, form), status=400)


@login_required
@two_factor_required
def attachment_download(request: AuthenticatedHttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """Served only through this access-checked, audited view; never from the web root."""
    ctx = AuditContext.of(request)
    concern = selectors.concern_get_for(request.user, reference, ctx=ctx)
    attachment = next((a for a in concern.attachments.all() if a.pk == attachment_id), None)
    if attachment is None:
        raise Http404
    audit_record(Event.ATTACHMENT_DOWNLOADED, ctx=ctx, actor=request.user, obj=attachment, school=concern.school_id)
    response = FileResponse(
        attachment.file.open("rb"),
        content_type=attachment.content_type,
        as_attachment=True,
        filename=attachment.original_name,
    )
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def concern_url(concern: Concern) -> str:
    return reverse("concerns:detail", kwargs={"reference": concern.reference})
