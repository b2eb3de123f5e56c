"""Signing in: passwords, lockout, sessions, signing out (everywhere)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.contrib.auth.hashers import identify_hasher, make_password
from django.urls import reverse

from conftest import pass_second_factor, sign_in
from haven.audit.context import Channel
from haven.audit.events import Event
from haven.audit.models import Action, AuditEvent
from haven.testing import factories as f
from haven.testing.factories import PASSWORD


def _post_sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("accounts:sign_in"), {"email": email, "password": password, **extra})


def test_staff_sign_in_goes_home(client, world):
    r = _post_sign_in(client, "staff_a@example.org")
    assert r.status_code == 302 and r["Location"] == "/"
    pass_second_factor(client, world.users["staff_a"])
    assert client.get("/").status_code == 200
    signed_in = AuditEvent.objects.get(action=Action.SIGN_IN, actor=world.users["staff_a"])
    assert (signed_in.event, signed_in.channel) == (Event.SIGNED_IN, Channel.PAGE)


def test_email_is_matched_without_regard_to_case_or_spaces(client, world):
    r = _post_sign_in(client, "  Staff_A@Example.ORG ")
    assert r.status_code == 302


def test_a_wrong_password_says_so_keeps_the_email_and_is_audited(client, world):
    r = _post_sign_in(client, "staff_a@example.org", "not the password")
    assert r.status_code == 400
    assert "do not match an account" in r.text
    assert 'value="staff_a@example.org"' in r.text
    assert "not the password" not in r.text
    event = AuditEvent.objects.get(action=Action.SIGN_IN_FAILED)
    assert (event.event, event.channel) == (Event.SIGN_IN_FAILED, Channel.PAGE)
    assert event.extra == {"email": "staff_a@example.org"}
    assert event.actor is None


def test_an_empty_form_names_each_missing_field(client, db):
    r = client.post(reverse("accounts:sign_in"), {})
    assert r.status_code == 400
    assert "Enter your email address." in r.text
    assert "Enter your password." in r.text


def test_an_inactive_account_cannot_sign_in(client, world):
    user = world.users["staff_a"]
    user.is_active = False
    user.save()
    assert _post_sign_in(client, user.email).status_code == 400


def test_five_wrong_passwords_lock_the_account(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_sign_in(client, "staff_a@example.org", "wrong")
    # Even the right password is refused while locked, with a clear page.
    r = _post_sign_in(client, "staff_a@example.org")
    assert r.status_code == 429
    assert "Too many attempts" in r.text
    assert client.get("/").context["user"].is_anonymous
    assert AuditEvent.objects.filter(action=Action.LOCKED_OUT).exists()


def test_the_lockout_counts_an_email_in_any_case(client, world):
    for i in range(settings.AXES_FAILURE_LIMIT):
        _post_sign_in(client, "STAFF_A@example.org" if i % 2 else "staff_a@example.org", "wrong")
    assert _post_sign_in(client, "staff_a@example.org").status_code == 429


def test_a_lockout_on_one_account_leaves_others_alone(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _post_sign_in(client, "staff_a@example.org", "wrong")
    assert _post_sign_in(client, "staff_b@example.org").status_code == 302


def test_a_redirect_after_sign_in_stays_on_this_site(client, world):
    r = _post_sign_in(client, "staff_a@example.org", next="https://evil.example/steal")
    assert r["Location"] == "/"
    client.logout()
    r = _post_sign_in(client, "staff_a@example.org", next="/account/")
    assert r["Location"] == "/account/"


def test_sign_out_needs_a_post_and_ends_the_session(client, world):
    sign_in(client, world.users["staff_a"], verified=False)
    assert client.get(reverse("accounts:sign_out")).status_code == 405
    r = client.post(reverse("accounts:sign_out"))
    assert r.status_code == 302
    assert client.get(reverse("accounts:account")).status_code == 302
    assert AuditEvent.objects.filter(action=Action.SIGN_OUT, actor=world.users["staff_a"]).exists()


def test_sign_out_everywhere_ends_other_sessions(client, world, django_user_model):
    from django.test import Client

    other_device = Client()
    sign_in(other_device, world.users["dsl_a"])
    assert other_device.get("/").status_code == 200
    sign_in(client, world.users["dsl_a"])
    client.post(reverse("accounts:sign_out_everywhere"))
    assert other_device.get("/pupils/").status_code == 302
    assert AuditEvent.objects.filter(action=Action.SIGN_OUT_EVERYWHERE).exists()


def test_sessions_end_after_thirty_idle_minutes(client, world):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request restarts the idle timer
    sign_in(client, world.users["staff_a"], verified=False)
    r = client.get("/")
    assert r.cookies["sessionid"]["max-age"] == 1800 or r.cookies["sessionid"]["expires"] == ""
    session = client.session
    session.set_expiry(-1)  # as if 30 minutes had passed
    session.save()
    assert client.get(reverse("accounts:account")).status_code == 302


def test_the_page_warns_before_the_idle_timeout(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.get("/")
    assert 'data-idle-seconds="1800"' in r.text
    assert "signed out after 30 minutes without activity" in r.text
    assert client.post(reverse("accounts:keepalive")).status_code == 204


def test_the_keepalive_does_not_sign_anyone_in(client, db):
    assert client.post(reverse("accounts:keepalive")).status_code == 401


@pytest.mark.parametrize("role_key", ["staff_a", "staff_m", "nobody"])
def test_staff_must_use_a_second_factor_too(client, world, role_key):
    """ASVS V6.3.3: every role, staff included (and someone with no role yet). With the
    password only they are sent to set up their second factor, and reach nothing else."""
    sign_in(client, world.users[role_key], verified=False)
    for url in ("/", "/concerns/new/", "/concerns/", "/account/", "/account/passkeys/", "/api/tokens/"):
        r = client.get(url)
        assert r.status_code == 302 and r["Location"].startswith("/account/two-factor/"), url
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200


def test_staff_who_have_a_second_factor_are_asked_for_it(client, world):
    staff = world.users["staff_a"]
    f.totp_device(staff)
    _post_sign_in(client, staff.email)
    assert client.get("/")["Location"] == reverse("accounts:two_factor_verify")


@pytest.mark.parametrize("role_key", ["admin_a", "trust_admin_a", "admin_m"])
def test_administrators_must_use_a_second_factor(client, world, role_key):
    """They give the roles that read children's records (Security issue)."""
    sign_in(client, world.users[role_key], verified=False)
    assert client.get("/").status_code == 302


def test_passwords_are_hashed_with_argon2():
    """Tests use a fast hasher; the product's setting is Argon2 first."""
    from haven import settings as product_settings

    assert product_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(settings, "PASSWORD_HASHERS", product_settings.PASSWORD_HASHERS)
        assert identify_hasher(make_password("a long enough password")).algorithm == "argon2"
