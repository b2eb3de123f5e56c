"""Each role's home page."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from haven.accounts.views import sign_in

from .sections import home_sections_for


def home(request: HttpRequest) -> HttpResponse:
    """The sign-in page for visitors; for a signed-in person, what needs their attention."""
    if not request.user.is_authenticated:
        return sign_in(request)
    return render(request, "home/home.html", {"sections": home_sections_for(request.user)})
