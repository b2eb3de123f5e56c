"""The health check, the 500 handler and the neutral "hide this screen" page: views that need no Haven app."""

from __future__ import annotations

import sys

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.defaults import server_error as django_server_error

from haven.core import health, outage


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Health as JSON: ``database``, ``worker``, ``alerts``, ``backup`` (haven.core.health says
    what each measures). 503 only when the database does not answer; anything else that is
    wrong shows as ``"stale"`` with 200. Answered by the outage middleware before the session
    middleware, so it never reads a session."""
    status, body = health.health()
    return JsonResponse(body, status=status)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an outage met outside a view (in the session or sign-in middleware) gets
    the outage answer; anything else is a bug and gets the plain 500 page."""
    exc = sys.exc_info()[1]
    if exc is not None and outage.is_database_outage(exc):
        return outage.outage_response(request, exc)
    return django_server_error(request)


def hide(request: HttpRequest) -> HttpResponse:
    """A neutral page to switch to when a pupil walks up to the desk (DESIGN §11)."""
    return render(request, "core/hide.html")
