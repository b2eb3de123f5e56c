"""/healthz: the database decides the code; the worker, alerts and backup show in the body."""

import datetime as dt
import json
from unittest import mock

import pytest
from django.db.utils import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from conftest import sign_in
from haven.core.tasks import worker_heartbeat

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DB_TASKS


def _task(
    *, status="SUCCESSFUL", enqueued_ago, finished_ago=None, run_after=None, path="haven.core.tasks.worker_heartbeat"
):
    now = timezone.now()
    row = DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path=path,
        backend_name="default",
        queue_name="default",
        run_after=run_after or get_date_max(),
        finished_at=now - finished_ago if finished_ago is not None else None,
    )
    # enqueued_at is auto_now_add: set it afterwards.
    DBTaskResult.objects.filter(pk=row.pk).update(enqueued_at=now - enqueued_ago)
    return row


def _backup_written(settings, ago):
    at = timezone.now() - ago
    (settings.DATA_DIR / "last-backup.json").write_text(json.dumps({"at": at.isoformat(), "archive": "x", "bytes": 1}))


def test_it_answers_ok_with_everything_fresh(client, db, settings, database_tasks):
    _task(enqueued_ago=dt.timedelta(minutes=30), finished_ago=dt.timedelta(minutes=30))
    _backup_written(settings, dt.timedelta(hours=3))
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert {k: body[k]["status"] for k in ("database", "worker", "alerts", "backup")} == {
        "database": "ok",
        "worker": "ok",
        "alerts": "ok",
        "backup": "ok",
    }
    assert body["alerts"]["queued"] == 0


def test_a_stale_worker_and_old_backup_show_but_keep_200(client, db, settings, database_tasks):
    _task(enqueued_ago=dt.timedelta(hours=5), finished_ago=dt.timedelta(hours=5))
    _backup_written(settings, dt.timedelta(hours=27))
    r = client.get("/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "degraded"
    assert body["worker"]["status"] == "stale"
    assert body["worker"]["last_task_finished_seconds_ago"] >= 5 * 3600
    assert body["backup"]["status"] == "stale"


def test_no_backup_ever_is_stale(client, db, settings):
    (settings.DATA_DIR / "last-backup.json").unlink(missing_ok=True)
    body = client.get("/healthz").json()
    assert body["backup"] == {"status": "stale", "last_backup_at": None, "detail": "no backup has been written"}


def test_an_alert_waiting_for_the_worker_shows_its_age(client, db, settings, database_tasks):
    _task(enqueued_ago=dt.timedelta(minutes=10), finished_ago=dt.timedelta(minutes=10))
    _task(status="READY", enqueued_ago=dt.timedelta(minutes=25), path="haven.concerns.tasks.urgent_concern_alert")
    # A deferred escalation not yet due is not late.
    _task(status="READY", enqueued_ago=dt.timedelta(hours=2), run_after=timezone.now() + dt.timedelta(minutes=30))
    body = client.get("/healthz").json()
    assert body["alerts"]["status"] == "stale"
    assert body["alerts"]["queued"] == 1
    assert body["alerts"]["oldest_queued_task"] == "haven.concerns.tasks.urgent_concern_alert"
    assert 25 * 60 <= body["alerts"]["oldest_queued_seconds"] < 26 * 60
    assert body["worker"]["status"] == "stale"  # it finished a task, but is not taking new ones


def test_a_failed_alert_task_shows_as_failing(client, db, database_tasks):
    _task(enqueued_ago=dt.timedelta(minutes=5), finished_ago=dt.timedelta(minutes=5))
    _task(status="FAILED", enqueued_ago=dt.timedelta(hours=1), finished_ago=dt.timedelta(hours=1))
    assert client.get("/healthz").json()["alerts"]["status"] == "failing"


def test_the_heartbeat_command_gives_the_worker_a_task(db, database_tasks):
    from django.core.management import call_command

    call_command("worker_heartbeat")
    row = DBTaskResult.objects.get()
    assert row.task_path == "haven.core.tasks.worker_heartbeat"
    assert worker_heartbeat.call()  # what the worker runs


def test_it_answers_503_when_the_database_is_down(client, db):
    with mock.patch("django.db.connection.cursor", side_effect=OperationalError("gone")):
        r = client.get("/healthz")
    assert r.status_code == 503
    body = r.json()
    assert body["status"] == "unavailable"
    assert body["database"]["status"] == "unavailable"
    assert {"worker", "alerts", "backup"} <= set(body)


def test_it_answers_503_json_with_a_session_cookie_in_an_outage(client, world):
    sign_in(client, world.users["dsl_a"])
    with mock.patch("django.db.connection.ensure_connection", side_effect=OperationalError("refused")):
        r = client.get("/healthz")
    assert r.status_code == 503
    assert r["Content-Type"] == "application/json"
    assert r.json()["database"]["status"] == "unavailable"


def test_it_is_not_cached(client, db):
    assert "no-cache" in client.get("/healthz")["Cache-Control"]
