"""The web server's access log keeps nothing of the pupil pages (issue 15): gunicorn started
as scripts/run.sh starts it, on loopback, with real requests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:  # noqa: S310 (loopback)
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


@pytest.mark.slow
def test_pupil_pages_leave_no_line_in_the_access_log(tmp_path: Path):
    port, log = _free_port(), tmp_path / "access.log"
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "haven.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--logger-class",
            "haven.core.gunicorn_logging.AccessLogger",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                _get(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        for path in ("/tell/abcdefghjkmn/", "/tell/check/", "/tell/abcdefghjkmn/survey/", "/healthz"):
            _get(base + path)
        for _ in range(50):  # gunicorn writes the line after the answer
            if log.exists() and log.read_text().count("/healthz") >= 2:
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert text.count("GET /healthz") >= 2  # the log works
    assert "/tell/" not in text
