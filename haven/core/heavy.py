"""A limit on the heavy requests: PDFs, CSV exports and printouts (ASVS V15.2.2).

Each PDF is drawn by WeasyPrint and each export reads many rows, in the request. One person
may make ``HAVEN_HEAVY_PER_MINUTE`` (30) of them a minute, counted in the rate-limit store
every worker shares (haven.core.ratelimit), so a script or a stuck key cannot tie up the
server's workers. Past it, a plain 429 page says to wait a minute, with ``Retry-After``.

A heavy request is one whose path ends ``.pdf`` or ``.csv`` (the chronology, safety plan,
transfer file and report PDFs; the S175, survey and enquiry exports), or that asks for one
with ``?format=csv`` or ``?csv=...`` (the enquiry log and the dashboards). The API is left to its own
throttles (haven/api/permissions.py).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from haven.core import ratelimit
from haven.core.logs import security_event

WINDOW_SECONDS = 60
HEAVY_SUFFIXES = (".pdf", ".csv")


def is_heavy(request: HttpRequest) -> bool:
    if request.path.startswith("/api/"):
        return False  # the API has its own throttles, and answers problems, not pages
    if request.path.lower().endswith(HEAVY_SUFFIXES):
        return True
    return request.GET.get("format", "").lower() in {"csv", "pdf"} or bool(request.GET.get("csv"))


def limit() -> ratelimit.Limit:
    return ratelimit.Limit("heavy", settings.HAVEN_HEAVY_PER_MINUTE, WINDOW_SECONDS)


class HeavyRequestLimitMiddleware:
    """Per signed-in person; after the authentication middleware."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not is_heavy(request):
            return self.get_response(request)
        heavy, who = limit(), str(user.pk)
        if ratelimit.over(heavy, who):
            security_event(
                "export.rate_limited", "Too many PDFs or exports in a minute.", request=request, limit=heavy.name
            )
            html = render_to_string("429.html", {"limit": heavy.count}, request=request)
            response = HttpResponse(html, status=429)
            response["Retry-After"] = str(WINDOW_SECONDS)
            return response
        ratelimit.hit(heavy, who)
        return self.get_response(request)
