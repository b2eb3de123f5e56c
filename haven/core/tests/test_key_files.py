"""The data dir's key files (secret key, audit key, field key) are made once, whole, even
when several processes start at the same moment on an empty data dir, as gunicorn's
workers and the task worker do on a first start: every process must read the same keys,
or one would seal audit entries and encrypt narratives that the others cannot open."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
PROCESSES = 12

pytestmark = pytest.mark.slow


def test_processes_starting_together_make_and_read_the_same_keys(tmp_path):
    env = {**os.environ, "HAVEN_ENV": "test", "HAVEN_DATA_DIR": str(tmp_path)}
    for name in (
        "HAVEN_SECRET_KEY",
        "HAVEN_AUDIT_KEY",
        "HAVEN_AUDIT_KEY_FILE",
        "HAVEN_FIELD_KEY",
        "HAVEN_FIELD_KEY_FILE",
    ):
        env.pop(name, None)
    start = time.time() + 3  # every process has started Python by then
    code = (
        "import time, hashlib\n"
        # What settings imports is loaded first, so the key files are made in the same instant.
        "import dj_database_url, django.core.exceptions, haven.core.logs, haven.core.transport\n"
        f"time.sleep(max(0, {start} - time.time()))\n"
        "from haven import settings as s\n"
        "print(hashlib.sha256(s.SECRET_KEY.encode() + s.AUDIT_KEY + s.FIELD_KEY).hexdigest())\n"
    )
    processes = [
        subprocess.Popen(  # noqa: S603 (this Python, fixed code)
            [sys.executable, "-c", code], cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(PROCESSES)
    ]
    answers = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        answers.append(out.strip())
    assert len(set(answers)) == 1, answers
    for name in ("secret_key", "audit_key", "field_key"):
        path = tmp_path / name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
        assert path.read_text().endswith("\n") and len(path.read_text().strip()) >= 40, name
    left = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert left == ["audit_key", "field_key", "secret_key"], "no temporary file is left"
