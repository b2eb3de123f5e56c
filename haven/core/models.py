"""Small shared tables."""

from __future__ import annotations

from django.db import models, transaction


class Counter(models.Model):
    """A named counter for human-readable references (C-2026-00042), one row per key."""

    key = models.CharField(max_length=80, unique=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}={self.value}"


def counter_next(key: str) -> int:
    """The next value of a counter, safe under concurrent writers (row lock; SQLite's
    BEGIN IMMEDIATE serialises writers anyway)."""
    with transaction.atomic():
        Counter.objects.get_or_create(key=key)
        row = Counter.objects.select_for_update().get(key=key)
        row.value += 1
        row.save(update_fields=["value"])
        return row.value
