"""The authority's page for its categories of concern."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from haven.access.policy import Capability, authorities_for
from haven.audit.context import AuditContext
from haven.core import clock
from haven.core.errors import ApplicationError
from haven.core.forms import DateInput, model_choice_field
from haven.organisations.models import Authority

from . import taxonomy_services
from .models import Category

if TYPE_CHECKING:
    from haven.core.http import AuthenticatedHttpRequest


class CategoryForm(forms.Form):
    name = forms.CharField(label="Name", max_length=200)
    parent = forms.ModelChoiceField(
        label="Group", queryset=Category.objects.none(), required=False, empty_label="None (a top-level category)"
    )
    valid_from = forms.DateField(label="In use from", widget=DateInput())
    description = forms.CharField(label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    sexual = forms.BooleanField(label="Sexual (counts towards sexual violence and harassment)", required=False)
    police_starting_point = forms.BooleanField(label="Police is the starting point (policy §8)", required=False)
    nudes_images = forms.BooleanField(label="Images must never be attached (UKCIS)", required=False)
    criminal_exploitation = forms.BooleanField(label="Criminal exploitation", required=False)


def _authority(request: AuthenticatedHttpRequest) -> Authority:
    authorities = authorities_for(request.user, Capability.MANAGE_TAXONOMY)
    if not authorities:
        raise Http404
    return authorities[0]


@login_required
def taxonomy(request: AuthenticatedHttpRequest) -> HttpResponse:
    authority = _authority(request)
    form = CategoryForm(
        request.POST if request.method == "POST" and request.POST.get("action") == "add" else None,
        initial={"valid_from": clock.localdate()},
    )
    model_choice_field(form, "parent").queryset = Category.objects.filter(
        Q(authority__isnull=True) | Q(authority=authority), parent__isnull=True, valid_to__isnull=True
    )
    status = 200
    if request.method == "POST":
        ctx = AuditContext.of(request)
        try:
            if request.POST.get("action") == "add" and form.is_valid():
                d = form.cleaned_data
                category = taxonomy_services.category_add(
                    by=request.user,
                    authority=authority,
                    name=d["name"],
                    parent=d["parent"],
                    valid_from=d["valid_from"],
                    description=d["description"],
                    flags={f: d[f] for f in taxonomy_services.FLAGS},
                    ctx=ctx,
                )
                messages.success(request, f"“{category.name}” added.")
                return redirect("taxonomy")
            if request.POST.get("action") == "retire":
                retiring = Category.objects.filter(authority=authority, pk=request.POST.get("category") or 0).first()
                if retiring is None:
                    raise Http404
                try:
                    valid_to = dt.datetime.fromisoformat(request.POST.get("valid_to", "")).date()
                except ValueError:
                    raise ApplicationError("Enter the date it stops being used.") from None
                taxonomy_services.category_retire(by=request.user, category=retiring, valid_to=valid_to, ctx=ctx)
                messages.success(request, f"“{retiring.name}” retired from {valid_to:%d %B %Y}.")
                return redirect("taxonomy")
        except ApplicationError as exc:
            exc.add_to(form)
        status = 400
    categories = Category.objects.filter(Q(authority__isnull=True) | Q(authority=authority)).select_related("parent")
    return render(
        request,
        "concerns/taxonomy.html",
        {"authority": authority, "categories": categories, "form": form, "today": clock.localdate()},
        status=status,
    )
