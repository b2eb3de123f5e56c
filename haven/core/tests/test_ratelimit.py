"""The shared rate-limit store (haven.core.ratelimit), in the database and in Redis: counts,
lockouts across midnight, the daily salt destroyed, and no address, device or email kept."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import redis
from django.urls import reverse

from haven.core import ratelimit
from haven.core.models import RateCount, RateSalt
from haven.pupil_voice import limits
from haven.pupil_voice.tests.helpers import secrets_from

pytestmark = pytest.mark.django_db
REDIS_URL = "redis://127.0.0.1:6379/0"
LIMIT = ratelimit.Limit("test-limit", 5, 15 * 60)


@pytest.fixture(params=["database", "redis"])
def backend(request, settings):
    """Each test once with the database store and once with Redis (its own key prefix)."""
    ratelimit.forget_salts()
    if request.param == "redis":
        settings.HAVEN_REDIS_URL = REDIS_URL
        settings.HAVEN_LIMITS_PREFIX = f"haven-test-{uuid.uuid4().hex}:"
    yield request.param
    if request.param == "redis":
        ratelimit.store().clear()
    ratelimit.forget_salts()


def _at(monkeypatch, moment: dt.datetime) -> None:
    monkeypatch.setattr(ratelimit, "_now", lambda: moment)


def _stored(backend: str) -> bytes:
    """Everything the store holds, keys and values, as bytes to search."""
    if backend == "redis":
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=ratelimit.store().prefix + "*"))  # type: ignore[attr-defined]
        assert keys
        return b"\n".join(k + b"=" + (client.get(k) or b"") for k in keys)
    rows = [f"{r.key}={r.count}={r.expires_at}".encode() for r in RateCount.objects.all()]
    rows += [bytes(s.salt) + str(s.day).encode() for s in RateSalt.objects.all()]
    assert rows
    return b"\n".join(rows)


def test_a_limit_refuses_after_its_count(backend):
    for _ in range(LIMIT.count - 1):
        ratelimit.hit(LIMIT, "198.51.100.7")
    assert not ratelimit.over(LIMIT, "198.51.100.7")
    assert ratelimit.hit(LIMIT, "198.51.100.7") == LIMIT.count
    assert ratelimit.over(LIMIT, "198.51.100.7")
    assert not ratelimit.over(LIMIT, "198.51.100.8")
    ratelimit.clear(LIMIT.name, "198.51.100.7")
    assert not ratelimit.over(LIMIT, "198.51.100.7")


def test_a_lockout_made_at_23_59_still_holds_after_midnight(backend, monkeypatch):
    _at(monkeypatch, dt.datetime(2026, 3, 9, 23, 59, 30, tzinfo=dt.UTC))
    for _ in range(LIMIT.count):
        ratelimit.hit(LIMIT, "198.51.100.7")
    _at(monkeypatch, dt.datetime(2026, 3, 10, 0, 5, tzinfo=dt.UTC))
    assert ratelimit.over(LIMIT, "198.51.100.7"), "yesterday's key still counts"
    assert ratelimit.count(LIMIT.name, "198.51.100.7") == LIMIT.count
    ratelimit.hit(LIMIT, "198.51.100.7")  # today's key: the two add up
    assert ratelimit.count(LIMIT.name, "198.51.100.7") == LIMIT.count + 1


def test_yesterdays_salt_is_destroyed_an_hour_after_midnight(backend, monkeypatch):
    _at(monkeypatch, dt.datetime(2026, 3, 9, 23, 59, 30, tzinfo=dt.UTC))
    ratelimit.hit(LIMIT, "198.51.100.7")
    store = ratelimit.store()
    if backend == "redis":
        client = redis.Redis.from_url(REDIS_URL)
        ttl = client.pttl(f"{store.prefix}salt:20260309")  # type: ignore[attr-defined]
        assert 0 < ttl <= (60 * 60 + 30) * 1000, "Redis destroys the salt at 01:00"
    _at(monkeypatch, dt.datetime(2026, 3, 10, 1, 0, 1, tzinfo=dt.UTC))
    assert store.salt(dt.date(2026, 3, 9), ratelimit._now(), create=False) is None
    assert ratelimit.count(LIMIT.name, "198.51.100.7") == 0
    ratelimit.purge()
    if backend == "database":
        assert list(RateSalt.objects.values_list("day", flat=True)) == [dt.date(2026, 3, 10)]
        assert not RateCount.objects.filter(key__contains=":20260309:").exists()


def test_a_days_salt_is_random_and_shared(backend, monkeypatch):
    _at(monkeypatch, dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC))
    store = ratelimit.store()
    first = store.salt(dt.date(2026, 3, 9), ratelimit._now(), create=True)
    again = store.salt(dt.date(2026, 3, 9), ratelimit._now(), create=True)
    other = store.salt(dt.date(2026, 3, 10), ratelimit._now(), create=True)
    assert first and len(first) == 32 and first == again and other != first


def test_the_lockout_lasts_its_full_window_from_the_hit_that_reaches_it(backend, monkeypatch):
    start = dt.datetime(2026, 3, 9, 10, tzinfo=dt.UTC)
    _at(monkeypatch, start)
    ratelimit.hit(LIMIT, "ref")
    _at(monkeypatch, start + dt.timedelta(minutes=14))
    for _ in range(LIMIT.count - 1):
        ratelimit.hit(LIMIT, "ref")
    if backend == "database":  # Redis's expiry runs on its own clock; the database's on ours
        _at(monkeypatch, start + dt.timedelta(minutes=20))
        assert ratelimit.over(LIMIT, "ref")
        _at(monkeypatch, start + dt.timedelta(minutes=29, seconds=1))
        assert not ratelimit.over(LIMIT, "ref")


def test_a_window_longer_than_the_salts_grace_is_refused():
    with pytest.raises(ValueError, match="at most"):
        ratelimit.Limit("too-long", 5, 2 * 60 * 60)


def test_the_store_holds_no_address_device_email_or_reference(backend, client, world):
    address, browser = "203.0.113.77", "PupilPhone/9.9 (marker-9d2b)"
    r = client.post(
        f"/tell/{world.school_a.report_code}/",
        {
            "what_happened": "They push me in the corridor.",
            "where": "corridor",
            "when": "this_week",
            "happened_to": "me",
        },
        REMOTE_ADDR=address,
        HTTP_USER_AGENT=browser,
    )
    report, _ = secrets_from(r)
    client.post(
        "/tell/check/",
        {"reference": report.reference, "passphrase": "otter maple drum kite honey"},
        REMOTE_ADDR=address,
        HTTP_USER_AGENT=browser,
    )
    client.post(
        reverse("accounts:sign_in"),
        {"email": "staff_a@example.org", "password": "wrong"},
        REMOTE_ADDR=address,
        HTTP_USER_AGENT=browser,
    )
    assert limits.over(limits.REPORTS_PER_ADDRESS, address) is False
    assert ratelimit.count(limits.CHECK_FAILURES.name, report.reference) == 1
    held = _stored(backend)
    for secret in (address, browser, "marker-9d2b", "staff_a@example.org", report.reference, "203.0.113"):
        assert secret.encode() not in held, secret
    assert world.school_a.report_code.encode() not in held


def test_hits_at_once_in_redis_are_each_counted(settings):
    """Redis adds in one script: twenty hits from four threads count to twenty. (The
    database's upsert is tested the same way from two processes, test_shared_limits.)"""
    from concurrent.futures import ThreadPoolExecutor

    settings.HAVEN_REDIS_URL = REDIS_URL
    settings.HAVEN_LIMITS_PREFIX = f"haven-test-{uuid.uuid4().hex}:"
    ratelimit.forget_salts()
    try:
        with ThreadPoolExecutor(4) as pool:
            counts = list(pool.map(lambda _: ratelimit.incr("race", "x", seconds=60), range(20)))
        assert sorted(counts) == list(range(1, 21))
    finally:
        ratelimit.store().clear()
        ratelimit.forget_salts()


def test_the_hourly_sweep_deletes_what_has_expired(monkeypatch):
    from io import StringIO

    from django.core.management import call_command

    ratelimit.forget_salts()
    _at(monkeypatch, dt.datetime(2026, 3, 9, 23, 50, tzinfo=dt.UTC))
    ratelimit.hit(LIMIT, "198.51.100.7")
    _at(monkeypatch, dt.datetime(2026, 3, 10, 1, 30, tzinfo=dt.UTC))
    out = StringIO()
    call_command("purge_limits", stdout=out)
    assert "Deleted 2 expired" in out.getvalue()  # the count and its day's salt
    assert not RateCount.objects.exists() and not RateSalt.objects.exists()
    ratelimit.forget_salts()


def test_with_redis_unreachable_a_pupil_can_still_tell(client, world, settings, caplog):
    settings.HAVEN_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    ratelimit.forget_salts()
    r = client.post(
        f"/tell/{world.school_a.report_code}/",
        {
            "what_happened": "They push me in the corridor.",
            "where": "corridor",
            "when": "this_week",
            "happened_to": "me",
        },
        REMOTE_ADDR="203.0.113.78",
    )
    assert r.status_code == 200 and "Thank you for telling us" in r.text
    assert "Redis is unreachable" in caplog.text
    assert not ratelimit._salts, "no stand-in salt is kept for when Redis is back"
