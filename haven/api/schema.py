"""How the API describes its authentication in OpenAPI (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "haven.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from /api/tokens/: `Authorization: Bearer hvn_…`. "
            "It acts with its owner's roles, and expires after at most a year.",
        }


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "haven.api.authentication.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "The browser session, once it has passed two-factor sign-in; unsafe methods also need "
            "the CSRF token in `X-CSRFToken`.",
        }


CLOSED_REQUESTS = ("ConcernCreateRequest", "ConcernChildInputRequest", "AmendmentCreateRequest")


def closed_request_bodies(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Request bodies refuse fields they do not know (a misspelt field is an error, not lost):
    say so in the schema with ``additionalProperties: false``."""
    schemas = result.get("components", {}).get("schemas", {})
    for name in CLOSED_REQUESTS:
        if name in schemas:
            schemas[name]["additionalProperties"] = False
    # drf-spectacular leaves out the bounds of a nested list serializer.
    children = schemas.get("ConcernCreateRequest", {}).get("properties", {}).get("children")
    if children is not None:
        children.update(minItems=1, maxItems=50)
    child = schemas.get("ConcernChildInputRequest")
    if child is not None:  # a child is named by UPN or by pupil id, not both
        child["oneOf"] = [{"required": ["upn"]}, {"required": ["pupil_id"]}]
    return result
