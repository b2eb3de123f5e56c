from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render

from haven.access.policy import Capability, has_any, schools_for
from haven.audit.context import AuditContext

from . import selectors
from .models import YearGroup

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
