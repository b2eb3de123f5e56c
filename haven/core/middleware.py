"""Middleware every page shares."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Nothing Haven answers is kept by the browser or a proxy: on a shared school computer a
    case page, a child's chronology or a CSV must not come back from the history or the cache
    after sign-out. Static files are answered before this (WhiteNoise) and keep their own
    headers; a response that set Cache-Control itself keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


class KnownMethodsMiddleware:
    """Only the HTTP methods Haven answers reach it: TRACE, TRACK, CONNECT and invented ones
    get 405 rather than being served as a GET (ASVS 13.4.4)."""

    ALLOWED = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method not in self.ALLOWED:
            return HttpResponseNotAllowed(self.ALLOWED)
        return self.get_response(request)


class DatabaseOutageMiddleware:
    """When the database does not answer, say so (503) instead of failing with a 500.

    Placed before the session and authentication middleware, which read the database as
    soon as a request carries a session cookie:

    - ``/healthz`` is answered here, before them, so a health check never needs a session
      (a monitor with a stale cookie still gets the truth);
    - every other request opens its database connection here first (no query runs: opening
      the connection is what fails in an outage), and a connection that cannot be opened
      gets the outage page, or for ``/api/`` a 503 problem (haven.core.outage);
    - an outage that begins later, in a view, is caught by ``process_exception``; one that
      begins in a later middleware reaches the 500 handler, which answers the same
      (haven.core.views.server_error).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.db import connection

        from haven.core import outage, views

        if request.path == "/healthz":
            return views.healthz(request)
        try:
            connection.cursor().close()
        except outage.DATABASE_ERRORS as exc:
            return outage.outage_response(request, exc)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from haven.core import outage

        if outage.is_database_outage(exception):
            return outage.outage_response(request, exception)
        return None
