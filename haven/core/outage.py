"""What Haven answers when its database does not: a plain 503 page, or a 503 problem for the API.

Used by the outage middleware (haven.core.middleware) and the 500 handler (haven.core.views),
so that whichever layer meets the error, a person is told kindly what is wrong and that
nothing they saved was lost, and a client knows to retry rather than that Haven has a bug.
"""

from __future__ import annotations

import logging

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string

from haven.core.problems import PROBLEM_CONTENT_TYPE, problem

logger = logging.getLogger("haven.outage")

DATABASE_ERRORS = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"


def is_database_outage(exc: BaseException | None) -> bool:
    return isinstance(exc, DATABASE_ERRORS)


def outage_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """503 for a database that does not answer. Rendered without the request's context
    processors, which would ask the database who is signed in."""
    logger.error("The database did not answer %s %s: %r", request.method, request.path, exc)
    response: HttpResponse
    if request.path.startswith(API_PREFIX):
        body = problem(
            503,
            type_="urn:haven:problem:database_unavailable",
            title="Haven can't reach its database",
            detail="Haven can't reach its database just now. Nothing was saved by this request; try again in a minute.",
            instance=request.path,
        )
        response = JsonResponse(body, status=503, content_type=PROBLEM_CONTENT_TYPE)
    else:
        response = HttpResponse(render_to_string("core/database_unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
