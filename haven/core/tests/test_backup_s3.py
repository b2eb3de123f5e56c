"""The S3-compatible store (haven.core.backup_store.S3Store) against moto's S3 server: multipart
uploads streamed and read back, nothing left behind by a failed upload, and rotation that
deletes only Haven's own archives under its own prefix."""

from __future__ import annotations

import datetime as dt
import os

import pytest

from haven.core import backup
from haven.core.backup_crypto import BackupError
from haven.core.backup_store import PART, S3Store, open_archive


def test_a_large_archive_goes_up_in_parts_and_comes_back_the_same(s3_server, monkeypatch):
    client = s3_server.bucket("haven-large")
    store = S3Store("haven-large", "nightly", client=client)
    blob = os.urandom(2 * PART + 12345)
    with store.writer("haven-20261202T020000Z.backup") as sink:
        for at in range(0, len(blob), 1_000_000):
            sink.write(blob[at : at + 1_000_000])
    head = client.head_object(Bucket="haven-large", Key="nightly/haven-20261202T020000Z.backup")
    assert head["ContentLength"] == len(blob)
    assert int(head["ETag"].strip('"').split("-")[1]) == 2  # parts of 8 MiB or more, streamed, no whole put
    for name, value in s3_server.env().items():
        monkeypatch.setenv(name, value)
    with open_archive("s3://haven-large/nightly/haven-20261202T020000Z.backup") as f:
        assert f.read() == blob


def test_a_failed_upload_leaves_nothing_behind(s3_server):
    client = s3_server.bucket("haven-failed")
    store = S3Store("haven-failed", "", client=client)
    with pytest.raises(RuntimeError), store.writer("haven-20261202T020000Z.backup") as sink:
        sink.write(b"x" * (PART + 1))
        raise RuntimeError("the database snapshot failed")
    assert client.list_objects_v2(Bucket="haven-failed").get("KeyCount") == 0
    assert not client.list_multipart_uploads(Bucket="haven-failed").get("Uploads")


def test_a_missing_bucket_is_named(s3_server):
    store = S3Store("no-such-bucket", "x", client=s3_server.client())
    with (
        pytest.raises(BackupError, match="The S3 store refused to start an upload to s3://no-such-bucket/x/"),
        store.writer("haven-20261202T020000Z.backup"),
    ):
        pass


def test_rotation_in_s3_keeps_days_weeks_and_months_and_touches_nothing_else(s3_server):
    client = s3_server.bucket("haven-rotation")
    start = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    stamps = [start - dt.timedelta(days=d) for d in range(430)]  # daily for 14 months and more
    for stamp in stamps:
        client.put_object(Bucket="haven-rotation", Key=f"nightly/haven-{stamp:{backup.STAMP}}.backup", Body=b"a")
    others = [
        "nightly/notes.txt",
        "nightly/haven-20250101T000000Z.backup.partial",
        "nightly/older/haven-20250101T000000Z.backup",  # not directly under the prefix
        "nightlyish/haven-20250101T000000Z.backup",  # another prefix that starts the same
        "haven-20250101T000000Z.backup",
    ]
    for key in others:
        client.put_object(Bucket="haven-rotation", Key=key, Body=b"not ours to delete")

    store = S3Store("haven-rotation", "nightly", client=client)
    removed = backup.prune(store, daily=7, weekly=4, monthly=12)

    left = {
        o["Key"]
        for p in client.get_paginator("list_objects_v2").paginate(Bucket="haven-rotation")
        for o in p.get("Contents", [])
    }
    assert set(others) <= left
    kept = {
        dt.datetime.strptime(k.split("haven-")[1][:16], backup.STAMP).replace(tzinfo=dt.UTC) for k in left - set(others)
    }
    assert kept == backup.archives_to_keep(stamps, daily=7, weekly=4, monthly=12)
    assert len(removed) == len(stamps) - len(kept)
    assert {start - dt.timedelta(days=d) for d in range(7)} <= kept  # the last seven days
    assert len({(s.year, s.month) for s in kept}) == 12  # one in each of twelve months
    assert min(kept) == dt.datetime(2026, 1, 31, 2, 0, tzinfo=dt.UTC)  # January's newest; nothing older
