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

DEMO_SEED = 2026
# Public on purpose: printed at every start and listed in docs/demo-logins.md.
DEMO_PASSWORD = "haven-demo-2026"  # noqa: S105
AUTHORITY_NAME = "Midshire County Council"
LA_CODE = "881"
AUTHORITY_DOMAIN = "midshire.example"
# The world is set in the 2026/27 academic year; accounts "joined" two years before, so
# later issues can lay two years of history behind it.
ACADEMIC_YEAR_START = dt.date(2026, 9, 1)
DEMO_EPOCH = dt.datetime(2024, 9, 2, 8, 0, tzinfo=dt.UTC)
TOTP_DEVICE_NAME = "Demo authenticator"

# Functions that add later issues' records to the world, as dotted paths (module docstring).
DEMO_STEPS: tuple[str, ...] = (
    "haven.demo.world.demo_concerns_and_cases",
    "haven.demo.safety_plans.demo_safety_plans",
    "haven.demo.pupil_voice.demo_pupil_reports",
    "haven.demo.pupil_voice.demo_surveys",
    "haven.demo.resources.demo_resources_and_case_studies",
    "haven.demo.insights.demo_enquiries",
    "haven.demo.network.demo_network_meetings",
    "haven.demo.records.demo_file_transfer",
    "haven.demo.compliance.demo_s175_audit",
    "haven.demo.insights.demo_rollups",
)

# The same unambiguous alphabet as organisations.new_report_code, but drawn from the seed so
# the demo's pupil-reporting links are stable across rebuilds.
_REPORT_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


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
