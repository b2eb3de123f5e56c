"""Passkeys (WebAuthn): added at /account/passkeys/, used as the second factor or to sign in
without a password, removed; every ceremony checked with real signatures from a Python
authenticator (haven.testing.webauthn), and every refusal audited."""

from __future__ import annotations

import json
import time
from unittest.mock import patch

import pytest
from django.test import Client
from django.urls import reverse

from conftest import sign_in
from haven.accounts.models import Passkey
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.testing.factories import PASSWORD, totp_device
from haven.testing.webauthn import SoftAuthenticator

REGISTER_OPTIONS = reverse("accounts:passkey_register_options")
REGISTER_VERIFY = reverse("accounts:passkey_register_verify")
AUTH_OPTIONS = reverse("accounts:passkey_auth_options")
AUTH_VERIFY = reverse("accounts:passkey_auth_verify")


def _post(client: Client, url: str, body: object):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def _add(client: Client, authenticator: SoftAuthenticator, name: str = "Work laptop", **answer):
    options = _post(client, REGISTER_OPTIONS, {"name": name})
    assert options.status_code == 200, options.content
    return _post(client, REGISTER_VERIFY, {"credential": authenticator.register(options.json(), **answer)})


def _passkey_for(user) -> SoftAuthenticator:
    """A passkey added by the person themselves, through the pages, in a client of its own."""
    client = sign_in(Client(), user)
    authenticator = SoftAuthenticator()
    assert _add(client, authenticator).status_code == 201
    return authenticator


def _password(client: Client, user) -> None:
    r = client.post(reverse("accounts:sign_in"), {"email": user.email, "password": PASSWORD})
    assert r.status_code == 302


def _use(client: Client, authenticator: SoftAuthenticator, *, next_url: str = "", **answer):
    options = _post(client, AUTH_OPTIONS, {})
    assert options.status_code == 200, options.content
    return _post(client, AUTH_VERIFY, {"credential": authenticator.sign(options.json(), **answer), "next": next_url})


def _refusals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event=Event.PASSKEY_REFUSED).order_by("at", "pk"))


# Adding


def test_a_dsl_adds_a_passkey_and_sees_it_listed(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    page = client.get(reverse("accounts:passkeys"))
    assert page.status_code == 200 and "You have no passkeys yet" in page.text

    authenticator = SoftAuthenticator()
    options = _post(client, REGISTER_OPTIONS, {"name": "  Work laptop "})
    body = options.json()
    assert body["rp"] == {"id": "testserver", "name": "Haven"}
    assert body["user"]["name"] == dsl.email
    assert body["authenticatorSelection"]["residentKey"] == "preferred"
    r = _post(client, REGISTER_VERIFY, {"credential": authenticator.register(body)})
    assert r.status_code == 201 and r.json() == {"redirect": reverse("accounts:passkeys")}

    passkey = Passkey.objects.get(user=dsl)
    assert (passkey.name, passkey.credential_id, passkey.sign_count) == ("Work laptop", authenticator.id, 0)
    assert passkey.transports == ["internal"] and passkey.confirmed
    added = AuditEvent.objects.get(event=Event.PASSKEY_ADDED)
    assert (added.actor, added.object_type, added.object_id) == (dsl, "accounts.passkey", str(passkey.pk))
    listed = client.get(reverse("accounts:passkeys"))
    assert "Work laptop" in listed.text and "has been added" in listed.text
    # The same authenticator is not offered again.
    again = _post(client, REGISTER_OPTIONS, {"name": "Again"}).json()
    assert [c["id"] for c in again["excludeCredentials"]] == [authenticator.id]


def test_adding_a_passkey_needs_the_second_factor_in_this_session(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    _password(client, dsl)
    for url in (reverse("accounts:passkeys"), REGISTER_OPTIONS, REGISTER_VERIFY):
        r = client.get(url) if url == reverse("accounts:passkeys") else _post(client, url, {"name": "Laptop"})
        assert r.status_code == 302 and r["Location"].startswith("/account/two-factor/")
    assert not Passkey.objects.exists()


def test_staff_without_a_second_factor_are_sent_to_set_one_up_first(client, world):
    staff = world.users["staff_a"]
    sign_in(client, staff, verified=False)
    r = _post(client, REGISTER_OPTIONS, {"name": "Laptop"})
    assert r.status_code == 302 and r["Location"] == reverse("accounts:two_factor_setup")


@pytest.mark.parametrize(("name", "message"), [("", "Give the passkey a name"), ("x" * 65, "64 characters or fewer")])
def test_a_passkey_needs_a_usable_name(client, world, name, message):
    sign_in(client, world.users["dsl_a"])
    r = _post(client, REGISTER_OPTIONS, {"name": name})
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json"
    assert message in r.json()["detail"] and message in r.json()["errors"]["name"][0]


def test_a_registration_from_another_origin_is_refused(client, world):
    sign_in(client, world.users["dsl_a"])
    r = _add(client, SoftAuthenticator(), origin="https://haven.example.evil")
    assert r.status_code == 400 and "could not be added" in r.json()["detail"]
    assert not Passkey.objects.exists()
    assert "origin" in _refusals()[0].extra["reason"]


def test_a_registration_for_another_site_is_refused(client, world):
    sign_in(client, world.users["dsl_a"])
    assert _add(client, SoftAuthenticator(), rp_id="evil.example").status_code == 400
    assert not Passkey.objects.exists()


def test_a_registration_answer_is_used_once(client, world):
    sign_in(client, world.users["dsl_a"])
    authenticator = SoftAuthenticator()
    options = _post(client, REGISTER_OPTIONS, {"name": "Laptop"}).json()
    answer = authenticator.register(options)
    assert _post(client, REGISTER_VERIFY, {"credential": answer}).status_code == 201
    Passkey.objects.all().delete()
    replay = _post(client, REGISTER_VERIFY, {"credential": answer})
    assert replay.status_code == 400 and "took too long" in replay.json()["detail"]
    assert not Passkey.objects.exists()


def test_a_passkey_on_another_account_cannot_be_added_again(client, world):
    authenticator = _passkey_for(world.users["dsl_b"])
    sign_in(client, world.users["dsl_a"])
    r = _add(client, authenticator)
    assert r.status_code == 400 and "already added" in r.json()["detail"]
    assert Passkey.objects.get().user == world.users["dsl_b"]


# The second factor


def test_a_passkey_passes_the_second_step_and_the_session_key_changes(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    authenticator = _passkey_for(dsl)
    _password(client, dsl)
    page = client.get(reverse("accounts:two_factor_verify"))
    assert "Use a passkey" in page.text and "haven/passkeys.js" in page.text
    assert client.get("/pupils/")["Location"] == reverse("accounts:two_factor_verify")

    options = _post(client, AUTH_OPTIONS, {}).json()
    assert [c["id"] for c in options["allowCredentials"]] == [authenticator.id]
    assert options["userVerification"] == "preferred"
    before = client.session.session_key
    r = _post(client, AUTH_VERIFY, {"credential": authenticator.sign(options), "next": "/pupils/"})
    assert r.status_code == 200 and r.json() == {"redirect": "/pupils/"}
    assert client.session.session_key != before
    assert client.get("/pupils/").status_code == 200

    passkey = Passkey.objects.get(user=dsl)
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    used = AuditEvent.objects.get(event=Event.PASSKEY_USED)
    assert (used.actor, used.action, used.object_id) == (dsl, Action.TWO_FACTOR_VERIFIED, str(passkey.pk))


def test_the_code_still_works_beside_a_passkey(client, world):
    from django_otp.oath import TOTP

    dsl = world.users["dsl_a"]
    device = totp_device(dsl)
    _passkey_for(dsl)
    _password(client, dsl)
    code = f"{TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token():06d}"
    assert client.post(reverse("accounts:two_factor_verify"), {"token": code}).status_code == 302
    assert client.get("/pupils/").status_code == 200


def test_without_passkeys_the_two_factor_page_offers_none(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    _password(client, dsl)
    page = client.get(reverse("accounts:two_factor_verify"))
    assert "Use a passkey" not in page.text
    r = _post(client, AUTH_OPTIONS, {})
    assert r.status_code == 400 and "no passkeys" in r.json()["detail"]


def test_another_persons_passkey_is_no_second_factor(client, world):
    dsl_a, dsl_b = world.users["dsl_a"], world.users["dsl_b"]
    totp_device(dsl_a)
    _passkey_for(dsl_a)
    theirs = _passkey_for(dsl_b)
    _password(client, dsl_a)
    r = _use(client, theirs)
    assert r.status_code == 400 and "not one of yours" in r.json()["detail"]
    assert client.get("/pupils/")["Location"] == reverse("accounts:two_factor_verify")
    refused = _refusals()[0]
    assert (refused.actor, refused.extra["reason"]) == (dsl_a, "another person's credential")
    assert Passkey.objects.get(user=dsl_b).sign_count == 0


def test_a_lower_sign_count_is_refused_as_a_possible_copy(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    authenticator = _passkey_for(dsl)
    Passkey.objects.filter(user=dsl).update(sign_count=7)
    _password(client, dsl)
    r = _use(client, authenticator, sign_count=3)
    assert r.status_code == 400 and "may have been copied" in r.json()["detail"]
    assert client.get("/pupils/").status_code == 302
    assert Passkey.objects.get(user=dsl).sign_count == 7
    assert "sign count went back (3 after 7)" in _refusals()[0].extra["reason"]
    # The same count again is no better; a higher one is.
    assert _use(client, authenticator, sign_count=7).status_code == 400
    assert _use(client, authenticator, sign_count=8).status_code == 200


# Signing in with a passkey alone


def test_a_passkey_signs_in_without_a_password(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    authenticator = _passkey_for(dsl)
    page = client.get(reverse("accounts:sign_in"))
    assert "Or sign in with a passkey" in page.text and "data-passkey-use hidden" in page.text

    options = _post(client, AUTH_OPTIONS, {}).json()
    assert options["userVerification"] == "required" and options.get("allowCredentials", []) == []
    r = _post(client, AUTH_VERIFY, {"credential": authenticator.sign(options)})
    assert r.status_code == 200 and r.json() == {"redirect": "/"}
    # Both steps done at once: straight to the records.
    assert client.get("/pupils/").status_code == 200
    assert client.session["signed_in_with"] == "passkey"
    assert AuditEvent.objects.filter(event=Event.SIGNED_IN, actor=dsl).count() == 2  # once to add, once now
    signed_in = AuditEvent.objects.get(event=Event.PASSKEY_SIGNED_IN)
    assert (signed_in.actor, signed_in.action, signed_in.extra["user_verified"]) == (dsl, Action.SIGN_IN, True)


def test_signing_in_with_a_passkey_needs_the_person_verified(client, world):
    authenticator = _passkey_for(world.users["dsl_a"])
    r = _use(client, authenticator, user_verified=False)
    assert r.status_code == 400
    assert "_auth_user_id" not in client.session
    assert "User verification is required" in _refusals()[0].extra["reason"]


def test_a_passkey_sign_in_from_another_origin_is_refused(client, world):
    authenticator = _passkey_for(world.users["dsl_a"])
    assert _use(client, authenticator, origin="https://haven.example.evil").status_code == 400
    assert _use(client, authenticator, rp_id="evil.example").status_code == 400
    assert "_auth_user_id" not in client.session
    reasons = [e.extra["reason"] for e in _refusals()]
    assert "origin" in reasons[0] and "RP ID" in reasons[1]


def test_a_signed_answer_cannot_be_replayed(client, world):
    authenticator = _passkey_for(world.users["dsl_a"])
    options = _post(client, AUTH_OPTIONS, {}).json()
    answer = authenticator.sign(options)
    assert _post(client, AUTH_VERIFY, {"credential": answer}).status_code == 200
    other = Client()
    # In another browser with a new challenge, the old answer's challenge does not match.
    _post(other, AUTH_OPTIONS, {})
    assert _post(other, AUTH_VERIFY, {"credential": answer}).status_code == 400
    # In the same session the challenge is gone once used.
    client.logout()
    replay = _post(client, AUTH_VERIFY, {"credential": answer})
    assert replay.status_code == 400 and "took too long" in replay.json()["detail"]


def test_a_challenge_expires_after_five_minutes(client, world):
    authenticator = _passkey_for(world.users["dsl_a"])
    options = _post(client, AUTH_OPTIONS, {}).json()
    later = time.time() + 5 * 60 + 1
    with patch("haven.accounts.passkey_views.time.time", return_value=later):
        r = _post(client, AUTH_VERIFY, {"credential": authenticator.sign(options)})
    assert r.status_code == 400 and "took too long" in r.json()["detail"]


def test_an_unknown_passkey_is_refused(client, world):
    r = _use(client, SoftAuthenticator())
    assert r.status_code == 400 and "_auth_user_id" not in client.session
    assert _refusals()[0].extra["reason"] == "unknown credential"


def test_a_switched_off_account_cannot_sign_in_with_its_passkey(client, world):
    staff = world.users["dsl_a"]
    authenticator = _passkey_for(staff)
    staff.is_active = False
    staff.save()
    r = _use(client, authenticator)
    assert r.status_code == 400 and "switched off" in r.json()["detail"]


def test_refused_passkeys_are_rate_limited(client, world):
    authenticator = _passkey_for(world.users["dsl_a"])
    stranger = SoftAuthenticator()
    for _ in range(5):
        assert _use(client, stranger).status_code == 400
    assert _post(client, AUTH_OPTIONS, {}).status_code == 429
    # Even the right passkey waits: the count is per address, kept in the audit log.
    limited = _post(client, AUTH_VERIFY, {"credential": authenticator.sign({"challenge": "AAAA"})})
    assert limited.status_code in (400, 429)
    assert "_auth_user_id" not in client.session


def test_the_relying_party_id_can_be_set(client, world, settings):
    settings.HAVEN_WEBAUTHN_RP_ID = "haven.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "haven.example.org"]
    options = _post(client, AUTH_OPTIONS, {}).json()
    assert options["rpId"] == "haven.example.org"


def test_the_ceremonies_need_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    assert _post(client, AUTH_OPTIONS, {}).status_code == 403


# Bad input is a 400 with a plain message, never a 500


MALFORMED = [
    b"not json",
    b"[]",
    b'"a string"',
    b'{"credential": "nope"}',
    b'{"credential": {}}',
    b'{"credential": {"id": 5, "rawId": [], "response": null, "type": "public-key"}}',
    b'{"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {"clientDataJSON": "!!!",'
    b' "authenticatorData": "%%", "signature": "", "attestationObject": "@@", "userHandle": "**"}}}',
    b'{"credential": {"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {"clientDataJSON": "e30",'
    b' "authenticatorData": "AAAA", "signature": "AAAA", "attestationObject": "oA"}}}',
    "\u00e9\u00e9".encode("latin-1"),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_malformed_answers_get_a_400(client, world, body):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    authenticator = _passkey_for(dsl)
    # Signing in: options first, so a challenge is waiting.
    _post(client, AUTH_OPTIONS, {})
    r = client.post(AUTH_VERIFY, data=body, content_type="application/json")
    assert r.status_code == 400 and r["Content-Type"] == "application/problem+json" and r.json()["detail"]
    # Adding: the same.
    sign_in(client, dsl)
    _post(client, REGISTER_OPTIONS, {"name": "Laptop"})
    r = client.post(REGISTER_VERIFY, data=body, content_type="application/json")
    assert r.status_code == 400 and r.json()["detail"]
    assert client.post(REGISTER_OPTIONS, data=body, content_type="application/json").status_code == 400
    assert Passkey.objects.get().credential_id == authenticator.id


def test_the_ceremonies_answer_only_post(client, world):
    sign_in(client, world.users["dsl_a"])
    for url in (REGISTER_OPTIONS, REGISTER_VERIFY, AUTH_OPTIONS, AUTH_VERIFY):
        assert client.get(url).status_code == 405


# Removing


def test_a_passkey_is_removed_after_confirming(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)  # with an authenticator app, so the passkey is not the last factor
    assert _add(client, SoftAuthenticator()).status_code == 201
    passkey = Passkey.objects.get()
    url = reverse("accounts:passkey_remove", args=[passkey.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Remove the passkey “Work laptop”?" in confirm.text
    assert Passkey.objects.exists()
    r = client.post(url)
    assert r.status_code == 302 and r["Location"] == reverse("accounts:passkeys")
    assert not Passkey.objects.exists()
    removed = AuditEvent.objects.get(event=Event.PASSKEY_REMOVED)
    assert (removed.actor, removed.object_id, removed.extra["name"]) == (dsl, str(passkey.pk), "Work laptop")


def test_the_last_second_factor_of_a_dsl_is_not_removed(client, world):
    dsl = world.users["dsl_a"]
    sign_in(client, dsl)
    assert _add(client, SoftAuthenticator()).status_code == 201
    from haven.accounts.models import AuthenticatorApp

    AuthenticatorApp.objects.filter(user=dsl).delete()
    passkey = Passkey.objects.get()
    session = client.session
    session["otp_device_id"] = passkey.persistent_id
    session.save()
    r = client.post(reverse("accounts:passkey_remove", args=[passkey.pk]))
    assert r.status_code == 400 and "your only way" in r.text
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_staff_too_may_not_remove_their_only_second_factor(client, world):
    """Every role signs in with two factors (ASVS V6.3.3), staff included."""
    staff = world.users["staff_a"]
    sign_in(client, staff)
    assert _add(client, SoftAuthenticator()).status_code == 201
    from haven.accounts.models import AuthenticatorApp

    AuthenticatorApp.objects.filter(user=staff).delete()
    passkey = Passkey.objects.get()
    session = client.session
    session["otp_device_id"] = passkey.persistent_id
    session.save()
    r = client.post(reverse("accounts:passkey_remove", args=[passkey.pk]))
    assert r.status_code == 400 and "your only way to pass the second step" in r.text
    assert Passkey.objects.filter(pk=passkey.pk).exists()


def test_another_persons_passkey_cannot_be_removed(client, world):
    _passkey_for(world.users["dsl_b"])
    passkey = Passkey.objects.get()
    sign_in(client, world.users["dsl_a"])
    url = reverse("accounts:passkey_remove", args=[passkey.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    assert Passkey.objects.filter(pk=passkey.pk).exists()
    refused = AuditEvent.objects.filter(action=Action.ACCESS_DENIED, object_type="accounts.passkey")
    assert [e.actor for e in refused] == [world.users["dsl_a"]] * 2


def test_the_account_page_links_to_passkeys(client, world):
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("accounts:account"))
    assert reverse("accounts:passkeys") in page.text
    assert "Two-factor sign-in is on" in page.text


def test_removing_the_passkey_this_session_used_asks_for_another_factor(client, world):
    dsl = world.users["dsl_a"]
    totp_device(dsl)
    authenticator = _passkey_for(dsl)
    assert _use(client, authenticator).status_code == 200  # signed in with it alone
    passkey = Passkey.objects.get()
    r = client.post(reverse("accounts:passkey_remove", args=[passkey.pk]))
    assert r.status_code == 302 and not Passkey.objects.exists()
    follow = client.get(r["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert "You had used it to sign in" in client.get(follow["Location"]).text
