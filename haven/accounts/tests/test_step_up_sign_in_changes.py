"""Step-up before changing how one signs in (ASVS V7.5.1): a new authenticator, new recovery
codes, adding or removing a passkey ask for the second factor again when it is older than the
window; setting up a first second factor asks for nothing the person does not have; and a
passkey can be the factor given again on the confirmation page."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts import passkey_views, stepup, views
from haven.accounts.models import AuthenticatorApp, Passkey, RecoveryCodeDevice
from haven.accounts.services import recovery_codes_replace
from haven.accounts.tests.test_step_up import _age, _code, _step_up
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.testing.factories import PASSWORD
from haven.testing.webauthn import SoftAuthenticator

CONFIRM = reverse("accounts:step_up")
SETUP = reverse("accounts:two_factor_setup")
CODES = reverse("accounts:recovery_codes")
PASSKEYS = reverse("accounts:passkeys")
REGISTER_OPTIONS = reverse("accounts:passkey_register_options")
REGISTER_VERIFY = reverse("accounts:passkey_register_verify")
STEP_UP_OPTIONS = reverse("accounts:passkey_step_up_options")
STEP_UP_VERIFY = reverse("accounts:passkey_step_up_verify")


def _confirm_url(next_url: str) -> str:
    return CONFIRM + "?" + urlencode({"next": next_url})


def _post(client: Client, url: str, body: object):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _with_passkey(client: Client, user) -> SoftAuthenticator:
    """The person, signed in with their authenticator app, adds a passkey through the calls."""
    sign_in(client, user)
    authenticator = SoftAuthenticator()
    options = _post(client, REGISTER_OPTIONS, {"name": "Work laptop"})
    assert options.status_code == 200, options.content
    added = _post(client, REGISTER_VERIFY, {"credential": authenticator.register(options.json())})
    assert added.status_code == 201, added.content
    return authenticator


# -- A new authenticator ------------------------------------------------------------------------


def test_a_stale_session_confirms_before_setting_up_a_new_authenticator(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    old = AuthenticatorApp.objects.get(user=dsl, confirmed=True)
    _age(client, 16)
    r = client.get(SETUP)
    assert r.status_code == 302 and r["Location"] == _confirm_url(SETUP)
    assert not AuthenticatorApp.objects.filter(user=dsl, confirmed=False).exists()  # no new secret made
    _step_up(client, dsl, SETUP)
    page = client.get(SETUP)
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    assert AuthenticatorApp.objects.filter(user=dsl, confirmed=True).get() == old


def test_a_stale_code_for_a_new_authenticator_replaces_nothing(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    old = AuthenticatorApp.objects.get(user=dsl, confirmed=True)
    pending = AuthenticatorApp.objects.create(user=dsl, name="Authenticator app", confirmed=False)
    _age(client, 16)
    r = client.post(SETUP, {"token": _code_of(pending)})
    assert r.status_code == 302 and r["Location"] == _confirm_url(SETUP)
    assert list(AuthenticatorApp.objects.filter(user=dsl, confirmed=True)) == [old]
    assert not AuditEvent.objects.filter(event=Event.SECOND_FACTOR_SET_UP).exists()


def _code_of(device: AuthenticatorApp) -> str:
    from django_otp.oath import TOTP

    return f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"


def test_a_first_second_factor_is_set_up_without_being_asked_for_one(client, world):
    """Staff who signed in with the password long ago, with no second factor, set one up."""
    staff = world.users["staff_a"]
    sign_in(client, staff, verified=False)
    _age(client, 120)
    page = client.get(SETUP)
    assert page.status_code == 200 and 'src="data:image/svg+xml' in page.text
    device = AuthenticatorApp.objects.get(user=staff, confirmed=False)
    r = client.post(SETUP, {"token": _code_of(device)})
    assert r.status_code == 302 and r["Location"] == CODES
    device.refresh_from_db()
    assert device.confirmed


def test_a_dsl_signing_in_for_the_first_time_sets_up_without_a_step_up(client, world):
    """A content role's first sign-in: the password, then straight to setting up the app,
    with no factor given yet (the session has no step-up moment at all)."""
    dsl = world.users["dsl_a"]
    r = client.post(reverse("accounts:sign_in"), {"email": dsl.email, "password": PASSWORD})
    assert r.status_code == 302
    session = client.session
    session.pop(stepup.VERIFIED_AT, None)
    session.save()
    assert client.get(SETUP).status_code == 200
    device = AuthenticatorApp.objects.get(user=dsl, confirmed=False)
    assert client.post(SETUP, {"token": _code_of(device)})["Location"] == CODES


# -- New recovery codes -------------------------------------------------------------------------


def test_a_stale_session_makes_no_new_recovery_codes_until_it_confirms(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    recovery_codes_replace(user=dsl)
    device = RecoveryCodeDevice.objects.get(user=dsl)
    before = list(device.codes.values_list("code_hash", flat=True))
    _age(client, 16)
    assert client.get(CODES).status_code == 200  # the page itself shows no codes
    r = client.post(CODES)
    assert r.status_code == 302 and r["Location"] == _confirm_url(CODES)
    assert list(device.codes.values_list("code_hash", flat=True)) == before
    _step_up(client, dsl, CODES)
    r = client.post(CODES)
    assert r.status_code == 302 and r["Location"] == CODES
    after = list(device.codes.values_list("code_hash", flat=True))
    assert len(after) == 10 and not set(after) & set(before)
    assert AuditEvent.objects.filter(event=Event.RECOVERY_CODES_REPLACED, actor=dsl).count() == 2  # first set, new set


# -- Adding and removing a passkey -----------------------------------------------------------------


def test_a_stale_session_is_refused_passkey_options_as_json(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    _age(client, 16)
    for url in (REGISTER_OPTIONS, REGISTER_VERIFY):
        r = _post(client, url, {"name": "Work laptop"})
        assert r.status_code == 403 and r["Content-Type"] == "application/problem+json"
        assert r.json()["step_up"] == _confirm_url(PASSKEYS)
        assert "Confirm it is you" in r.json()["detail"]
    assert passkey_views.CEREMONY_KEY not in client.session  # no ceremony begun
    assert not Passkey.objects.exists()


def test_a_stale_passkey_registration_answer_adds_nothing(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    authenticator = SoftAuthenticator()
    options = _post(client, REGISTER_OPTIONS, {"name": "Work laptop"}).json()
    _age(client, 16)  # the window closed during the ceremony
    r = _post(client, REGISTER_VERIFY, {"credential": authenticator.register(options)})
    assert r.status_code == 403 and not Passkey.objects.exists()


def test_the_passkey_form_sent_when_stale_keeps_the_name_through_confirming(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    _age(client, 16)
    r = client.post(PASSKEYS, {"name": "My phone"})
    assert r.status_code == 302 and r["Location"] == _confirm_url(PASSKEYS)
    _step_up(client, dsl, PASSKEYS)
    page = client.get(PASSKEYS)
    assert page.status_code == 200 and 'value="My phone"' in page.text
    # Fresh, the ceremony's calls answer again.
    assert _post(client, REGISTER_OPTIONS, {"name": "My phone"}).status_code == 200


def test_a_stale_session_confirms_before_removing_a_passkey(client, world):
    dsl = world.users["dsl_a"]
    _with_passkey(client, dsl)
    passkey = Passkey.objects.get()
    url = reverse("accounts:passkey_remove", args=[passkey.pk])
    _age(client, 16)
    assert client.get(url)["Location"] == _confirm_url(url)
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == _confirm_url(url)
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    _step_up(client, dsl, url)
    assert client.post(url)["Location"] == PASSKEYS
    assert not Passkey.objects.exists()


def test_every_view_that_changes_how_one_signs_in_is_guarded():
    for view in (
        views.two_factor_setup,
        views.recovery_codes,
        passkey_views.passkey_list,
        passkey_views.passkey_remove,
        passkey_views.register_options,
        passkey_views.register_verify,
    ):
        assert getattr(view, "step_up", False), view.__name__


# -- A passkey as the factor given again ---------------------------------------------------------


def test_the_confirmation_page_offers_a_passkey_and_it_confirms(client, world):
    dsl = world.users["dsl_a"]
    authenticator = _with_passkey(client, dsl)
    target = reverse("pupil_chronology_pdf", args=[world.pupils["a"].pk])
    _age(client, 16)
    page = client.get(_confirm_url(target))
    assert page.status_code == 200
    assert "Use a passkey" in page.text and "haven/passkeys.js" in page.text
    assert f'data-options-url="{STEP_UP_OPTIONS}"' in page.text
    assert f'data-verify-url="{STEP_UP_VERIFY}"' in page.text
    assert f'data-next="{target}"' in page.text

    options = _post(client, STEP_UP_OPTIONS, {})
    assert options.status_code == 200
    assert [c["id"] for c in options.json()["allowCredentials"]] == [authenticator.id]
    r = _post(client, STEP_UP_VERIFY, {"credential": authenticator.sign(options.json()), "next": target})
    assert r.status_code == 200 and r.json() == {"redirect": target}
    assert stepup.is_fresh(_request_of(client))
    assert client.get(target).status_code == 200
    confirmed = AuditEvent.objects.get(event=Event.STEP_UP_CONFIRMED, actor=dsl)
    assert confirmed.extra["step_up"] == "passkey"
    assert AuditEvent.objects.filter(event=Event.PASSKEY_USED, actor=dsl).count() == 1


def test_another_persons_passkey_does_not_confirm(client, world):
    dsl_a, dsl_b = world.users["dsl_a"], world.users["dsl_b"]
    _with_passkey(client, dsl_a)
    theirs = _with_passkey(Client(), dsl_b)
    _age(client, 16)
    options = _post(client, STEP_UP_OPTIONS, {}).json()
    r = _post(client, STEP_UP_VERIFY, {"credential": theirs.sign(options), "next": "/"})
    assert r.status_code == 400 and "not one of yours" in r.json()["detail"]
    assert not stepup.is_fresh(_request_of(client))
    refused = AuditEvent.objects.get(event=Event.STEP_UP_REFUSED, actor=dsl_a)
    assert refused.extra["step_up"] == "passkey refused"


def test_a_passkey_step_up_answer_works_once_and_next_stays_in_haven(client, world):
    dsl = world.users["dsl_a"]
    authenticator = _with_passkey(client, dsl)
    _age(client, 16)
    options = _post(client, STEP_UP_OPTIONS, {}).json()
    answer = authenticator.sign(options)
    r = _post(client, STEP_UP_VERIFY, {"credential": answer, "next": "https://evil.example/"})
    assert r.status_code == 200 and r.json() == {"redirect": reverse("home:home")}
    again = _post(client, STEP_UP_VERIFY, {"credential": answer, "next": "/"})
    assert again.status_code == 400  # the challenge was taken


def test_without_passkeys_the_confirmation_page_offers_none(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    _age(client, 16)
    page = client.get(_confirm_url("/"))
    assert "Use a passkey" not in page.text and "haven/passkeys.js" not in page.text
    r = _post(client, STEP_UP_OPTIONS, {})
    assert r.status_code == 400 and "no passkeys" in r.json()["detail"]


def test_the_passkey_step_up_calls_need_a_signed_in_person(client, db):
    for url in (STEP_UP_OPTIONS, STEP_UP_VERIFY):
        r = _post(client, url, {})
        assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:sign_in"))


def _request_of(client):
    class _R:
        session = client.session

    return _R()


def test_the_confirmation_code_still_works_beside_a_passkey(client, world):
    dsl = world.users["dsl_a"]
    _with_passkey(client, dsl)
    _age(client, 16)
    r = client.post(CONFIRM, {"token": _code(dsl), "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
