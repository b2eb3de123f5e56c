"""DSL network meetings: the list, pyramids, scheduling, one meeting, its trend pack, and
calendar feeds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from haven.access.policy import Capability, authorities_for, may_use_network, schools_for
from haven.accounts.stepup import step_up_required
from haven.audit.context import AuditContext
from haven.audit.events import Event
from haven.audit.services import audit_record
from haven.core import clock
from haven.core.converters import parse_id
from haven.core.errors import ApplicationError
from haven.organisations.models import Authority, Pyramid, School

from . import forms, selectors, services
from .calendar import meetings_calendar
from .models import ActionItem, FeedToken, Invitation, Meeting

if TYPE_CHECKING:
    from haven.accounts.models import User
    from haven.core.http import AuthenticatedHttpRequest


def _managed_authority(request: AuthenticatedHttpRequest) -> Authority:
    authorities = authorities_for(request.user, Capability.NETWORK_MANAGE)
    if not authorities:
        raise Http404
    return authorities[0]


def _feed_url(request: HttpRequest, name: str, *args: Any) -> str:
    return request.build_absolute_uri(reverse(name, args=args))


# -- The list ----------------------------------------------------------------------------------


@login_required
def index(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not may_use_network(request.user):
        raise Http404
    authorities = authorities_for(request.user, Capability.NETWORK_MANAGE)
    when = request.GET.get("when", "upcoming")
    when = when if when in ("upcoming", "past") else "upcoming"
    pyramid_filter = request.GET.get("pyramid", "")
    meetings = selectors.meeting_list_for(request.user).annotate(invited=Count("invitations", distinct=True))
    now = clock.now()
    meetings = (
        meetings.filter(ends_at__gte=now).order_by("starts_at", "pk")
        if when == "upcoming"
        else meetings.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    )
    if pyramid_filter == "all":
        meetings = meetings.filter(pyramid__isnull=True)
    elif (pyramid_id := parse_id(pyramid_filter)) is not None:
        meetings = meetings.filter(pyramid_id=pyramid_id)
    page = Paginator(meetings, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    token = FeedToken.objects.filter(user=request.user, revoked_at__isnull=True).first()
    pyramids = _pyramids_visible(request.user)
    return render(
        request,
        "network/index.html",
        {
            "page": page,
            "when": when,
            "pyramid_filter": pyramid_filter,
            "query": query.urlencode(),
            "manages": bool(authorities),
            "pyramids": pyramids,
            "my_actions": list(selectors.actions_for(request.user)[:50]),
            "token": token,
            "feed_url": _feed_url(request, "network:feed", token.token) if token else "",
            "pyramid_feeds": [(p, _feed_url(request, "network:pyramid_feed", p.pk, token.token)) for p in pyramids]
            if token
            else [],
        },
    )


def _pyramids_visible(user: User) -> list[Pyramid]:
    """Pyramids whose feeds the user may subscribe to: all of a managed authority's, and the
    pyramids of the user's own schools."""
    managed = [a.pk for a in authorities_for(user, Capability.NETWORK_MANAGE)]
    own = schools_for(user, Capability.NETWORK_ATTEND).values("pyramid_id")
    from django.db.models import Q

    return list(Pyramid.objects.filter(Q(authority_id__in=managed) | Q(pk__in=own)).order_by("name"))


@login_required
@require_POST
@step_up_required(form_page=lambda request: reverse("network:index"))
def calendar_link(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Make the person's calendar link, or revoke it (every calendar using it stops)."""
    if not may_use_network(request.user):
        raise Http404
    ctx = AuditContext.of(request)
    if request.POST.get("action") == "revoke":
        services.feed_token_revoke(by=request.user, ctx=ctx)
        messages.success(request, "Your calendar link no longer works. Make a new one when you need it.")
    else:
        services.feed_token_issue(by=request.user, ctx=ctx)
        messages.success(request, "Your calendar link is ready: copy it into your calendar app.")
    return redirect(reverse("network:index") + "#calendar")


# -- Pyramids ------------------------------------------------------------------------------------


@login_required
def pyramids(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _managed_authority(request)
    create_form = forms.PyramidForm(request.POST if request.POST.get("action") == "create" else None, prefix="new")
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        ctx = AuditContext.of(request)
        try:
            if action == "create" and create_form.is_valid():
                pyramid = services.pyramid_create(
                    by=request.user, authority=authority, name=create_form.cleaned_data["name"], ctx=ctx
                )
                messages.success(request, f"Pyramid “{pyramid.name}” made.")
                return redirect("network:pyramids")
            if action == "rename":
                renamed = Pyramid.objects.filter(authority=authority, pk=_int(request.POST.get("pyramid"))).first()
                if renamed is None:
                    raise Http404
                services.pyramid_rename(by=request.user, pyramid=renamed, name=request.POST.get("name", ""), ctx=ctx)
                messages.success(request, f"Renamed to “{renamed.name}”.")
                return redirect("network:pyramids")
            if action == "move":
                school = School.objects.filter(authority=authority, pk=_int(request.POST.get("school"))).first()
                if school is None:
                    raise Http404
                target = request.POST.get("pyramid", "")
                destination = None
                if target:
                    destination = Pyramid.objects.filter(authority=authority, pk=_int(target)).first()
                    if destination is None:
                        raise ApplicationError("Choose a pyramid from the list.")
                services.school_move_to_pyramid(by=request.user, school=school, pyramid=destination, ctx=ctx)
                messages.success(
                    request, f"{school.name} is now in {destination.name if destination else 'no pyramid'}."
                )
                return redirect("network:pyramids")
        except ApplicationError as error:
            if action == "create":
                error.add_to(create_form)
            else:
                messages.error(request, error.message)
            status = 400
        if action == "create":
            status = 400
    all_pyramids = list(Pyramid.objects.filter(authority=authority).annotate(n=Count("schools")).order_by("name"))
    schools = list(School.objects.filter(authority=authority).select_related("pyramid", "trust").order_by("name"))
    return render(
        request,
        "network/pyramids.html",
        {"authority": authority, "pyramids": all_pyramids, "schools": schools, "create_form": create_form},
        status=status,
    )


def _int(value: Any) -> int:
    return parse_id(value) or 0


# -- Scheduling ----------------------------------------------------------------------------------


@login_required
def meeting_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _managed_authority(request)
    all_pyramids = list(Pyramid.objects.filter(authority=authority).order_by("name"))
    initial = {"pyramid": request.GET.get("pyramid", ""), "start": "15:30", "end": "17:00"}
    form = forms.MeetingForm(request.POST or None, pyramids=all_pyramids, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        pyramid = next((p for p in all_pyramids if str(p.pk) == d["pyramid"]), None)
        starts_at, ends_at = form.times()
        try:
            meeting = services.meeting_schedule(
                by=request.user,
                authority=authority,
                pyramid=pyramid,
                title=d["title"],
                starts_at=starts_at,
                ends_at=ends_at,
                agenda=d["agenda"],
                venue=d["venue"],
                online_link=d["online_link"],
                ctx=AuditContext.of(request),
            )
        except ApplicationError as error:
            error.add_to(form)
        else:
            messages.success(
                request, f"Meeting scheduled; {meeting.invitations.count()} people invited. They can see it now."
            )
            return redirect("network:meeting", meeting.pk)
    return render(
        request, "network/meeting_form.html", {"form": form, "creating": True}, status=400 if form.errors else 200
    )


@login_required
def meeting_edit(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    meeting = selectors.meeting_get_for(request.user, meeting_id, ctx=ctx, audit=False)
    if not selectors.manages(request.user, meeting):
        raise Http404
    local_start = timezone.localtime(meeting.starts_at)
    initial = {
        "title": meeting.title,
        "date": local_start.date(),
        "start": local_start.time(),
        "end": timezone.localtime(meeting.ends_at).time(),
        "venue": meeting.venue,
        "online_link": meeting.online_link,
        "agenda": meeting.agenda,
    }
    memberships = list(services.invitable_memberships([s.pk for s in meeting.schools.all()]))
    invited = [str(i.user_id) for i in meeting.invitations.all()]
    form = forms.MeetingForm(request.POST or None, with_pyramid=False, initial=initial)
    invitees = forms.InviteesForm(request.POST or None, memberships=memberships, initial={"invitees": invited})
    if request.method == "POST" and form.is_valid() and invitees.is_valid():
        starts_at, ends_at = form.times()
        d = form.cleaned_data
        try:
            services.meeting_update(
                by=request.user,
                meeting=meeting,
                title=d["title"],
                starts_at=starts_at,
                ends_at=ends_at,
                agenda=d["agenda"],
                venue=d["venue"],
                online_link=d["online_link"],
                invitee_ids=[int(v) for v in invitees.cleaned_data["invitees"]],
                ctx=ctx,
            )
        except ApplicationError as error:
            error.add_to(invitees if error.field == "invitees" else form)
        else:
            messages.success(request, "Meeting updated.")
            return redirect("network:meeting", meeting.pk)
    return render(
        request,
        "network/meeting_form.html",
        {"form": form, "invitees": invitees, "meeting": meeting, "creating": False},
        status=400 if form.errors or invitees.errors else 200,
    )


# -- One meeting ---------------------------------------------------------------------------------


def _meeting_context(request: AuthenticatedHttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    manages = selectors.manages(request.user, meeting)
    invitations = list(meeting.invitations.all())
    context = {
        "meeting": meeting,
        "manages": manages,
        "invitations": invitations,
        "carried": selectors.carried_actions(meeting),
        "actions": list(meeting.actions.all()),
        "next_meeting": selectors.next_meeting_of(meeting),
        "schools": list(meeting.schools.all()),
        "attendance_choices": forms.ATTENDANCE_CHOICES[1:],
        "status_choices": forms.ACTION_STATUS_CHOICES,
        "today": clock.localdate(),
    }
    if manages:
        context.setdefault("minutes_form", forms.MinutesForm(initial={"minutes": meeting.minutes}))
        context.setdefault("action_form", forms.ActionForm(invitations=invitations))
    context.update(extra)
    return context


@login_required
def meeting_detail(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    meeting = selectors.meeting_get_for(request.user, meeting_id, ctx=AuditContext.of(request))
    return render(request, "network/meeting_detail.html", _meeting_context(request, meeting))


@login_required
@require_POST
def meeting_action(request: AuthenticatedHttpRequest, meeting_id: int, action: str) -> HttpResponse:
    ctx = AuditContext.of(request)
    meeting = selectors.meeting_get_for(request.user, meeting_id, ctx=ctx, audit=False)
    if not selectors.manages(request.user, meeting):
        raise Http404
    extra: dict[str, Any] = {}
    try:
        if action == "attendance":
            values = {i.pk: request.POST.get(f"attendance-{i.pk}", i.attendance) for i in meeting.invitations.all()}
            services.attendance_record(by=request.user, meeting=meeting, attendance=values, ctx=ctx)
            messages.success(request, "Attendance saved.")
        elif action == "minutes":
            form: forms.MinutesForm | forms.ActionForm = forms.MinutesForm(request.POST)
            extra["minutes_form"] = form
            if not form.is_valid():
                raise _Invalid
            try:
                services.minutes_write(
                    by=request.user,
                    meeting=meeting,
                    text=form.cleaned_data["minutes"],
                    confirmed_anonymous=form.cleaned_data["confirm_anonymous"],
                    ctx=ctx,
                )
            except ApplicationError as error:
                error.add_to(form)
                extra["minutes_flagged"] = error.code == "names"
                raise _Invalid from error
            messages.success(request, "Minutes saved. Everyone invited can read them.")
        elif action == "add-action":
            form = forms.ActionForm(request.POST, invitations=list(meeting.invitations.all()))
            extra["action_form"] = form
            if not form.is_valid():
                raise _Invalid
            d = form.cleaned_data
            try:
                services.action_add(
                    by=request.user,
                    meeting=meeting,
                    text=d["text"],
                    owner_id=int(d["owner"]),
                    due_on=d["due_on"],
                    ctx=ctx,
                )
            except ApplicationError as error:
                error.add_to(form)
                raise _Invalid from error
            messages.success(request, "Action added.")
        elif action == "action-status":
            item = ActionItem.objects.filter(
                pk=_int(request.POST.get("item")), meeting__authority_id=meeting.authority_id
            ).first()
            if item is None:
                raise Http404
            services.action_set_status(by=request.user, action=item, status=request.POST.get("status", ""), ctx=ctx)
            messages.success(request, f"Action marked “{item.get_status_display().lower()}”.")
        else:
            raise Http404
    except _Invalid:
        meeting = selectors.meeting_get_for(request.user, meeting_id, ctx=ctx, audit=False)
        return render(request, "network/meeting_detail.html", _meeting_context(request, meeting, **extra), status=400)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect(reverse("network:meeting", args=[meeting.pk]) + f"#{action}")


class _Invalid(Exception):
    pass


@login_required
def meeting_trends(request: AuthenticatedHttpRequest, meeting_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    meeting = selectors.meeting_get_for(request.user, meeting_id, ctx=ctx, audit=False)
    pack = selectors.trend_pack(meeting)
    audit_record(
        Event.MEETING_TRENDS_VIEWED,
        ctx=ctx,
        actor=request.user,
        object_type="network.trendpack",
        object_id=meeting.pk,
        authority=meeting.authority_id,
    )
    return render(request, "network/trends.html", {"meeting": meeting, "pack": pack})


# -- Calendar feeds (no session: the token in the address is the key) ----------------------------


def _ics(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    user = selectors.feed_token_user(token)
    if user is None or not may_use_network(user):
        raise Http404
    meetings = selectors.meeting_list_for(user).order_by("starts_at", "pk")
    return _ics(meetings_calendar(meetings, name="DSL network meetings"), "network-meetings.ics")


@require_safe
def pyramid_feed(request: HttpRequest, pyramid_id: int, token: str) -> HttpResponse:
    user = selectors.feed_token_user(token)
    if user is None or not may_use_network(user):
        raise Http404
    pyramid = next((p for p in _pyramids_visible(user) if p.pk == pyramid_id), None)
    if pyramid is None:
        raise Http404
    meetings = selectors.meeting_list_for(user).filter(pyramid=pyramid).order_by("starts_at", "pk")
    return _ics(meetings_calendar(meetings, name=f"{pyramid.name} DSL network"), f"pyramid-{pyramid.pk}.ics")


__all__ = ["Invitation"]
