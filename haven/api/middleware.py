"""The API answers only over HTTPS (ASVS 4.1.2).

Pages are redirected from http to https by Django's SecurityMiddleware; the API is exempt
from that redirect (``SECURE_REDIRECT_EXEMPT``), because a client that follows a redirect has
already sent its token and body in the clear, and one that does not follows nothing at all.
It is told instead, with a problem, to use HTTPS.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse

from haven.core.problems import PROBLEM_CONTENT_TYPE, problem

API_PREFIX = "/api/"


class HttpsOnlyMiddleware:
    """403 problem for any /api/ request over plain http where pages are redirected to https
    (production, ``SECURE_SSL_REDIRECT``). Behind the proxy, ``X-Forwarded-Proto: https``
    (``SECURE_PROXY_SSL_HEADER``) is what makes a request secure."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.SECURE_SSL_REDIRECT and request.path.startswith(API_PREFIX) and not request.is_secure():
            body = problem(
                403,
                type_="urn:haven:problem:https_required",
                title="Use HTTPS",
                detail="The Haven API answers only over HTTPS. Nothing was done: send the request again to https://.",
                instance=request.path,
            )
            return JsonResponse(body, status=403, content_type=PROBLEM_CONTENT_TYPE)
        return self.get_response(request)
