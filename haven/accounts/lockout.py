"""How django-axes names the account being tried: the email, trimmed and lower-cased, so
"DSL@School.org " and "dsl@school.org" count towards the same lockout."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def username_from(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    source = credentials if credentials else getattr(request, "POST", {})
    return str(source.get("email") or source.get("username") or "").strip().lower()
