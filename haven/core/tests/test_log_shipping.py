"""Logs shipped off the box (ASVS V16.4.3): with HAVEN_LOG_SYSLOG set, the same JSON lines go to
a syslog collector, here a real socket listening on the loopback, over UDP and over TCP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from haven.core.logs import syslog_target

ROOT = Path(__file__).resolve().parents[3]
SAY = (
    "import logging; logging.getLogger('haven.security').warning("
    "'Shipped.', extra={'event': 'test.shipped', 'user_id': 7, 'role': 'dsl'})"
)


def _listen(protocol: str) -> tuple[socket.socket, list[bytes], threading.Thread]:
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    server = socket.socket(socket.AF_INET, kind)
    server.bind(("127.0.0.1", 0))
    server.settimeout(60)
    got: list[bytes] = []

    def receive() -> None:
        if protocol == "tcp":
            server.listen(1)
            conn, _ = server.accept()
            with conn:
                conn.settimeout(60)
                data = b""
                while not data.endswith(b"\n"):
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                got.append(data)
        else:
            got.append(server.recvfrom(65536)[0])

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    return server, got, thread


@pytest.mark.parametrize("protocol", ["udp", "tcp"])
def test_the_json_lines_reach_a_syslog_collector(protocol, tmp_path):
    server, got, thread = _listen(protocol)
    port = server.getsockname()[1]
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path)}
    env["HAVEN_LOG_SYSLOG"] = f"127.0.0.1:{port}" if protocol == "udp" else f"tcp://127.0.0.1:{port}"
    env.pop("DATABASE_URL", None)
    try:
        result = subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments)
            [sys.executable, "manage.py", "shell", "-v0", "-c", SAY],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        thread.join(timeout=30)
    finally:
        server.close()
    [message] = got
    text = message.decode()
    # <priority>, the tag, then the same JSON object the console got.
    assert text.startswith("<") and "haven: {" in text
    shipped = json.loads(text[text.index("{") :])
    console = json.loads(result.stderr.strip().splitlines()[-1])
    assert shipped == console
    assert shipped["event"] == "test.shipped" and shipped["level"] == "WARNING" and shipped["user_id"] == 7
    assert shipped["time"].endswith("+00:00")
    assert text.endswith("\n") == (protocol == "tcp")


@pytest.mark.parametrize(
    ("value", "target"),
    [
        ("", None),
        ("logs.example.org:514", ("logs.example.org", 514, "udp")),
        ("udp://10.0.0.5:5140", ("10.0.0.5", 5140, "udp")),
        ("TCP://logs.example.org:6514", ("logs.example.org", 6514, "tcp")),
        ("tcp://[2001:db8::1]:514", ("2001:db8::1", 514, "tcp")),
    ],
)
def test_the_syslog_setting_is_read(value, target):
    assert syslog_target(value) == target


@pytest.mark.parametrize("value", ["logs.example.org", "http://logs.example.org:514", "logs:0", "logs:port", ":514"])
def test_a_bad_syslog_setting_is_refused_naming_the_variable(value):
    with pytest.raises(ImproperlyConfigured, match="HAVEN_LOG_SYSLOG must be"):
        syslog_target(value)
