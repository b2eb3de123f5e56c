"""Pupils' pages (no account) and the DSL's inbox.

Pupil pages set no cookie but the CSRF cookie their forms need, load nothing from outside,
are never cached, and each has a quick-exit button. Pupils' network addresses are used only
as rate-limit keys, each an HMAC under a salt of the day (haven.pupil_voice.limits), and
never stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST

from haven.access.policy import Capability, schools_for
from haven.accounts.decorators import two_factor_required
from haven.audit.context import PUPIL_PAGE, AuditContext
from haven.concerns.forms import ConcernForm, category_groups
from haven.concerns.models import ChildRole
from haven.concerns.services import ChildInConcern
from haven.core.converters import parse_id
from haven.core.errors import ApplicationError
from haven.core.forms import choice_field
from haven.organisations.models import School
from haven.resources.models import Kind, Resource
from haven.resources.selectors import phase_q

from . import explainers, limits, selectors, services
from .forms import (
    WHERE_PICTURES,
    CheckForm,
    CloseForm,
    MaliciousForm,
    PupilMessageForm,
    PupilReportForm,
    StaffMessageForm,
    VoiceSettingsForm,
    phase_of,
)
from .models import WHERE_TO_LOCATION, PupilReport, VoiceSettings

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

QUICK_EXIT_URL = "https://www.bbc.co.uk/weather"


# -- Pupils ---------------------------------------------------------------------------------
def _pupil_page(request: HttpRequest, template: str, context: dict[str, Any], status: int = 200) -> HttpResponse:
    school = context.get("school")
    context = {
        "quick_exit_url": QUICK_EXIT_URL,
        "phase": phase_of(school) if school else "secondary",
        "topics": explainers.TOPICS,
        **context,
    }
    response = render(request, template, context, status=status)
    add_never_cache_headers(response)
    # Same-origin, not no-referrer: with no-referrer browsers send "Origin: null" on the
    # form's POST and the CSRF check refuses it. Nothing leaks to other sites either way.
    response["Referrer-Policy"] = "same-origin"
    return response


def _school(code: str) -> School:
    # A code is letters and digits (organisations.new_report_code); anything else, such as a
    # NUL that PostgreSQL refuses, is simply not a school.
    if not (code.isascii() and code.isalnum() and len(code) <= 32):
        raise Http404
    return get_object_or_404(School.objects.only("name", "phase", "report_code"), report_code=code)


def _slow_down(request: HttpRequest, school: School | None) -> HttpResponse:
    return _pupil_page(request, "pupil_voice/tell_slow_down.html", {"school": school}, status=429)


def tell(request: HttpRequest, code: str) -> HttpResponse:
    """A school's reporting page: tell us what happened, anonymously if you wish."""
    school = _school(code)
    phase = phase_of(school)
    form = PupilReportForm(request.POST if request.method == "POST" else None, phase=phase)
    status = 200
    if request.method == "POST":
        address = limits.network_address(request)
        if limits.over(limits.REPORTS_PER_SCHOOL, school.report_code) or limits.over(
            limits.REPORTS_PER_ADDRESS, address
        ):
            return _slow_down(request, school)
        if form.is_valid():
            try:
                made = services.report_submit(school=school, ctx=PUPIL_PAGE, **form.cleaned_data)
            except ApplicationError as exc:
                exc.add_to(form)
            else:
                limits.hit(limits.REPORTS_PER_SCHOOL, school.report_code)
                limits.hit(limits.REPORTS_PER_ADDRESS, address)
                # Shown once, never stored: no redirect, so nothing is kept to show it again.
                return _pupil_page(
                    request,
                    "pupil_voice/tell_done.html",
                    {"school": school, "report": made.report, "passphrase": made.passphrase},
                )
        status = 400
    where = cast("list[tuple[str, str]]", choice_field(form, "where").choices)  # the form's Where choices
    where_choices = [(value, label, WHERE_PICTURES.get(value, "")) for value, label in where]
    return _pupil_page(
        request,
        "pupil_voice/tell.html",
        {
            "school": school,
            "form": form,
            "where_choices": where_choices,
            "settings": _voice_settings(school),
            "survey_open": selectors.open_survey_for(school) is not None,
        },
        status=status,
    )


def _voice_settings(school: School) -> VoiceSettings | None:
    return VoiceSettings.objects.filter(school=school).first()


def _local_help(school: School) -> list[Any]:
    """Local support organisations and helplines for pupils of this phase, from the
    authority's curated resource bank (approved items only: public information)."""

    return list(
        Resource.objects.filter(
            status=Resource.Status.APPROVED,
            for_pupils=True,
            national=False,
            authority_id=school.authority_id,
            kind__in=[Kind.SUPPORT_ORGANISATION, Kind.HELPLINE],
        )
        .filter(phase_q(phase_of(school)))
        .only("title", "provider", "phone", "url")
        .order_by("title", "pk")[:10]
    )


def explainer(request: HttpRequest, code: str, topic: str) -> HttpResponse:
    school = _school(code)
    if topic not in explainers.TOPICS:
        raise Http404
    return _pupil_page(
        request,
        "pupil_voice/explainer.html",
        {
            "school": school,
            "topic": topic,
            "title": explainers.TOPICS[topic],
            "sections": explainers.PAGES[topic][phase_of(school)],
            "help_links": explainers.HELP_LINKS if topic == "help" else (),
            "local_help": _local_help(school) if topic == "help" else (),
            "settings": _voice_settings(school),
        },
    )


def tell_check(request: HttpRequest) -> HttpResponse:
    """Read replies and write back with a reference and passphrase. A wrong or unknown
    reference gets the same answer; repeated failures lock the reference for a while."""
    if request.method != "POST":
        return _pupil_page(request, "pupil_voice/check.html", {"form": CheckForm()})
    address = limits.network_address(request)
    if limits.over(limits.CHECKS_PER_ADDRESS, address):
        return _slow_down(request, None)
    limits.hit(limits.CHECKS_PER_ADDRESS, address)
    if "token" in request.POST:
        return _check_write(request)
    form = CheckForm(request.POST)
    if form.is_valid():
        try:
            report = services.report_check(
                reference=form.cleaned_data["reference"], passphrase=form.cleaned_data["passphrase"]
            )
        except ApplicationError as exc:
            form = CheckForm(initial={"reference": form.cleaned_data["reference"]})
            return _pupil_page(request, "pupil_voice/check.html", {"form": form, "refused": exc.message}, status=400)
        return _thread(request, report, PupilMessageForm())
    return _pupil_page(request, "pupil_voice/check.html", {"form": form}, status=400)


def _check_write(request: HttpRequest) -> HttpResponse:
    try:
        report = services.report_from_token(request.POST.get("token", ""))
    except ApplicationError as exc:
        return _pupil_page(request, "pupil_voice/check.html", {"form": CheckForm(), "refused": exc.message}, status=400)
    form = PupilMessageForm(request.POST)
    if form.is_valid():
        try:
            services.pupil_message_add(report=report, body=form.cleaned_data["body"], ctx=PUPIL_PAGE)
        except ApplicationError as exc:
            form.add_error("body", exc.message)
        else:
            return _thread(request, report, PupilMessageForm(), sent=True)
    return _thread(request, report, form, status=400)


def _thread(
    request: HttpRequest, report: PupilReport, form: PupilMessageForm, *, sent: bool = False, status: int = 200
) -> HttpResponse:
    return _pupil_page(
        request,
        "pupil_voice/check_thread.html",
        {
            "school": report.school,
            "report": report,
            "thread": list(report.messages.all()),
            "form": form,
            "token": services.check_token(report),
            "sent": sent,
        },
        status=status,
    )


# -- The DSL's inbox ------------------------------------------------------------------------
def _inbox_schools(request: AuthenticatedHttpRequest) -> list[School]:
    schools = list(schools_for(request.user, Capability.PUPIL_VOICE_INBOX).order_by("name"))
    if not schools:
        raise Http404
    return schools


@login_required
@two_factor_required
def inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    """New reports (urgent first), with filters and pages."""
    schools = _inbox_schools(request)
    show = request.GET.get("show", "open")
    if show not in selectors.FILTERS:
        show = "open"
    school_id = request.GET.get("school", "")
    school_id_int = parse_id(school_id)
    reports = selectors.report_list_for(request.user, show=show, school_id=school_id_int)
    page = Paginator(reports, 25).get_page(request.GET.get("page"))
    query = f"show={show}" + (f"&school={school_id_int}" if school_id_int else "")
    return render(
        request,
        "pupil_voice/inbox.html",
        {
            "page": page,
            "show": show,
            "filters": [(k, label) for k, (label, _) in selectors.FILTERS.items()],
            "schools": schools,
            "school_id": school_id_int,
            "query": query,
            "new_count": selectors.new_report_count_for(request.user),
        },
    )


def _report(request: AuthenticatedHttpRequest, report_id: int, ctx: AuditContext) -> PupilReport:
    return selectors.report_get_for(request.user, report_id, ctx=ctx)


@login_required
@two_factor_required
def detail(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    report = _report(request, report_id, ctx)
    services.report_mark_read(by=request.user, report=report, ctx=ctx)
    return _detail(request, report)


def _detail(
    request: HttpRequest,
    report: PupilReport,
    *,
    message_form: StaffMessageForm | None = None,
    close_form: CloseForm | None = None,
    malicious_form: MaliciousForm | None = None,
    status: int = 200,
) -> HttpResponse:
    thread = list(report.messages.select_related("author"))
    return render(
        request,
        "pupil_voice/detail.html",
        {
            "report": report,
            "thread": thread,
            "message_form": message_form or StaffMessageForm(),
            "close_form": close_form or CloseForm(),
            "malicious_form": malicious_form or MaliciousForm(),
            "alerts": report.alerts.select_related("recipient").order_by("sent_at"),
        },
        status=status,
    )


@login_required
@two_factor_required
@require_POST
def message(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    report = _report(request, report_id, ctx)
    form = StaffMessageForm(request.POST)
    if form.is_valid():
        try:
            services.staff_message_add(
                by=request.user,
                report=report,
                body=form.cleaned_data["body"],
                kind=form.cleaned_data["kind"],
                ctx=ctx,
            )
        except ApplicationError as exc:
            form.add_error("body" if exc.field == "body" else None, exc.message)
        else:
            messages.success(request, "Sent. The pupil will see it when they check with their reference.")
            return redirect("pupil_voice:detail", report_id=report.pk)
    return _detail(request, report, message_form=form, status=400)


@login_required
@two_factor_required
@require_POST
def close(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    report = _report(request, report_id, ctx)
    malicious = request.POST.get("malicious") == "1"
    form: CloseForm | MaliciousForm = (MaliciousForm if malicious else CloseForm)(request.POST)
    if form.is_valid():
        try:
            services.report_close(
                by=request.user, report=report, reason=form.cleaned_data["reason"], malicious=malicious, ctx=ctx
            )
        except ApplicationError as exc:
            form.add_error("reason" if exc.field == "reason" else None, exc.message)
        else:
            messages.success(request, "Report closed." if not malicious else "Report marked as malicious and closed.")
            return redirect("pupil_voice:detail", report_id=report.pk)
    if isinstance(form, MaliciousForm):  # when malicious
        return _detail(request, report, malicious_form=form, status=400)
    return _detail(request, report, close_form=form, status=400)


@login_required
@two_factor_required
def convert(request: AuthenticatedHttpRequest, report_id: int) -> HttpResponse:
    """Make the report into a concern: the DSL names the children and kinds of concern; the
    pupil's words are kept exactly, as the child's words."""
    ctx = AuditContext.of(request)
    report = _report(request, report_id, ctx)
    if report.concern_id or report.is_closed:
        messages.error(request, "This report is already a concern or closed.")
        return redirect("pupil_voice:detail", report_id=report.pk)
    initial = {
        "what_happened": f"A pupil reported this through the school's pupil reporting page ({report.reference}).",
        "child_words": report.what_happened,
        "location": WHERE_TO_LOCATION.get(report.where, "other"),
        "child_told_next_steps": "na",
        "urgent": report.urgent,
    }
    form = ConcernForm(request.POST if request.method == "POST" else None, None, school=report.school, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                concern = services.report_convert(
                    by=request.user,
                    report=report,
                    ctx=ctx,
                    children=[ChildInConcern(r.pupil.pk, r.role) for r in data["children"]],
                    occurred_at=data["occurred_at"],
                    time_known=data["time_known"],
                    location=data["location"],
                    location_detail=data["location_detail"],
                    online_platform=data["online_platform"],
                    category_ids=[c.pk for c in data["categories"]],
                    what_happened=data["what_happened"],
                    actions_taken=data["actions_taken"],
                    child_told_next_steps=data["child_told_next_steps"],
                    urgent=data["urgent"],
                )
            except ApplicationError as exc:
                exc.add_to(form)
            else:
                messages.success(request, f"Report {report.reference} is now concern {concern.reference}.")
                return redirect("pupil_voice:detail", report_id=report.pk)
        status = 400
    return render(
        request,
        "pupil_voice/convert.html",
        {
            "report": report,
            "form": form,
            "school": report.school,
            "roles": ChildRole.choices,
            "category_groups": category_groups(form),
        },
        status=status,
    )


@login_required
@two_factor_required
def voice_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The school's own reporting email and trusted adults, shown on its pupil pages."""
    schools = _inbox_schools(request)
    wanted = request.POST.get("school") or request.GET.get("school")
    school = next((s for s in schools if str(s.pk) == wanted), schools[0])
    current = _voice_settings(school)
    initial = {"reporting_email": current.reporting_email, "trusted_adults": current.trusted_adults} if current else {}
    form = VoiceSettingsForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.voice_settings_update(
                    by=request.user, school=school, ctx=AuditContext.of(request), **form.cleaned_data
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Saved. Pupils see this on the school's reporting pages.")
                return redirect(f"{request.path}?school={school.pk}")
        status = 400
    return render(
        request,
        "pupil_voice/settings.html",
        {"form": form, "school": school, "schools": schools},
        status=status,
    )
