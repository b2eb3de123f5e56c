"""Rate limits and lockouts shared by every web worker, kept across restarts.

The pupil pages (/tell/...) and the staff sign-in count attempts here: in the database, or
in Redis when ``HAVEN_REDIS_URL`` is set. Three gunicorn workers share one count, and a
restart forgets nothing.

No address, device or email is ever stored. A key is ``HMAC(salt of the day, value)``; the
salt is random, kept in the same shared store so that every worker uses the same one, and
destroyed an hour after its day ends (``SALT_GRACE``, the longest window). Until then a count
made at 23:59 still counts at 00:30 (today's and yesterday's keys are both read); after it,
yesterday's keys can no longer be linked to any address, not even by trying every one.

Windows are fixed: a key's first hit starts its window. When a hit reaches the limit, the
window starts again from that hit, so a lockout always lasts its full length.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from haven.core.models import RateCount, RateSalt

if TYPE_CHECKING:
    import redis

# The longest window of any limit: yesterday's salt is kept this long after midnight.
SALT_GRACE = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Limit:
    name: str
    count: int
    seconds: int

    def __post_init__(self) -> None:
        if not 0 < self.seconds <= SALT_GRACE.total_seconds():
            raise ValueError(f"A limit's window is at most {SALT_GRACE}: {self.name} asks for {self.seconds} s.")


def _now() -> dt.datetime:
    return timezone.now()


def _midnight_after(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


class Store(Protocol):
    def incr(self, key: str, seconds: int, now: dt.datetime) -> int:
        """Add one to ``key`` (starting a window of ``seconds`` if it has none) and return it."""

    def counts(self, keys: list[str], now: dt.datetime) -> int:
        """The sum of the live counts of ``keys``."""

    def touch(self, key: str, seconds: int, now: dt.datetime) -> None:
        """Restart ``key``'s window from ``now``."""

    def delete(self, keys: list[str]) -> None: ...

    def salt(self, day: dt.date, now: dt.datetime, *, create: bool) -> bytes | None:
        """The salt of ``day`` while it is held; made (once, whoever asks first) if ``create``."""

    def purge(self, now: dt.datetime) -> int:
        """Delete expired counts and salts."""

    def clear(self) -> None:
        """Forget everything (tests)."""


class DatabaseStore:
    """Counts in ``core_ratecount``: one upsert per hit, atomic on SQLite (one writer) and
    PostgreSQL (the row's lock), so two workers never lose a count."""

    def incr(self, key: str, seconds: int, now: dt.datetime) -> int:
        expires = now + dt.timedelta(seconds=seconds)
        if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
            with transaction.atomic():
                RateCount.objects.get_or_create(key=key, defaults={"expires_at": expires})
                row = RateCount.objects.select_for_update().get(key=key)
                if row.expires_at <= now:
                    row.count, row.expires_at = 0, expires
                row.count += 1
                row.save(update_fields=["count", "expires_at"])
                return row.count
        table = connection.ops.quote_name(RateCount._meta.db_table)
        at, until = connection.ops.adapt_datetimefield_value(now), connection.ops.adapt_datetimefield_value(expires)
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("key", "count", "expires_at") VALUES (%s, 1, %s) '  # noqa: S608  # nosec B608
                f'ON CONFLICT ("key") DO UPDATE SET '
                f'"count" = CASE WHEN {table}."expires_at" <= %s THEN 1 ELSE {table}."count" + 1 END, '
                f'"expires_at" = CASE WHEN {table}."expires_at" <= %s THEN %s ELSE {table}."expires_at" END '
                'RETURNING "count"',
                [key, until, at, at, until],
            )
            value: int = cursor.fetchone()[0]
        return value

    def counts(self, keys: list[str], now: dt.datetime) -> int:
        return sum(RateCount.objects.filter(key__in=keys, expires_at__gt=now).values_list("count", flat=True))

    def touch(self, key: str, seconds: int, now: dt.datetime) -> None:
        RateCount.objects.filter(key=key, expires_at__gt=now).update(expires_at=now + dt.timedelta(seconds=seconds))

    def delete(self, keys: list[str]) -> None:
        RateCount.objects.filter(key__in=keys).delete()

    def salt(self, day: dt.date, now: dt.datetime, *, create: bool) -> bytes | None:
        row = RateSalt.objects.filter(day=day, expires_at__gt=now).first()
        if row is None and create:
            # Whoever inserts first wins; everyone then reads the one salt of the day.
            fresh = RateSalt(day=day, salt=secrets.token_bytes(32), expires_at=_midnight_after(day) + SALT_GRACE)
            RateSalt.objects.bulk_create([fresh], ignore_conflicts=True)
            row = RateSalt.objects.filter(day=day, expires_at__gt=now).first()
        return bytes(row.salt) if row is not None else None

    def purge(self, now: dt.datetime) -> int:
        with transaction.atomic():
            if connection.vendor == "sqlite":
                # Overwrite the deleted pages, so a destroyed salt does not linger in the file.
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA secure_delete = ON")
            salts, _ = RateSalt.objects.filter(expires_at__lte=now).delete()
            counts, _ = RateCount.objects.filter(expires_at__lte=now).delete()
        return salts + counts

    def clear(self) -> None:
        RateCount.objects.all().delete()
        RateSalt.objects.all().delete()


log = logging.getLogger(__name__)
T = TypeVar("T")


def _or_else(fallback: Any) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """When Redis cannot be reached, count nothing rather than fail the page: a pupil must
    always be able to tell someone. The log says so, once per call."""

    def wrap(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def guarded(*args: Any, **kwargs: Any) -> T:
            import redis

            try:
                return method(*args, **kwargs)
            except redis.RedisError as exc:
                log.warning("Rate limits are not counted: Redis is unreachable (%s).", type(exc).__name__)
                return fallback  # type: ignore[no-any-return]

        return guarded

    return wrap


# INCR, and start the window on the first hit (or if a key somehow lost its expiry).
_INCR = """
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n
"""


# Keys made while Redis is down are never stored; any salt will do for them.
_UNREACHABLE_SALT = b"\0" * 32


class RedisStore:
    """Counts in Redis (``HAVEN_REDIS_URL``) under ``HAVEN_LIMITS_PREFIX``: INCR and its
    expiry in one script; salts expire by themselves."""

    def __init__(self, url: str, prefix: str) -> None:
        import redis  # only when Redis is configured

        # A page waits at most a second for Redis before counting nothing (see _or_else).
        self.client: redis.Redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = prefix
        self._incr = self.client.register_script(_INCR)

    @_or_else(0)
    def incr(self, key: str, seconds: int, now: dt.datetime) -> int:
        return int(self._incr(keys=[self.prefix + key], args=[seconds * 1000]))

    @_or_else(0)
    def counts(self, keys: list[str], now: dt.datetime) -> int:
        values: list[Any] = self.client.mget([self.prefix + k for k in keys])
        return sum(int(v) for v in values if v is not None)

    @_or_else(None)
    def touch(self, key: str, seconds: int, now: dt.datetime) -> None:
        self.client.pexpire(self.prefix + key, seconds * 1000)

    @_or_else(None)
    def delete(self, keys: list[str]) -> None:
        self.client.delete(*[self.prefix + k for k in keys])

    @_or_else(_UNREACHABLE_SALT)
    def salt(self, day: dt.date, now: dt.datetime, *, create: bool) -> bytes | None:
        name = f"{self.prefix}salt:{day:%Y%m%d}"
        left = int(((_midnight_after(day) + SALT_GRACE) - now).total_seconds() * 1000)
        if left <= 0:
            return None
        if create:
            self.client.set(name, secrets.token_bytes(32), nx=True, px=left)
        value: bytes | None = self.client.get(name)  # type: ignore[assignment]
        return value

    def purge(self, now: dt.datetime) -> int:
        return 0  # Redis expires keys itself

    def clear(self) -> None:
        keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
        if keys:
            self.client.delete(*keys)


_lock = threading.Lock()
_stores: dict[tuple[str, str], Store] = {}
_salts: dict[tuple[int, dt.date], bytes] = {}  # (id of the store, day) -> salt, while held


def store() -> Store:
    """The configured store: Redis when ``HAVEN_REDIS_URL`` is set, else the database."""
    url, prefix = settings.HAVEN_REDIS_URL, settings.HAVEN_LIMITS_PREFIX
    with _lock:
        if (url, prefix) not in _stores:
            _stores[(url, prefix)] = RedisStore(url, prefix) if url else DatabaseStore()
        return _stores[(url, prefix)]


def _salt(s: Store, day: dt.date, now: dt.datetime, *, create: bool) -> bytes | None:
    if now >= _midnight_after(day) + SALT_GRACE:
        _salts.pop((id(s), day), None)
        return None
    held = _salts.get((id(s), day))
    if held is None:
        held = s.salt(day, now, create=create)
        if create:  # about once a day in each process: sweep what has expired
            s.purge(now)
        if held is not None and held is not _UNREACHABLE_SALT:
            with _lock:
                for stale in [k for k in _salts if k[1] < day - dt.timedelta(days=1)]:
                    del _salts[stale]
                _salts[(id(s), day)] = held
    return held


def _key(salt: bytes, day: dt.date, name: str, value: str) -> str:
    digest = hmac.new(salt, f"{name}\0{value}".encode(), hashlib.sha256).hexdigest()[:40]
    return f"{name}:{day:%Y%m%d}:{digest}"


def _keys(s: Store, name: str, value: str, now: dt.datetime) -> list[str]:
    """Today's key, and yesterday's while its salt is still held."""
    today = now.date()
    keys = []
    for day, create in ((today, True), (today - dt.timedelta(days=1), False)):
        salt = _salt(s, day, now, create=create)
        if salt is not None:
            keys.append(_key(salt, day, name, value))
    return keys


def count(name: str, value: str) -> int:
    s, now = store(), _now()
    return s.counts(_keys(s, name, value, now), now)


def incr(name: str, value: str, *, seconds: int) -> int:
    """Count one more for ``value`` and return the count across today's and yesterday's keys."""
    s, now = store(), _now()
    keys = _keys(s, name, value, now)
    mine = s.incr(keys[0], seconds, now)
    return mine + (s.counts(keys[1:], now) if len(keys) > 1 else 0)


def touch(name: str, value: str, *, seconds: int) -> None:
    s, now = store(), _now()
    s.touch(_keys(s, name, value, now)[0], seconds, now)


def clear(name: str, value: str) -> None:
    s, now = store(), _now()
    s.delete(_keys(s, name, value, now))


def over(limit: Limit, value: str) -> bool:
    """Has ``value`` used up ``limit`` (without counting this call)?"""
    return count(limit.name, value) >= limit.count


def hit(limit: Limit, value: str) -> int:
    """Count one use; the one that reaches the limit starts its full lockout window."""
    n = incr(limit.name, value, seconds=limit.seconds)
    if n >= limit.count:
        touch(limit.name, value, seconds=limit.seconds)
    return n


def purge() -> int:
    """Delete expired counts and destroyed salts (the hourly sweep, ``purge_limits``)."""
    return store().purge(_now())


def forget_salts() -> None:
    """Drop this process's copy of the salts (tests; a restart does the same)."""
    with _lock:
        _salts.clear()
