"""Request smuggling (ASVS V4.2.1): gunicorn, as deploy/systemd/haven-web.service runs it behind
the proxy, decides where each request ends by one rule and refuses a request whose framing two
parsers could read differently, closing the connection so that nothing hidden after it is
answered. A real gunicorn serving Haven on the loopback, spoken to in raw bytes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DATABASE_URL", "PYTEST"))}
    env |= {"HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path_factory.mktemp("gunicorn-data"))}
    # A database with its tables: the API's throttles count in it, so an empty file answers 503.
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, capture_output=True)
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and gunicorn)
        [sys.executable, "-m", "gunicorn", "haven.wsgi:application", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("gunicorn did not start within 60 seconds")
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def _send(port: int, raw: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(raw)
        received = b""
        while chunk := sock.recv(65536):  # gunicorn closes the connection after a refusal
            received += chunk
        return received


SMUGGLED = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def test_a_plain_request_is_answered(gunicorn):
    answer = _send(gunicorn, b"GET /api/schema/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    "request_head",
    [
        # Content-Length and Transfer-Encoding both: which one ends the body? (CL.TE / TE.CL)
        b"POST /api/v1/concerns/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
        # a transfer coding that is not chunked leaves the length unknown
        b"POST /api/v1/concerns/ HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        # chunked in HTTP/1.0, which has no chunked encoding
        b"POST /api/v1/concerns/ HTTP/1.0\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        # two different lengths
        b"POST /api/v1/concerns/ HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nContent-Length: 44\r\n\r\n",
    ],
    ids=["content-length-and-chunked", "gzip-not-chunked", "chunked-http-1.0", "two-lengths"],
)
def test_ambiguous_framing_is_refused_and_nothing_after_it_is_answered(gunicorn, request_head):
    answer = _send(gunicorn, request_head + b"0\r\n\r\n" + SMUGGLED)
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    assert answer.count(b"HTTP/1.") == 1  # the request hidden behind it was never read
