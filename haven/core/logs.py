"""Haven's log lines: one JSON object a line, the same fields everywhere (ASVS V16.2.4).

Every line the application writes (Django, the task worker, the commands, and the web
server's access log through haven.core.gunicorn_logging) is one JSON object::

    {"time": "2026-12-03T13:41:11.123+00:00", "level": "WARNING", "logger": "haven.security",
     "event": "account.sign_in_failed", "message": "...", "request_id": "9f0c...",
     "user_id": 42, "role": "dsl", "address": "203.0.113.7"}

- ``time`` is UTC, ISO 8601 with its offset (V16.2.2), to the millisecond;
- ``event`` names what happened, so a log processor can filter on it without reading prose;
- ``user_id`` and ``role`` say who, never a name or an email; nothing about a pupil is ever
  a field;
- ``address`` is a member of staff's address only: it is never written for a request to the
  pupils' pages (``/tell/...``, "anonymous means anonymous"), whoever passes one.

Security events (V16.3.3) go through :func:`security_event` to the ``haven.security``
logger; the list of them is in docs/security/logs.md. ``HAVEN_LOG_SYSLOG`` also sends every
line to a syslog collector off the box (:func:`syslog_handler`, V16.4.3).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import logging.handlers
import re
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# Where pupils come without an account (the access log leaves them out too).
PUPIL_PATH_PREFIX = "/tell/"
SECURITY_LOGGER = "haven.security"

# The named fields a line may carry besides time, level, logger, event and message. Anything
# else passed in ``extra`` is dropped, so no caller can slip a name or a narrative in.
FIELDS = (
    "request_id",
    "user_id",
    "role",
    "address",
    "channel",
    "view",
    "method",
    "status",
    "problem",
    "fields",
    "object",
    "limit",
    "chain",
    "reason",
    "detail",
)


@dataclass(slots=True)
class RequestInfo:
    """What the log knows about the request being answered: its id, whether it is a pupil's
    page, and (once the URL is resolved) the view's name, never the path (it may hold ids)."""

    id: str
    pupil_page: bool
    view: str = ""


_request: contextvars.ContextVar[RequestInfo | None] = contextvars.ContextVar("haven_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request() -> RequestInfo | None:
    return _request.get()


# The two secrets a URL path carries (docs/security/data.md, section 4): an emailed set-up
# link's token and a calendar feed's. No log line keeps them, in a path or in a message.
_SECRET_PATHS = (
    (re.compile(r"(/account/enrol/)[^/\s\"'?]+"), r"\1[secret]"),
    (re.compile(r"(/network/feeds/(?:pyramids/\d+/)?)[^/\s\"'?]+?(\.ics)"), r"\1[secret]\2"),
)


def redact_secrets(text: str) -> str:
    """``text`` with the secret of any set-up link or calendar feed path replaced."""
    if "/enrol/" not in text and "/feeds/" not in text:
        return text
    for pattern, replacement in _SECRET_PATHS:
        text = pattern.sub(replacement, text)
    return text


def is_pupil_path(path: str) -> bool:
    return path.startswith(PUPIL_PATH_PREFIX)


class RequestIdMiddleware:
    """Give each request an id (a trusted proxy's ``X-Request-ID`` when it is sane, else a
    new one), put it on every log line written while answering, and send it back in the
    ``X-Request-ID`` header so a member of staff can quote it."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        from django.conf import settings

        given = request.META.get("HTTP_X_REQUEST_ID", "") if settings.HAVEN_TRUST_X_FORWARDED_FOR else ""
        rid = given if _REQUEST_ID.match(given) else uuid.uuid4().hex
        request.request_id = rid
        token = _request.set(RequestInfo(id=rid, pupil_page=is_pupil_path(request.path)))
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        response["X-Request-ID"] = rid
        return response

    def process_view(self, request: Any, view_func: Any, view_args: Any, view_kwargs: Any) -> None:
        info = _request.get()
        match = getattr(request, "resolver_match", None)
        if info is not None and match is not None:
            info.view = match.view_name or ""


def _utc(created: float) -> str:
    return dt.datetime.fromtimestamp(created, tz=dt.UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object a line (see the module's docstring)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": _utc(record.created),
            "level": record.levelname,
            "logger": record.name,
            "event": getattr(record, "event", None) or "log",
            "message": redact_secrets(record.getMessage()),
        }
        info = current_request()
        if info is not None:
            line["request_id"] = info.id
            if info.view:
                line["view"] = info.view
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None and value != "":
                line[name] = value
        if info is not None and info.pupil_page:
            line.pop("address", None)  # anonymous means anonymous
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str, separators=(",", ":"))


def role_of(user: Any) -> str:
    """The roles a person holds, as codes ("dsl", "staff,head"): never their name."""
    try:
        memberships = getattr(user, "active_memberships", None) or []
        roles = sorted({str(m.role) for m in memberships})
    except Exception:  # a log line must never fail the request it describes
        return ""
    if not roles and getattr(user, "is_superuser", False):
        return "superuser"
    return ",".join(roles)


def client_address(request: Any) -> str | None:
    """A member of staff's address, as the audit log takes it; None on the pupil pages."""
    from django.conf import settings

    if request is None or is_pupil_path(getattr(request, "path", "")):
        return None
    if getattr(settings, "HAVEN_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return str(forwarded.split(",")[0].strip()) or None
    return request.META.get("REMOTE_ADDR") or None


security_log = logging.getLogger(SECURITY_LOGGER)


def security_event(
    event: str,
    message: str,
    *,
    request: Any = None,
    user: Any = None,
    level: int = logging.WARNING,
    address: str | None = None,
    **fields: Any,
) -> None:
    """Log one security event (V16.3.3): ``event`` is its code (docs/security/logs.md), the
    user is named by id and role only, and the address is a staff request's (never the pupil
    pages'). ``fields`` are among :data:`FIELDS`."""
    if user is None and request is not None:
        # A DRF request authenticates when .user is first read, which may raise: read what it
        # found, if anything. A Django request's .user is the middleware's lazy user.
        user = getattr(request, "_user", None)
        if user is None and not hasattr(request, "_request"):
            user = getattr(request, "user", None)
    extra: dict[str, Any] = {"event": event}
    if user is not None and getattr(user, "is_authenticated", False):
        extra["user_id"] = user.pk
        extra["role"] = role_of(user)
    if request is not None:
        address = address or client_address(request)
        extra["method"] = getattr(request, "method", None)
    if address and not (request is not None and is_pupil_path(getattr(request, "path", ""))):
        extra["address"] = address
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"Not a log field: {', '.join(sorted(unknown))}")
    extra.update(fields)
    security_log.log(level, message, extra=extra)


class JsonSyslogHandler(logging.handlers.SysLogHandler):
    """The same JSON lines to a syslog collector: over UDP one datagram a line, over TCP each
    line ended by a newline (RFC 6587's non-transparent framing, which rsyslog and
    syslog-ng read), tagged ``haven:``."""

    def __init__(self, host: str, port: int, protocol: str) -> None:
        socktype = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
        super().__init__(address=(host, port), facility=self.LOG_LOCAL0, socktype=socktype)
        self.append_nul = False
        self.ident = "haven: "
        self.tcp = protocol == "tcp"

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text + "\n" if self.tcp else text


def syslog_target(value: str) -> tuple[str, int, str] | None:
    """``HAVEN_LOG_SYSLOG``: ``host:port`` (UDP), ``udp://host:port`` or ``tcp://host:port``;
    empty means no syslog. A bad value is refused, naming the variable."""
    value = value.strip()
    if not value:
        return None
    protocol = "udp"
    if "://" in value:
        protocol, _, value = value.partition("://")
        protocol = protocol.lower()
    host, sep, port = value.rpartition(":")
    host = host.strip("[]")
    if protocol not in {"udp", "tcp"} or not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(
            f"HAVEN_LOG_SYSLOG must be host:port, udp://host:port or tcp://host:port, not {value!r}"
        )
    return host, int(port), protocol


def logging_config(*, level: str, syslog: str) -> dict[str, Any]:
    """settings.LOGGING: JSON lines to the console (journald, or the worker's log file), and
    to syslog when ``HAVEN_LOG_SYSLOG`` is set."""
    handlers: dict[str, Any] = {"console": {"class": "logging.StreamHandler", "formatter": "json"}}
    target = syslog_target(syslog)
    if target is not None:
        host, port, protocol = target
        handlers["syslog"] = {
            "()": "haven.core.logs.JsonSyslogHandler",
            "host": host,
            "port": port,
            "protocol": protocol,
            "formatter": "json",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "haven.core.logs.JsonFormatter"}},
        "handlers": handlers,
        "root": {"handlers": list(handlers), "level": level},
        # Axes' warnings name the email and address tried; Haven logs sign-in failures itself.
        "loggers": {"axes": {"level": "ERROR"}, SECURITY_LOGGER: {"level": "INFO"}},
    }
