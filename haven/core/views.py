"""Each role's home page, the health check and the neutral "hide this screen" page."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from haven.accounts.views import sign_in

from .selectors import home_sections_for


def home(request: HttpRequest) -> HttpResponse:
    """The sign-in page for visitors; for a signed-in person, what needs their attention."""
    if not request.user.is_authenticated:
        return sign_in(request)
    return render(request, "core/home.html", {"sections": home_sections_for(request.user)})


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness and database check: 200 when a query answers, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return JsonResponse({"status": "unavailable", "database": type(exc).__name__}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def hide(request: HttpRequest) -> HttpResponse:
    """A neutral page to switch to when a pupil walks up to the desk (DESIGN §11)."""
    return render(request, "core/hide.html")
