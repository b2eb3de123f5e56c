"""Recovery codes are kept only as salted Argon2id hashes (ASVS V6.5.2): the codes shown once
are nowhere in the database, each works once, and codes django-otp kept in clear before are
moved across as hashes by the migration and still work."""

from __future__ import annotations

import importlib
import re

from django.apps import apps
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from conftest import sign_in
from haven.accounts.models import RecoveryCode, RecoveryCodeDevice
from haven.accounts.services import recovery_codes_replace
from haven.testing.factories import PASSWORD, totp_device

CODE = re.compile(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>")
migration = importlib.import_module("haven.accounts.migrations.0006_recovery_codes_hashed")


def _password(client, user) -> None:
    client.logout()
    assert client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD}).status_code == 302


def test_the_codes_shown_are_nowhere_in_the_database(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    client.post(reverse("accounts:recovery_codes"))
    codes = CODE.findall(client.get(reverse("accounts:recovery_codes")).text)
    assert len(codes) == 10
    stored = list(RecoveryCode.objects.filter(device__user=dsl).values_list("code_hash", flat=True))
    assert len(stored) == 10 and len(set(stored)) == 10
    for value in stored:
        assert value.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")  # salted, its own salt each
        assert not any(code in value or code.replace("-", "") in value for code in codes)
    assert not StaticToken.objects.exists()  # django-otp's clear table is not used


def test_a_code_works_once_typed_in_any_case_and_spacing(client, world):
    head = world.users["head_a"]
    totp_device(head)
    code = recovery_codes_replace(user=head)[3]
    _password(client, head)
    r = client.post(reverse("accounts:two_factor_verify"), {"token": code.upper().replace("-", " ")})
    assert r.status_code == 302
    assert RecoveryCode.objects.filter(device__user=head).count() == 9
    _password(client, head)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": code}).status_code == 400


def test_a_wrong_code_backs_off_but_an_app_code_is_no_guess_at_one(client, world):
    head = world.users["head_a"]
    device = totp_device(head)
    recovery_codes_replace(user=head)
    codes = RecoveryCodeDevice.objects.get(user=head)
    _password(client, head)
    app_code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    assert client.post(reverse("accounts:two_factor_verify"), {"token": app_code}).status_code == 302
    codes.refresh_from_db()
    assert codes.throttling_failure_count == 0
    _password(client, head)
    assert client.post(reverse("accounts:two_factor_verify"), {"token": "00000-00000"}).status_code == 400
    codes.refresh_from_db()
    assert codes.throttling_failure_count == 1


def test_clear_codes_from_before_are_hashed_by_the_migration_and_still_work(client, world):
    head = world.users["head_a"]
    totp_device(head)
    old = StaticDevice.objects.create(user=head, name="Recovery codes", confirmed=True)
    StaticToken.objects.bulk_create([StaticToken(device=old, token=t) for t in ("abcde-12345", "fedcb-54321")])

    migration.hash_clear_codes(apps, None)

    assert not StaticToken.objects.exists() and not StaticDevice.objects.exists()  # none left in clear
    device = RecoveryCodeDevice.objects.get(user=head)
    stored = list(device.codes.values_list("code_hash", flat=True))
    assert len(stored) == 2 and not any("abcde" in s or "12345" in s for s in stored)
    _password(client, head)
    r = client.post(reverse("accounts:two_factor_verify"), {"token": "abcde-12345"})
    assert r.status_code == 302
    assert list(device.codes.all()) != [] and device.codes.count() == 1
    assert "You have 1 left" in client.get(reverse("home:home"), follow=True).text
