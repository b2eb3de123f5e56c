"""The web server's access log, without anything that could lead to a pupil.

Pupils tell the school from ``/tell/...`` with no account, and Haven keeps no address or
device with what they send (DESIGN §11). An access log that wrote each request's address,
user agent and second would keep them after all, beside the moment of the report. So the
pupil pages are left out of it entirely; every other request is logged as gunicorn does.
``scripts/run.sh`` starts gunicorn with ``--logger-class haven.core.gunicorn_logging.AccessLogger``.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

# Where pupils come without an account: /tell/<code>/, /tell/check/, /tell/<code>/survey/ and
# the explainers under /tell/<code>/about/.
PUPIL_PATH_PREFIX = "/tell/"


class AccessLogger(Logger):  # type: ignore[misc]  # gunicorn has no type hints
    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> None:
        if str(environ.get("PATH_INFO", "")).startswith(PUPIL_PATH_PREFIX):
            return
        super().access(resp, req, environ, request_time)
