"""kill -9 of the whole server while concerns are submitted with Idempotency-Key and retried:
none is lost and none is recorded twice (bench/kill9.py, a smaller run), on the database the
suite runs on (PostgreSQL when DATABASE_URL is set, in a database of its own)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_kill_9_during_submissions_loses_none_and_records_none_twice():
    command = [sys.executable, "bench/kill9.py", "--submissions", "24", "--kills", "2", "--threads", "4", "--json"]
    url = os.environ.get("DATABASE_URL")
    if url:
        parts = urllib.parse.urlsplit(url)
        command += ["--database-url", urllib.parse.urlunsplit(parts._replace(path=parts.path + "_kill9"))]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=870, check=False)  # noqa: S603
    assert done.stdout.strip(), done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["database"] == ("postgresql" if url else "sqlite")
    assert result["kills"] == 2
    assert result["failed_attempts"] >= 1, result  # the kills did cut submissions off
    assert result["refused"] == 0, result
    assert (result["concerns_in_database"], result["lost"], result["duplicated"]) == (24, 0, 0), result
    assert done.returncode == 0
