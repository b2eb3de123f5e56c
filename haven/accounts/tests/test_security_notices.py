"""The account holder is told by email when how they sign in changed (ASVS V6.3.7): a password
changed or reset, a new authenticator, new recovery codes, a passkey added or removed, a
second-factor reset approved; and once when someone keeps failing to sign in as them
(V6.3.5). Each says what happened and when (UK time), never a secret."""

from __future__ import annotations

import datetime as dt
import json
import re
from unittest.mock import patch

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP

from conftest import sign_in
from haven.accounts import notices
from haven.accounts.models import AuthenticatorApp, Passkey, SecondFactorReset
from haven.accounts.tests.test_enrolment import LINK, NEW_PASSWORD, _enrol, _link
from haven.testing import factories as f
from haven.testing.factories import PASSWORD
from haven.testing.webauthn import SoftAuthenticator

NEW = "otter lantern quietly marmalade"
# 1 July 2026, 11:30 UTC: 12:30 in the UK (British Summer Time).
SUMMER = dt.datetime(2026, 7, 1, 11, 30, tzinfo=dt.UTC)


@pytest.fixture
def told(mailoutbox, django_capture_on_commit_callbacks):
    """Run a change and return the notices it sent (emails with the "if this was not you" line)."""

    def _run(change):
        before = len(mailoutbox)
        with django_capture_on_commit_callbacks(execute=True):
            change()
        return [m for m in mailoutbox[before:] if notices.IF_NOT_YOU in m.body]

    return _run


def _only(sent, user):
    assert [m.to for m in sent] == [[user.email]], [m.subject for m in sent]
    return sent[0]


def _post(client: Client, url: str, body: object):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _code(device: AuthenticatorApp) -> str:
    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_a_password_changed_is_told_with_the_uk_time_and_no_password(client, world, told):
    staff = world.users["staff_a"]
    sign_in(client, staff)
    with patch("django.utils.timezone.now", return_value=SUMMER):
        sent = told(
            lambda: client.post(
                reverse("accounts:password_change"),
                {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
            )
        )
    mail = _only(sent, staff)
    assert mail.subject == "Your Haven password was changed"
    assert "Your Haven password was changed on 1 July 2026 at 12:30 (UK time)." in mail.body
    assert "If this was not you, tell your DSL or Haven administrator now." in mail.body
    assert NEW not in mail.body and PASSWORD not in mail.body


def test_a_refused_password_change_tells_nobody(client, world, told):
    staff = world.users["staff_a"]
    sign_in(client, staff)
    sent = told(
        lambda: client.post(
            reverse("accounts:password_change"),
            {"old_password": "not it", "new_password1": NEW, "new_password2": NEW},
        )
    )
    assert sent == []


def test_a_staff_password_reset_by_an_administrator_is_told_beside_the_link(client, world, told):
    staff, admin = world.users["staff_a"], world.users["admin_a"]
    sign_in(client, admin)
    sent = told(lambda: client.post(reverse("manage:password_reset", args=[staff.pk])))
    mail = _only(sent, staff)
    assert "Your Haven password was reset by Admin A on " in mail.body
    assert "A separate email has a link" in mail.body and "temporary password" not in mail.body
    assert not LINK.search(mail.body)  # the notice itself opens nothing


def test_a_content_role_holders_reset_is_told_beside_the_link(client, world, told, mailoutbox):
    dsl = world.users["dsl_a"]
    f.totp_device(dsl)
    sign_in(client, world.users["admin_a"])
    sent = told(lambda: client.post(reverse("manage:password_reset", args=[dsl.pk])))
    mail = _only(sent, dsl)
    assert "reset by Admin A" in mail.body and "A separate email has a link" in mail.body
    assert not LINK.search(mail.body)  # the notice itself opens nothing
    path = _link(mailoutbox, dsl.email)
    sent = told(lambda: _enrol(Client(), path))
    assert any("Your Haven password was changed on " in m.body for m in sent if m.to == [dsl.email])
    assert NEW_PASSWORD not in "".join(m.body for m in sent)


def test_a_first_authenticator_is_told_once(client, world, told):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl, verified=False)
    client.get(reverse("accounts:two_factor_setup"))
    device = AuthenticatorApp.objects.get(user=dsl, confirmed=False)
    sent = told(lambda: client.post(reverse("accounts:two_factor_setup"), {"token": _code(device)}))
    mail = _only(sent, dsl)  # one notice, not a second one for its recovery codes
    assert mail.subject == "A new authenticator app was set up for Haven"
    assert "no longer works" not in mail.body
    codes = client.get(reverse("accounts:recovery_codes")).context["codes"]
    assert len(codes) == 10 and not any(code in mail.body for code in codes)


def test_a_replacement_authenticator_says_the_old_one_stops(client, world, told):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    client.get(reverse("accounts:two_factor_setup"))
    device = AuthenticatorApp.objects.get(user=dsl, confirmed=False)
    sent = told(lambda: client.post(reverse("accounts:two_factor_setup"), {"token": _code(device)}))
    assert "The authenticator app you used before no longer works for Haven." in _only(sent, dsl).body


def test_new_recovery_codes_are_told_without_the_codes(client, world, told):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    sent = told(lambda: client.post(reverse("accounts:recovery_codes")))
    mail = _only(sent, dsl)
    assert "New recovery codes were made for your Haven account on " in mail.body
    codes = client.get(reverse("accounts:recovery_codes")).context["codes"]
    assert codes and not any(code in mail.body for code in codes)


def test_a_passkey_added_and_removed_is_told(client, world, told):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    authenticator = SoftAuthenticator()
    options = _post(client, reverse("accounts:passkey_register_options"), {"name": "Work laptop"}).json()
    sent = told(
        lambda: _post(
            client, reverse("accounts:passkey_register_verify"), {"credential": authenticator.register(options)}
        )
    )
    assert "A passkey named “Work laptop” was added to your Haven account on " in _only(sent, dsl).body
    passkey = Passkey.objects.get(user=dsl)
    sent = told(lambda: client.post(reverse("accounts:passkey_remove", args=[passkey.pk])))
    assert "The passkey named “Work laptop” was removed from your Haven account on " in _only(sent, dsl).body


def test_a_refused_passkey_removal_tells_nobody(client, world, told):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    authenticator = SoftAuthenticator()
    options = _post(client, reverse("accounts:passkey_register_options"), {"name": "Work laptop"}).json()
    _post(client, reverse("accounts:passkey_register_verify"), {"credential": authenticator.register(options)})
    AuthenticatorApp.objects.filter(user=dsl).delete()  # the passkey is now the DSL's only factor
    passkey = Passkey.objects.get(user=dsl)
    session = client.session
    session["otp_device_id"] = passkey.persistent_id
    session.save()
    sent = told(lambda: client.post(reverse("accounts:passkey_remove", args=[passkey.pk])))
    assert sent == [] and Passkey.objects.filter(pk=passkey.pk).exists()


def test_an_approved_second_factor_reset_is_told_to_the_person(client, world, told):
    dsl = world.users["dsl_a"]
    f.totp_device(dsl)
    sign_in(client, world.users["admin_a"])
    assert told(lambda: client.post(reverse("manage:second_factor_reset", args=[dsl.pk]))) == []  # asked only
    reset = SecondFactorReset.objects.get(user=dsl)
    head = sign_in(Client(), world.users["head_a"])
    sent = told(lambda: head.post(reverse("accounts:reset_approve", args=[reset.pk])))
    mail = _only(sent, dsl)
    assert "asked for by Admin A and approved by Head A on " in mail.body
    assert not LINK.search(mail.body)


# -- Failed sign-ins (V6.3.5) -------------------------------------------------------------------


def _fail(client: Client, email: str, n: int) -> None:
    for i in range(n):
        # From a new address each time, as a spread-out guesser would (each address alone
        # stays under the sign-in lockout).
        r = client.post(
            reverse("accounts:sign_in"), {"email": email, "password": f"guess {i}"}, REMOTE_ADDR=f"203.0.113.{i + 1}"
        )
        assert r.status_code == 400


def test_five_failed_sign_ins_send_one_email(client, world, told):
    staff = world.users["staff_a"]
    assert told(lambda: _fail(client, staff.email, notices.FAILED_SIGN_INS - 1)) == []
    sent = told(lambda: _fail(client, "Staff_A@Example.org ", 1))  # the same account, typed differently
    mail = _only(sent, staff)
    assert re.search(r"wrong password 5 times, the last on \d+ \w+ \d{4} at \d\d:\d\d \(UK time\)\.", mail.body)
    assert "guess" not in mail.body
    assert told(lambda: _fail(client, staff.email, 3)) == []  # no more for the same run of failures


def test_failed_sign_ins_for_no_account_email_nobody(client, world, told):
    assert told(lambda: _fail(client, "nobody.here@example.org", notices.FAILED_SIGN_INS + 1)) == []


def test_uk_time_is_greenwich_in_winter():
    assert notices.uk_time(dt.datetime(2026, 12, 3, 7, 5, tzinfo=dt.UTC)) == "3 December 2026 at 07:05"
    assert notices.uk_time(SUMMER) == "1 July 2026 at 12:30"


def test_five_wrong_codes_after_the_right_password_send_one_email(client, world, told):
    """A partly successful sign-in: the password was right, the second step was not."""
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    assert client.post(reverse("accounts:sign_in"), {"email": dsl.email, "password": PASSWORD}).status_code == 302
    wrong = "000000" if _code(device) != "000000" else "111111"

    def _wrong_codes(n: int) -> None:
        for _ in range(n):
            AuthenticatorApp.objects.filter(pk=device.pk).update(throttling_failure_count=0)  # past the back-off
            assert client.post(reverse("accounts:two_factor_verify"), {"token": wrong}).status_code == 400

    assert told(lambda: _wrong_codes(notices.FAILED_SIGN_INS - 1)) == []
    mail = _only(told(lambda: _wrong_codes(1)), dsl)
    assert "Someone gave your Haven password, then a wrong code 5 times, the last on " in mail.body
    assert "change it now" in mail.body and wrong not in mail.body
    assert told(lambda: _wrong_codes(2)) == []
