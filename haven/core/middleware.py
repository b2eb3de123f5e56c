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
