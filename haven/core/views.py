"""The health check and the neutral "hide this screen" page: views that need no Haven app."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache


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
