"""Small shared tables."""

from __future__ import annotations

from django.db import connection, models, transaction


class Counter(models.Model):
    """A named counter for human-readable references (C-2026-00042), one row per key."""

    key = models.CharField(max_length=80, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def counter_next(key: str) -> int:
    """The next value of a counter, safe under concurrent writers: one upsert that creates
    the row at 1 or adds 1 under the row's lock (PostgreSQL), or inside SQLite's single
    writer (BEGIN IMMEDIATE), and returns the new value."""
    if not connection.features.can_return_columns_from_insert:  # SQLite before 3.35
        with transaction.atomic():
            Counter.objects.get_or_create(key=key)
            row = Counter.objects.select_for_update().get(key=key)
            row.value += 1
            row.save(update_fields=["value"])
            return row.value
    with connection.cursor() as cursor:
        cursor.execute(
            'INSERT INTO "core_counter" ("key", "value") VALUES (%s, 1) '
            'ON CONFLICT ("key") DO UPDATE SET "value" = "core_counter"."value" + 1 RETURNING "value"',
            [key],
        )
        value: int = cursor.fetchone()[0]
        return value


class RateCount(models.Model):
    """One rate limit's count for one key until it expires (haven.core.ratelimit). The key
    is an HMAC under the day's salt, never an address, a device or an email."""

    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}={self.count}"


class RateSalt(models.Model):
    """The random salt of one day's rate-limit keys, destroyed when it expires (an hour
    after its day ends, the longest window), so an older key cannot be linked to anyone."""

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"salt of {self.day}"
