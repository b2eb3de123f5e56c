"""The web server's access log keeps nothing of the pupil pages (issue 15): gunicorn started
as scripts/run.sh starts it, on loopback, with real requests."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
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
    port, log = _free_port(), tmp_path / "logs" / "access.log"
    log.parent.mkdir()
    server = _serve(tmp_path, port)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base)
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
    # One JSON object a line (V16.2.4): UTC time with its offset, the request's id.
    for line in map(json.loads, text.splitlines()):
        assert line["logger"] == "gunicorn.access" and line["event"] == "http.request"
        assert line["time"].endswith("+00:00") and line["status"] in (200, 503)
        assert len(line["request_id"]) == 32 and line["address"] == "127.0.0.1"


def _wait_for(base: str) -> None:
    for _ in range(100):
        try:
            _get(base + "/healthz")
            return
        except OSError:
            time.sleep(0.1)


def _serve(tmp_path: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    return subprocess.Popen(  # noqa: S603 (our own server, fixed arguments)
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "haven.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(tmp_path / "logs" / "access.log"),
            "--logger-class",
            "haven.core.gunicorn_logging.AccessLogger",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.mark.slow
def test_after_a_report_no_file_in_the_data_dir_holds_the_pupils_address_or_browser(tmp_path: Path):
    """A pupil tells through the real server; then every file under the data dir (database,
    its journal, logs, mail) is searched for the pupil's browser and address."""
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    manage = [sys.executable, "manage.py"]
    subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, env=env, check=True)  # noqa: S603
    made = subprocess.run(  # noqa: S603
        [*manage, "shell", "-v0", "-c", "from conftest import build_world; print(build_world().school_a.report_code)"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    code = made.stdout.strip().splitlines()[-1]
    (tmp_path / "logs").mkdir(exist_ok=True)
    port = _free_port()
    server = _serve(tmp_path, port)
    browser = "PupilPhone/9.9 (marker-5f1c2e)"
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base)
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        opener.addheaders = [("User-Agent", browser)]
        with opener.open(f"{base}/tell/{code}/", timeout=10) as page:
            form = page.read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        assert token, "the form carries a CSRF token"
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "what_happened": "Someone keeps calling me names in the corridor.",
                "where": "corridor",
                "when": "this_week",
                "happened_to": "me",
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310 (loopback)
            f"{base}/tell/{code}/", data=data, headers={"Referer": f"{base}/tell/{code}/"}
        )
        with opener.open(request, timeout=10) as answer:
            assert "Thank you for telling us" in answer.read().decode()
        _get(base + "/healthz")
        time.sleep(0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "haven.sqlite3" for p in files)
    for path in files:
        content = path.read_bytes()
        assert browser.encode() not in content, f"{path.name} holds the pupil's browser"
        assert b"marker-5f1c2e" not in content, path.name
        if path.name == "access.log":
            lines = content.decode().splitlines()
            assert lines and all("/tell/" not in line for line in lines)
        else:
            assert b"127.0.0.1" not in content, f"{path.name} holds the pupil's address"


def test_no_log_keeps_the_secret_of_a_set_up_link_or_a_calendar_feed(tmp_path: Path):
    """V14.2.1: the two secrets a path carries never reach the access log, nor the
    application's own lines (a 404 for a used link names its path)."""
    port, log = _free_port(), tmp_path / "logs" / "access.log"
    log.parent.mkdir()
    server = _serve(tmp_path, port)
    token, feed = "S3cretEnrolmentToken_abcdefghijklmnop", "FeedSecretQRSTUVWXYZ0123456789abcdef"
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(base)
        for path in (f"/account/enrol/{token}/", f"/network/feeds/{feed}.ics", f"/network/feeds/pyramids/1/{feed}.ics"):
            _get(base + path)
        for _ in range(50):
            if log.exists() and log.read_text().count("[secret]") >= 3:
                break
            time.sleep(0.1)
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert "GET /account/enrol/[secret]/" in text and "GET /network/feeds/[secret].ics" in text
    assert "/network/feeds/pyramids/1/[secret].ics" in text
    everything = "\n".join(
        p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".sqlite3"
    )
    assert token not in everything and feed not in everything
