"""The web server's log lines: JSON as the application's (haven.core.logs), without anything
that could lead to a pupil.

Pupils tell the school from ``/tell/...`` with no account, and Haven keeps no address or
device with what they send (DESIGN §11). An access log that wrote each request's address,
user agent and second would keep them after all, beside the moment of the report. So the
pupil pages are left out of it entirely; every other request is one JSON line: UTC time with
its offset, the address, method and path (never the query string, which may hold a search
for a child's name, nor the secret of a set-up link or calendar feed), status, bytes,
duration, user agent and the request's id (the ``X-Request-ID`` the application answered
with, so an access line meets its application lines). gunicorn's own error lines are JSON too.
``scripts/run.sh`` starts gunicorn with ``--logger-class haven.core.gunicorn_logging.AccessLogger``.
"""

from __future__ import annotations

import datetime as dt
import json
import traceback
from typing import Any

from gunicorn.glogging import Logger

from haven.core.logs import PUPIL_PATH_PREFIX, JsonFormatter, redact_secrets

__all__ = ["PUPIL_PATH_PREFIX", "AccessLogger"]


def _header(headers: Any, name: str) -> str | None:
    for key, value in headers.items() if hasattr(headers, "items") else headers:
        if str(key).lower() == name:
            return str(value)
    return None


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.setFormatter(JsonFormatter())

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        path = str(environ.get("PATH_INFO", ""))
        if path.startswith(PUPIL_PATH_PREFIX) or not self.access_log_enabled:
            return
        status = resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status
        method = environ.get("REQUEST_METHOD", "")
        line = {
            "time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "level": "INFO",
            "logger": "gunicorn.access",
            "event": "http.request",
            "request": f"{method} {redact_secrets(path)}",
            "status": int(status) if str(status).isdigit() else status,
            "bytes": getattr(resp, "sent", None),
            "duration_ms": request_time.seconds * 1000 + request_time.microseconds // 1000,
            "address": environ.get("REMOTE_ADDR"),
            "user_agent": environ.get("HTTP_USER_AGENT", "")[:300],
            "request_id": _header(resp.headers, "x-request-id"),
        }
        try:
            self.access_log.info(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
        except Exception:
            self.error(traceback.format_exc())
