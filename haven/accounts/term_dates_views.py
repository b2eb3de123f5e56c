"""A school's term dates (closures), kept by its administrator (an administrator's page, above
haven.access; the closures themselves live in haven.organisations)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from haven.access.policy import Capability, can, deny
from haven.audit.context import AuditContext
from haven.core.errors import ApplicationError
from haven.core.forms import DateInput
from haven.organisations import services
from haven.organisations.models import School

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest


class ClosureForm(forms.Form):
    name = forms.CharField(label="Name", max_length=100, help_text="For example: Autumn half term, INSET day.")
    first_day = forms.DateField(label="First day closed", widget=DateInput())
    last_day = forms.DateField(label="Last day closed", widget=DateInput())


@login_required
def term_dates(request: AuthenticatedHttpRequest, school_id: int) -> HttpResponse:
    ctx = AuditContext.of(request)
    school = School.objects.filter(pk=school_id).first()
    if school is None or not can(request.user, Capability.MANAGE_PEOPLE, school=school):
        raise deny(
            ctx, actor=request.user, object_type="organisations.school.term_dates", object_id=school_id, school=school
        )
    form = ClosureForm(request.POST if request.method == "POST" and "remove" not in request.POST else None)
    status = 200
    if request.method == "POST":
        if "remove" in request.POST:
            closure = school.closures.filter(pk=request.POST.get("remove") or 0).first()
            if closure is not None:
                services.closure_remove(by=request.user, closure=closure, ctx=ctx)
                messages.success(request, f"{closure.name} removed.")
            return redirect("term_dates", school_id=school.pk)
        if form.is_valid():
            try:
                closure = services.closure_add(by=request.user, school=school, ctx=ctx, **form.cleaned_data)
            except ApplicationError as exc:
                exc.add_to(form)
            else:
                messages.success(request, f"{closure.name} added.")
                return redirect("term_dates", school_id=school.pk)
        status = 400
    return render(
        request,
        "accounts/manage/term_dates.html",
        {"school": school, "form": form, "closures": school.closures.all()},
        status=status,
    )
