"""Authenticator apps' seeds are encrypted at rest (ASVS V13.3.1): whoever reads the database
or a dump cannot make anyone's codes; the app set up through the pages still works; and the
seeds django-otp kept in clear before are moved across, encrypted, by the migration, and the
same app goes on working."""

from __future__ import annotations

import base64
import importlib
import re

from django.apps import apps
from django.db import connection
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice as ClearTOTPDevice

from haven.accounts.models import AuthenticatorApp
from haven.core import fieldcrypt
from haven.testing.factories import PASSWORD

migration = importlib.import_module("haven.accounts.migrations.0008_authenticator_seeds_encrypted")


def _stored(device: AuthenticatorApp) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM accounts_authenticatorapp WHERE id = %s", [device.pk])
        return str(cursor.fetchone()[0])


def _code(key_hex: str, **kw: int) -> str:
    return f"{TOTP(bytes.fromhex(key_hex), **kw).token():06d}"


def test_an_app_set_up_through_the_pages_is_stored_encrypted_and_works(client, world):
    dsl = world.users["dsl_a"]
    assert client.post(reverse("accounts:sign_in"), {"email": dsl.email, "password": PASSWORD}).status_code == 302
    page = client.get(reverse("accounts:two_factor_setup")).content.decode()
    found = re.search(r'<p class="secret"[^>]*>([^<]+)<', page)
    assert found, "the setup page shows the key"
    shown = re.sub(r"\s+", "", found.group(1)).upper()
    seed = base64.b32decode(shown + "=" * (-len(shown) % 8)).hex()
    device = AuthenticatorApp.objects.get(user=dsl)
    stored = _stored(device)
    assert stored.startswith(f"hv1${fieldcrypt.current_key_id()}$")
    assert seed not in stored.lower() and shown not in stored.upper()
    assert not ClearTOTPDevice.objects.exists()  # django-otp's clear table is not used

    r = client.post(reverse("accounts:two_factor_setup"), {"token": _code(seed)})
    assert r.status_code in (200, 302)
    device.refresh_from_db()
    assert device.confirmed and device.key == seed


def test_a_code_works_once_and_a_wrong_one_backs_off(client, world):
    head = world.users["head_a"]
    device = AuthenticatorApp.objects.create(user=head, name="App", confirmed=True)
    code = _code(device.key)
    assert device.verify_token(code) is True
    assert device.verify_token(code) is False  # the same step never twice
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    assert device.verify_token("not a code") is False


def test_clear_seeds_from_before_are_encrypted_by_the_migration_and_the_same_app_works(world):
    head, staff = world.users["head_a"], world.users["staff_a"]
    AuthenticatorApp.objects.filter(user__in=[head, staff]).delete()
    old = ClearTOTPDevice.objects.create(user=head, name="Phone", confirmed=True, drift=1, last_t=5)
    ClearTOTPDevice.objects.create(user=staff, name="Not finished", confirmed=False)
    seed = old.key

    migration.encrypt_seeds(apps, None)

    assert not ClearTOTPDevice.objects.exists()  # none left in clear
    moved = AuthenticatorApp.objects.get(user=head)
    assert (moved.name, moved.confirmed, moved.drift, moved.last_t, moved.key) == ("Phone", True, 1, 5, seed)
    assert moved.created_at == old.created_at
    assert seed not in _stored(moved)
    assert not AuthenticatorApp.objects.get(user=staff).confirmed
    assert moved.verify_token(_code(seed, drift=1)) is True

    migration.seeds_back_in_clear(apps, None)  # going back: the same seed, in django-otp's table
    assert ClearTOTPDevice.objects.get(user=head).key == seed
    assert not AuthenticatorApp.objects.filter(user=head).exists()
