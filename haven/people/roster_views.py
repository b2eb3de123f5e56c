"""Roster import pages: upload a CSV from the MIS, then watch it being checked and applied.

Only a school's administrators (or its trust's) may use them; anyone else gets the same 404
as for a school that does not exist (DESIGN §8).
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from haven.audit.context import AuditContext
from haven.organisations.models import School

from .forms import RosterUploadForm
from .models import RosterImport
from .roster import COLUMNS, roster_import_get_for, roster_import_list_for, roster_import_submit, roster_school_get_for
from .upn import make_upn

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest

RECENT_IMPORTS = 10


@login_required
@require_http_methods(["GET", "POST"])
def roster_import(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    school = roster_school_get_for(request.user, school_id, ctx=ctx)
    if request.method == "GET" and request.GET.get("download") == "example":
        return _example_csv(school)
    form = RosterUploadForm(request.POST, request.FILES) if request.method == "POST" else RosterUploadForm()
    if form.is_bound and form.is_valid():
        upload = form.cleaned_data["file"]
        created = roster_import_submit(
            school=school,
            by=request.user,
            filename=upload.name or "roster.csv",
            content=upload.read(),
            allow_many_leavers=form.cleaned_data["allow_many_leavers"],
            ctx=ctx,
        )
        return redirect("people:roster_import_detail", school_id=school.pk, import_id=created.pk)
    return render(
        request,
        "people/roster_import.html",
        {
            "school": school,
            "form": form,
            "columns": COLUMNS,
            "imports": roster_import_list_for(request.user, school=school)[:RECENT_IMPORTS],
        },
    )


@login_required
@require_GET
def roster_import_detail(request: AuthenticatedHttpRequest, school_id: int, import_id: int) -> HttpResponse:
    roster_import = roster_import_get_for(request.user, school_id, import_id, ctx=AuditContext.of(request))
    return render(
        request,
        "people/roster_import_detail.html",
        {
            "school": roster_import.school,
            "roster_import": roster_import,
            "Status": RosterImport.Status,
            # While it runs the page reloads itself, unless the reader asked it to stop
            # (a page that keeps reloading is hard going with a screen reader).
            "auto_refresh": roster_import.is_running
            and not roster_import.looks_stuck
            and request.GET.get("refresh") != "off",
        },
    )


def _example_csv(school: School) -> HttpResponse:
    """A file to start from: the headers Haven reads and two made-up pupils."""
    code = school.authority.la_code
    la_code = int(code) if code.isascii() and code.isdigit() else 999
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(c.label for c in COLUMNS)
    writer.writerow([make_upn(la_code, 4000, 24, 1), "Example", "Ada", "", "17/05/2016", "F", "3", "N", "N"])
    writer.writerow([make_upn(la_code, 4000, 24, 2), "Sample", "Robert", "Bobby", "02/11/2012", "M", "Y7", "K", "Y"])
    # With the byte-order mark, Excel opens the file as UTF-8 and keeps accented names.
    response = HttpResponse(out.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="haven-roster-example.csv"'
    return response
