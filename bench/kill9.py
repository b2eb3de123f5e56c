"""Kill -9 the whole server while an integration submits concerns with Idempotency-Key and
retries: every concern must be recorded exactly once.

    .venv/bin/python bench/kill9.py                                  # 200 submissions, 4 kills, SQLite
    .venv/bin/python bench/kill9.py --database-url postgres://postgres@127.0.0.1:5432/haven_kill9
    .venv/bin/python bench/kill9.py --submissions 40 --kills 2 --json

It builds a world of its own (a fresh SQLite file in a temporary data directory, or a
PostgreSQL database whose name must end in ``kill9``, created and dropped here), makes an API
token for a member of staff, and starts gunicorn on loopback (2 workers, its own process
group). A few client threads submit the concerns over the API, each with its own key; at
random points (after a random number of answers, and a random few milliseconds more) the
whole process group is killed with SIGKILL and started again. A client retries each
submission with the same key and body until it gets a 201; a share of the first attempts are
impatient (given up after 20-400 ms, while the server may still be recording them), so retries
also race their own first attempt and get its answer replayed. Then the database is counted:
exactly one concern per submission, none lost and none twice. Prints the figures (kills,
failed attempts, retries, replays) and exits 1 when a concern is lost or duplicated.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import datetime as dt
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MARK = "kill9 submission"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn in a process group of its own, so kill -9 takes the master and its workers."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.proc: subprocess.Popen[bytes] | None = None
        self.kills = 0

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "haven.wsgi:application",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                "2",
                "--timeout",
                "60",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("gunicorn did not start")

    def kill(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.kills += 1

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)


def _manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    )
    return done.stdout


SETUP = """
import json
from conftest import build_world
from haven.api.services import token_create
world = build_world()
token = token_create(by=world.users["staff_a"], name="kill9")[1]
print(json.dumps({"token": token, "upn": world.pupils["a"].upn}))
"""

COUNT = """
import json
from collections import Counter
from haven.concerns.models import Concern
from haven.api.models import IdempotencyKey
prefix = %r
# Narratives are encrypted at rest: the database cannot compare them, so they are read and compared here.
texts = Counter(t for t in Concern.objects.values_list("what_happened", flat=True) if t.startswith(prefix))
print(json.dumps({"texts": texts, "keys": IdempotencyKey.objects.count()}))
"""


def _pg(url: str, sql: str) -> None:
    import psycopg

    parts = urllib.parse.urlsplit(url)
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def run(
    *, submissions: int, kills: int, threads: int, impatient: float, database_url: str | None, seed: int
) -> dict[str, Any]:
    rng = random.Random(seed)
    data_dir = tempfile.mkdtemp(prefix="haven-kill9-")
    env = {
        **os.environ,
        "HAVEN_ENV": "test",
        "HAVEN_DATA_DIR": data_dir,
        "HAVEN_API_WRITES_PER_MINUTE": "1000000",
        "HAVEN_API_READS_PER_MINUTE": "1000000",
    }
    env.pop("DATABASE_URL", None)
    db_name = ""
    if database_url:
        db_name = urllib.parse.urlsplit(database_url).path.lstrip("/")
        if not db_name.endswith("kill9"):
            raise SystemExit("The database's name must end in kill9: it is dropped and created here.")
        _pg(database_url, f'DROP DATABASE IF EXISTS "{db_name}"')
        _pg(database_url, f'CREATE DATABASE "{db_name}"')
        env["DATABASE_URL"] = database_url
    try:
        _manage(env, "migrate", "-v0")
        made = json.loads(_manage(env, "shell", "-v0", "-c", SETUP).strip().splitlines()[-1])
        return _measure(
            env,
            made,
            submissions=submissions,
            kills=kills,
            threads=threads,
            impatient_share=impatient,
            rng=rng,
        )
    finally:
        if db_name:
            _pg(database_url or "", f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def _measure(
    env: dict[str, str],
    made: dict[str, str],
    *,
    submissions: int,
    kills: int,
    threads: int,
    impatient_share: float,
    rng: random.Random,
) -> dict[str, Any]:
    server = Server(env, _free_port())
    server.start()
    occurred = (dt.datetime.now(dt.UTC) - dt.timedelta(hours=2)).isoformat()
    lock = threading.Lock()
    figures = {"attempts": 0, "failed_attempts": 0, "retried_submissions": 0, "replays": 0, "refused": 0}
    answered = 0
    impatience = [rng.uniform(0.02, 0.4) if rng.random() < impatient_share else 0.0 for _ in range(submissions)]
    thresholds = sorted(rng.sample(range(1, submissions), min(kills, submissions - 1)))
    serving = threading.Event()
    serving.set()
    finished = threading.Event()

    def submit(i: int) -> None:
        nonlocal answered
        body = json.dumps(
            {
                "school": "140001",
                "children": [{"upn": made["upn"], "role": "affected"}],
                "occurred_at": occurred,
                "location": "corridor",
                "categories": ["bullying"],
                "what_happened": f"{MARK} {i:05d}",
                "child_told_next_steps": "yes",
            }
        )
        headers = {
            "Authorization": f"Bearer {made['token']}",
            "Content-Type": "application/json",
            "Idempotency-Key": f"kill9-{i:05d}",
        }
        tries = 0
        impatient = impatience[i]
        while True:
            tries += 1
            serving.wait(timeout=30)
            # An impatient client gives up on its first attempt after a few hundred ms and
            # sends it again while the server may still be recording the first.
            timeout = impatient if tries == 1 and impatient else 30.0
            try:
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
                conn.request("POST", "/api/v1/concerns/", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                status, replayed = response.status, response.getheader("Idempotent-Replayed") == "true"
                conn.close()
            except (OSError, http.client.HTTPException):
                status, replayed = 0, False
            with lock:
                figures["attempts"] += 1
                if status == 201:
                    figures["replays"] += replayed
                    figures["retried_submissions"] += tries > 1
                    answered += 1
                    return
                if 400 <= status < 500:
                    figures["refused"] += 1
                    return
                figures["failed_attempts"] += 1
            time.sleep(0.05 * min(tries, 10))

    def killer() -> None:
        for threshold in thresholds:
            while answered < threshold and not finished.is_set():
                time.sleep(0.001)
            if finished.is_set():
                return
            time.sleep(rng.uniform(0, 0.05))  # a random point inside the next requests
            serving.clear()
            server.kill()
            time.sleep(rng.uniform(0.05, 0.3))
            server.start()
            serving.set()

    started = time.monotonic()
    kill_thread = threading.Thread(target=killer, daemon=True)
    kill_thread.start()
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=threads) as pool:
            list(pool.map(submit, range(submissions)))
        finished.set()
        kill_thread.join(timeout=120)
    finally:
        finished.set()
        server.stop()
    seconds = time.monotonic() - started
    counted = json.loads(_manage(env, "shell", "-v0", "-c", COUNT % MARK).strip().splitlines()[-1])
    texts = counted["texts"]
    expected = {f"{MARK} {i:05d}" for i in range(submissions)}
    return {
        "database": "postgresql" if env.get("DATABASE_URL") else "sqlite",
        "submissions": submissions,
        "kills": server.kills,
        "impatient_first_attempts": sum(1 for t in impatience if t),
        **figures,
        "concerns_in_database": sum(texts.values()),
        "lost": len(expected - set(texts)),
        "duplicated": sum(n - 1 for n in texts.values() if n > 1),
        "idempotency_keys": counted["keys"],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--submissions", type=int, default=200)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--impatient", type=float, default=0.2, help="share of first attempts given up after 20-400 ms (0.2)"
    )
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--database-url", help="a PostgreSQL URL whose database name ends in kill9")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON line")
    args = parser.parse_args()
    result = run(
        submissions=args.submissions,
        kills=args.kills,
        threads=args.threads,
        impatient=args.impatient,
        database_url=args.database_url,
        seed=args.seed,
    )
    result["seed"] = args.seed
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>22}: {value}")
    sys.exit(0 if result["lost"] == 0 and result["duplicated"] == 0 and result["refused"] == 0 else 1)


if __name__ == "__main__":
    main()
