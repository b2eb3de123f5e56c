"""Absolute links to Haven's pages, for emails and calendar feeds (read outside the site)."""

from __future__ import annotations

from django.conf import settings


def site_url(path: str) -> str:
    """``path`` on the site's public address (``HAVEN_BASE_URL``, settings.HAVEN_SITE_URL)."""
    return f"{getattr(settings, 'HAVEN_SITE_URL', 'http://127.0.0.1:8000').rstrip('/')}{path}"
