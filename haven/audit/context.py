"""Where an audited action came from, without the HTTP request.

Services take the acting person and an :class:`AuditContext`; a view or the API makes the
context once from its request (:meth:`AuditContext.of`), a task or a command uses
:data:`TASK` or :data:`COMMAND`. So a service can be called from a page, the API, a
background task, the demo world or a test in the same way, and the audit log still says
from which.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.http import HttpRequest

API_PREFIX = "/api/v1/"


class Channel(models.TextChoices):
    PAGE = "page", "A page"
    API = "api", "The API"
    TASK = "task", "A background task"
    COMMAND = "command", "A command on the server"


def client_ip(request: HttpRequest | None) -> str | None:
    """The address the request came from. Behind a proxy, set HAVEN_TRUSTED_PROXY so that
    X-Forwarded-For is believed; otherwise it is ignored (anyone can send it)."""
    if request is None:
        return None
    if getattr(settings, "HAVEN_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def normalised_ip(value: str | None) -> str | None:
    """The address as PostgreSQL's inet gives it back, so the hash survives a round trip."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class AuditContext:
    """The address, browser and channel an action came through."""

    channel: Channel = Channel.COMMAND
    address: str | None = None
    user_agent: str = ""

    @classmethod
    def of(cls, request: HttpRequest, channel: Channel | None = None) -> AuditContext:
        """The context of a request: the API's own paths (/api/v1/...) are the API channel,
        the rest pages (the token pages under /api/tokens/ are pages too)."""
        if channel is None:
            channel = Channel.API if request.path.startswith(API_PREFIX) else Channel.PAGE
        return cls(
            channel=channel,
            address=normalised_ip(client_ip(request)),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
        )


COMMAND = AuditContext(Channel.COMMAND)
TASK = AuditContext(Channel.TASK)
# The pupils' own pages: neither the address nor the browser is ever kept (DESIGN §5).
PUPIL_PAGE = AuditContext(Channel.PAGE)
