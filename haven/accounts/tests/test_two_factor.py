"""Two-factor sign-in (TOTP) is required for every role that sees safeguarding content or
aggregates, with recovery codes for a lost phone."""

from __future__ import annotations

import base64
import re

import pytest
from django.urls import reverse
from django_otp.oath import TOTP

from haven.accounts.models import AuthenticatorApp
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.testing.factories import PASSWORD, totp_device


def _token(device: AuthenticatorApp) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return str(totp.token()).zfill(6)


def _sign_in(client, user):
    r = client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    assert r.status_code == 302
    return r


@pytest.mark.parametrize("key", ["dsl_a", "deputy_a", "head_a", "governor_a", "trust_lead_a", "la_officer_a"])
def test_content_roles_must_set_up_two_factor(client, world, key):
    _sign_in(client, world.users[key])
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == reverse("accounts:two_factor_setup")
    assert client.get("/pupils/")["Location"] == reverse("accounts:two_factor_setup")


def test_set_up_shows_a_local_qr_code_and_the_key_then_recovery_codes(client, world):
    user = world.users["dsl_a"]
    _sign_in(client, user)
    page = client.get(reverse("accounts:two_factor_setup"))
    assert page.status_code == 200
    assert 'src="data:image/svg+xml' in page.text  # drawn here, not by an outside service
    secret = re.search(r'<p class="secret"[^>]*>([A-Z2-7 ]+)</p>', page.text)
    assert secret
    key = "".join(secret.group(1).split())
    device = AuthenticatorApp.objects.get(user=user, confirmed=False)
    assert base64.b32decode(key + "=" * (-len(key) % 8)) == device.bin_key

    wrong = client.post(
        reverse("accounts:two_factor_setup"), {"token": "000000" if _token(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 400 and "not right" in wrong.text
    AuthenticatorApp.objects.filter(pk=device.pk).update(throttling_failure_count=0, throttling_failure_timestamp=None)
    device.refresh_from_db()

    r = client.post(reverse("accounts:two_factor_setup"), {"token": _token(device)})
    assert r["Location"] == reverse("accounts:recovery_codes")
    codes_page = client.get(reverse("accounts:recovery_codes"))
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", codes_page.text)
    assert len(codes) == 10
    assert '<a class="button" href="/">' in codes_page.text  # continue to the home page
    assert codes_page["Cache-Control"] == "no-store"
    # Shown once only.
    assert not re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", client.get(reverse("accounts:recovery_codes")).text)
    assert client.get("/pupils/").status_code == 200
    set_up = AuditEvent.objects.get(action=Action.TWO_FACTOR_ENROLLED, actor=user)
    assert (set_up.event, set_up.channel) == (Event.SECOND_FACTOR_SET_UP, Channel.PAGE)
    assert set_up.extra["changes"] == {"has_two_factor": [False, True]}
    replaced = AuditEvent.objects.get(event=Event.RECOVERY_CODES_REPLACED, actor=user)
    assert replaced.channel == Channel.PAGE
    assert replaced.extra["changes"] == {"recovery_codes_left": [0, 10]}
    assert not any(code in replaced.canonical() for code in codes)


def test_a_dsl_with_a_device_must_enter_a_code(client, world):
    user = world.users["dsl_a"]
    device = totp_device(user)
    _sign_in(client, user)
    assert client.get("/pupils/")["Location"] == reverse("accounts:two_factor_verify")
    bad = client.post(reverse("accounts:two_factor_verify"), {"token": "12345x"})
    assert bad.status_code == 400
    assert "That code is not right" in bad.text
    failed = AuditEvent.objects.get(action=Action.TWO_FACTOR_FAILED, actor=user)
    assert (failed.event, failed.channel) == (Event.SECOND_FACTOR_FAILED, Channel.PAGE)
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    ok = client.post(reverse("accounts:two_factor_verify"), {"token": _token(device)})
    assert ok.status_code == 302
    assert client.get("/pupils/").status_code == 200


def test_repeated_wrong_codes_are_throttled(client, world):
    user = world.users["dsl_a"]
    device = totp_device(user)
    _sign_in(client, user)
    client.post(reverse("accounts:two_factor_verify"), {"token": "000001"})
    # Straight after a failure even the right code is refused until the back-off passes.
    r = client.post(reverse("accounts:two_factor_verify"), {"token": _token(device)})
    assert r.status_code == 400
    assert "Too many wrong codes" in r.text
    assert client.get("/pupils/").status_code == 302


def test_a_recovery_code_works_once(client, world):
    from haven.accounts.services import recovery_codes_replace

    user = world.users["head_a"]
    totp_device(user)
    codes = recovery_codes_replace(user=user)
    _sign_in(client, user)
    r = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0].upper()})
    assert r.status_code == 302
    used = AuditEvent.objects.get(action=Action.RECOVERY_CODE_USED, actor=user)
    assert (used.event, used.channel) == (Event.RECOVERY_CODE_USED, Channel.PAGE)
    assert used.extra["changes"] == {"recovery_codes_left": [10, 9]}
    assert codes[0] not in used.canonical()
    client.post(reverse("accounts:sign_out"))
    _sign_in(client, user)
    again = client.post(reverse("accounts:two_factor_verify"), {"token": codes[0]})
    assert again.status_code == 400


def test_staff_who_opt_in_are_held_to_it(client, world):
    user = world.users["staff_a"]
    totp_device(user)
    _sign_in(client, user)
    assert client.get("/")["Location"] == reverse("accounts:two_factor_verify")


def test_an_unverified_user_can_still_sign_out(client, world):
    _sign_in(client, world.users["dsl_a"])
    assert client.post(reverse("accounts:sign_out")).status_code == 302
    assert client.get("/").status_code == 200  # the sign-in page again


def test_passing_the_second_factor_gives_a_new_session_key(client, world):
    """A session key seen before the second factor (say, on a shared computer) is worth
    nothing after it (issue 15)."""
    user = world.users["dsl_a"]
    device = totp_device(user)
    _sign_in(client, user)
    before = client.session.session_key
    ok = client.post(reverse("accounts:two_factor_verify"), {"token": _token(device)})
    assert ok.status_code == 302
    after = client.session.session_key
    assert after and after != before
    assert client.get("/pupils/").status_code == 200


def test_a_new_authenticator_replacing_the_old_one_is_no_change_to_having_one(world):
    from haven.accounts.services import two_factor_confirm, two_factor_device_pending

    user = world.users["dsl_a"]
    totp_device(user)
    pending = two_factor_device_pending(user=user)
    assert two_factor_confirm(user=user, device=pending, token=_token(pending)) is not None
    set_up = AuditEvent.objects.get(event=Event.SECOND_FACTOR_SET_UP, actor=user)
    assert set_up.channel == Channel.COMMAND  # no page, no request: the default context
    assert set_up.extra == {"authenticators_replaced": 1}
    assert list(AuthenticatorApp.objects.filter(user=user, confirmed=True)) == [pending]
