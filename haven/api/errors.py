"""Every API error as an RFC 9457 problem (``application/problem+json``).

The body is always ``{"type", "title", "status", "detail", "instance", "errors"}``, where
``errors`` maps a field (``children.0.upn`` for nested ones) to its messages, so a client
can show each message by its field. Domain refusals (:class:`ApplicationError`) become 400,
or 403 when the service says ``forbidden``, 428 for a versioned write without its version and
409 for one made from a stale version. Anything else unexpected is left to Django's
500 handling: a bug should be loud, and bad input never reaches that far.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import set_rollback

from haven.core.errors import ApplicationError
from haven.core.logs import security_event
from haven.core.problems import PROBLEM_CONTENT_TYPE, problem

from .serializers import ProblemSerializer

NON_FIELD = "non_field_errors"
TYPE_PREFIX = "urn:haven:problem:"


def flatten_errors(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error structure as {"field.sub.0.name": ["message", ...]}."""
    out: dict[str, list[str]] = {}

    def add(key: str, messages: list[str]) -> None:
        out.setdefault(key or NON_FIELD, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            if key == NON_FIELD:
                name = prefix or NON_FIELD
            for k, v in flatten_errors(value, name).items():
                add(k, v)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            add(prefix, [str(item) for item in detail])
        else:
            for index, item in enumerate(detail):
                if item:
                    for k, v in flatten_errors(item, f"{prefix}.{index}" if prefix else str(index)).items():
                        add(k, v)
    else:
        add(prefix, [str(detail)])
    return out


# Domain refusals that are not 400: a role that may not, a versioned write that does not say
# its version (428 Precondition Required, RFC 6585), one made from a stale version (409).
APPLICATION_STATUS = {"forbidden": 403, "version_required": 428, "stale": 409}
APPLICATION_TITLE = {
    403: "Not allowed",
    409: "Someone else changed this record",
    428: "Say which version you are changing",
}


def problem_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: turn every expected failure into a problem response."""
    request = context.get("request")
    instance = request.path if request is not None else ""
    headers: dict[str, str] = {}

    if isinstance(exc, ApplicationError):
        status = APPLICATION_STATUS.get(exc.code, 400)
        body = problem(
            status,
            type_=f"{TYPE_PREFIX}{exc.code}",
            title=APPLICATION_TITLE.get(status, "The request breaks a rule"),
            detail=exc.message,
            errors={exc.field or NON_FIELD: [exc.message]},
            instance=instance,
        )
    elif isinstance(exc, DjangoValidationError):
        errors = {
            (NON_FIELD if k == "__all__" else k): [str(m) for m in v]
            for k, v in (exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD: exc.messages}).items()
        }
        body = problem(
            400,
            type_=f"{TYPE_PREFIX}invalid",
            title="The request is not valid",
            detail=" ".join(m for v in errors.values() for m in v),
            errors=errors,
            instance=instance,
        )
    else:
        if isinstance(exc, Http404):
            exc = exceptions.NotFound()
        elif isinstance(exc, DjangoPermissionDenied):
            exc = exceptions.PermissionDenied()
        if not isinstance(exc, exceptions.APIException):
            return None
        if auth_header := getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = auth_header
        if wait := getattr(exc, "wait", None):
            headers["Retry-After"] = f"{int(wait):d}"
        if isinstance(exc, exceptions.ValidationError):
            errors = flatten_errors(exc.detail)
            body = problem(
                400,
                type_=f"{TYPE_PREFIX}invalid",
                title="The request is not valid",
                detail=_summary(errors),
                errors=errors,
                instance=instance,
            )
        else:
            body = problem(exc.status_code, detail=str(exc.detail), instance=instance)
    set_rollback()
    if request is not None:
        log_problem(request, body)
    return Response(body, status=body["status"], headers=headers, content_type=PROBLEM_CONTENT_TYPE)


# Each refusal of the API as a security event (V16.3.3; docs/security/logs.md).
PROBLEM_EVENTS = {
    400: "api.invalid",
    401: "api.unauthenticated",
    403: "api.forbidden",
    404: "api.not_found",
    409: "api.stale",
    422: "api.idempotency_key_reused",
    428: "api.version_required",
    429: "api.throttled",
}


def log_problem(request: Any, body: dict[str, Any]) -> None:
    """Log a problem answer: its status, type and the names of the fields at fault (never
    what was sent in them)."""
    status = int(body["status"])
    security_event(
        PROBLEM_EVENTS.get(status, "api.refused"),
        str(body.get("title") or "Refused"),
        request=request,
        level=logging.WARNING if status in (401, 403, 422, 429) else logging.INFO,
        status=status,
        problem=str(body.get("type") or ""),
        fields=sorted(body.get("errors") or {})[:20] or None,
    )


def _summary(errors: dict[str, list[str]]) -> str:
    first = next(iter(errors.items()), None)
    if first is None:
        return "The request is not valid."
    field, messages = first
    more = len(errors) - 1
    lead = messages[0] if field == NON_FIELD else f"{field}: {messages[0]}"
    return lead + (f" (and {more} more field{'s' if more > 1 else ''} with errors)" if more else "")


@csrf_exempt  # a POST to a mistyped path is told it is not found, not that CSRF failed
def not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Any other URL under /api/v1/: a problem, not the HTML 404 page."""
    detail = "There is no such API endpoint."
    if not request.path.endswith("/"):
        detail += f" API paths end with a slash: did you mean {request.path}/ ?"
    body = problem(404, detail=detail, instance=request.path)
    log_problem(request, body)
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


# What each problem means, for the OpenAPI document.
PROBLEM_TEXT = {
    400: "The request is not valid: see `errors` for each field.",
    401: "No valid token or two-factor session. The answer carries `WWW-Authenticate: Bearer`.",
    403: "Your role may not do this (or, for a session, the CSRF check failed; or the request came over plain "
    "http: the API answers only over HTTPS).",
    404: "No such record, or one you may not read: the two look the same.",
    413: "The body is larger than 2 MB.",
    409: "The record changed since the `version` you sent: read it again, check what changed, and send the "
    "change again with the new version. Nothing was saved.",
    415: "Send `Content-Type: application/json`.",
    428: "Send the `version` of the record you are changing (as you last read it), so that a change made "
    "meanwhile is not overwritten. Nothing was saved.",
    429: "Too many requests: wait for the number of seconds in `Retry-After`.",
}


def problem_responses(*codes: int) -> dict[Any, OpenApiResponse]:
    """The OpenAPI description of an endpoint's problem answers (every endpoint may also
    answer 401 and 429), for ``extend_schema(responses=...)``."""
    return {
        (code, PROBLEM_CONTENT_TYPE): OpenApiResponse(ProblemSerializer, description=PROBLEM_TEXT[code])
        for code in (*codes, 401, 429)
    }
