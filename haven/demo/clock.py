"""The demo's clock: history written through the services at the story's moments."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any
from unittest import mock

from django.apps import apps
from django.utils import timezone

from haven.concerns import tasks as concern_tasks

_REAL_NOW = timezone.now


class NoEmailForThePast:
    """Stands in for the urgent-alert task while history is written: the alert rows are
    recorded as sent at the time, and no e-mail goes out about something long past."""

    @staticmethod
    def enqueue(*args: object, **kwargs: object) -> None:
        return None


@contextlib.contextmanager
def simulated_clock() -> Iterator[dict[str, dt.datetime]]:
    """Set ``django.utils.timezone.now`` (and every model field defaulting to it) to the
    moment in ``clock["at"]``, so services stamp records and audit events with the story's
    time. Everything is put back afterwards."""
    clock = {"at": _REAL_NOW()}

    def now() -> dt.datetime:
        return clock["at"]

    fields = [f for m in apps.get_models() for f in m._meta.concrete_fields if f.default is _REAL_NOW]

    def defaults(value: Any) -> None:
        for f in fields:
            f.default = value
            f.__dict__.pop("_get_default", None)  # Django caches the default callable

    defaults(now)
    try:
        with (
            mock.patch.object(timezone, "now", now),
            mock.patch.object(concern_tasks, "urgent_concern_alert", NoEmailForThePast),
        ):
            yield clock
    finally:
        defaults(_REAL_NOW)
