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
