"""An unverified user's devices are checked in one query, whatever the number of device kinds,
and a user with a confirmed device of any kind is still sent to verify it."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import AuthenticatorApp, RecoveryCodeDevice


def _device_queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    return response, [q for q in ctx.captured_queries if "otp_" in q["sql"]]


def test_a_user_without_a_device_costs_one_query_for_it(client, world):
    user = world.users["staff_a"]
    AuthenticatorApp.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    sign_in(client, user, verified=False)
    response, queries = _device_queries(client, reverse("concerns:new"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor_setup")
    assert len(queries) == 1


def test_a_confirmed_device_of_any_kind_is_asked_for(client, world):
    user = world.users["staff_a"]
    AuthenticatorApp.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.create(user=user, name="backup codes", confirmed=True)
    sign_in(client, user, verified=False)
    response, queries = _device_queries(client, reverse("concerns:new"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:two_factor_verify")
    assert len(queries) == 1


def test_an_unconfirmed_device_is_not_asked_for(client, world):
    user = world.users["staff_a"]
    AuthenticatorApp.objects.filter(user=user).delete()
    RecoveryCodeDevice.objects.filter(user=user).delete()
    AuthenticatorApp.objects.create(user=user, name="phone", confirmed=False)
    sign_in(client, user, verified=False)
    # Nothing to verify yet: they are sent to finish setting one up (every role needs one).
    assert client.get(reverse("concerns:new"))["Location"] == reverse("accounts:two_factor_setup")
