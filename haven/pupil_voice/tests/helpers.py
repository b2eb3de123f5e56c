"""Small helpers for pupil-voice tests: a pupil telling through the real form."""

from __future__ import annotations

import re

from django.test import Client

from haven.pupil_voice.models import PupilReport


def tell(client: Client, code: str, text: str = "Someone keeps calling me names in the corridor.", **extra: str):
    data = {"what_happened": text, "where": "corridor", "when": "this_week", "happened_to": "me", **extra}
    return client.post(f"/tell/{code}/", data, REMOTE_ADDR=extra.pop("ip", "203.0.113.9"))


def secrets_from(response) -> tuple[PupilReport, str]:
    text = response.content.decode()
    reference = re.search(r'id="reference"><strong>([A-Z0-9-]+)</strong>', text)
    passphrase = re.search(r'id="passphrase"><strong>([a-z ]+)</strong>', text)
    assert reference and passphrase
    return PupilReport.objects.get(reference=reference.group(1)), passphrase.group(1)
