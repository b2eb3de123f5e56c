"""RFC 9457 problem details (``application/problem+json``), the body every API error has.

It lives on the ground floor so that an answer given before any app runs (the database
outage middleware, haven.core.middleware) has the same shape as haven.api's errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

PROBLEM_CONTENT_TYPE = "application/problem+json"


def problem(
    status: int,
    *,
    detail: str = "",
    errors: dict[str, list[str]] | None = None,
    type_: str = "about:blank",
    title: str | None = None,
    instance: str = "",
) -> dict[str, Any]:
    """A problem body; with the default type the title is the HTTP status phrase (RFC 9457 §4.2.1)."""
    return {
        "type": type_,
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail or HTTPStatus(status).description,
        "instance": instance,
        "errors": errors or {},
    }
