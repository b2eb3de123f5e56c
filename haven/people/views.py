from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from haven.access.policy import Capability, has_any, schools_for
from haven.audit.context import AuditContext
from haven.core.errors import ApplicationError

from . import selectors, services
from .forms import ContactEndForm, ContactForm, LinkForm
from .models import Contact, PupilLink, YearGroup

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

PAGE_SIZE = 50


@login_required
def pupil_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    if not has_any(request.user, Capability.READ_SCHOOL_RECORDS):
        raise Http404
    filters = {k: request.GET.get(k, "").strip() for k in ("school", "q", "year", "flag", "left")}
    page = Paginator(selectors.pupil_list_for(request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "people/pupil_list.html",
        {
            "page": page,
            "filters": filters,
            "schools": schools_for(request.user, Capability.READ_SCHOOL_RECORDS),
            "years": YearGroup.choices,
            "flags": [
                ("", "Any"),
                ("child_protection_plan", "Child protection plan"),
                ("child_in_need", "Child in need"),
                ("looked_after", "Looked after"),
                ("send", "SEND"),
                ("young_carer", "Young carer"),
                ("missing_education", "Missing education"),
            ],
            "query": query.urlencode(),
        },
    )


@login_required
def pupil_access_log(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    pupil, events = selectors.pupil_access_log_for(request.user, pupil_id, ctx=AuditContext.of(request))
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "people/pupil_access_log.html", {"pupil": pupil, "page": page})


def _back_to_page(pupil_id: int, section: str) -> HttpResponse:
    return redirect(reverse("records:pupil_detail", args=[pupil_id]) + f"#{section}")


@login_required
def contact_new(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    pupil = selectors.pupil_for_change(request.user, pupil_id, ctx=ctx)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = services.contact_add(by=request.user, pupil=pupil, data=form.cleaned_data, ctx=ctx)
        messages.success(request, f"{contact.name} is now a contact for {pupil.display_name}.")
        return _back_to_page(pupil.pk, "contacts")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/contact_form.html", {"pupil": pupil, "form": form}, status=status)


@login_required
def contact_end(request: AuthenticatedHttpRequest, pupil_id: int, contact_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    pupil = selectors.pupil_for_change(request.user, pupil_id, ctx=ctx)
    contact = get_object_or_404(Contact, pk=contact_id, pupil=pupil, ended_at__isnull=True)
    form = ContactEndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_end(by=request.user, contact=contact, reason=form.cleaned_data["reason"], ctx=ctx)
        except ApplicationError as exc:
            exc.add_to(form)
        else:
            messages.success(request, f"{contact.name} is no longer a contact. The record is kept.")
            return _back_to_page(pupil.pk, "contacts")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/contact_end.html", {"pupil": pupil, "contact": contact, "form": form}, status=status)


@login_required
def link_new(request: AuthenticatedHttpRequest, pupil_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    pupil = selectors.pupil_for_change(request.user, pupil_id, ctx=ctx)
    form = LinkForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        other = selectors.pupil_to_link(request.user, upn=data["other_upn"], pupil_id=data.get("other_id"))
        if other is None:
            form.add_error("other_upn", "No child with this UPN at a school whose records you may see.")
        else:
            try:
                services.link_add(
                    by=request.user, pupil=pupil, other=other, kind=data["kind"], note=data["note"], ctx=ctx
                )
            except ApplicationError as exc:
                exc.field = "other_upn" if exc.field == "other" else exc.field
                exc.add_to(form)
            else:
                messages.success(request, f"{other.display_name} is now linked to {pupil.display_name}.")
                return _back_to_page(pupil.pk, "family")
    status = 400 if request.method == "POST" else 200
    suggestions = selectors.link_suggestions(request.user, pupil)
    return render(
        request,
        "people/link_form.html",
        {"pupil": pupil, "form": form, "suggestions": suggestions, "kinds": PupilLink.Kind.choices},
        status=status,
    )


@login_required
def link_end(request: AuthenticatedHttpRequest, pupil_id: int, link_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    pupil = selectors.pupil_for_change(request.user, pupil_id, ctx=ctx)
    link = get_object_or_404(
        PupilLink.objects.select_related("pupil", "other"),
        Q(pupil=pupil) | Q(other=pupil),
        pk=link_id,
        ended_at__isnull=True,
    )
    other = link.other_than(pupil)
    if not schools_for(request.user, Capability.READ_SCHOOL_RECORDS).filter(pk=other.school_id).exists():
        raise Http404  # a child at a school the reader cannot see stays unseen, here too
    if request.method == "POST":
        services.link_end(by=request.user, link=link, ctx=ctx)
        messages.success(
            request, f"{other.display_name} is no longer linked to {pupil.display_name}. The record is kept."
        )
        return _back_to_page(pupil.pk, "family")
    return render(request, "people/link_end.html", {"pupil": pupil, "link": link, "other": other})
