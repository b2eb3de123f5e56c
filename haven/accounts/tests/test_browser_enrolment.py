"""A new DSL enrols from the emailed link in a real browser: chooses a password (a mistake
shown clearly first; the page checked at 390 px), then, on its own page, sets up an
authenticator from the key shown, or a passkey instead (Chromium's virtual authenticator,
through the DevTools protocol), with which they later sign in. axe-core checks every page;
see haven/testing/browser.py."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from haven.access.roles import Role
from haven.accounts import manage_services
from haven.accounts.models import AuthenticatorApp, Passkey, User
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.core.tests.test_browser_sign_in import arrive, code_from_shown_key
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"


def test_a_new_dsl_enrols_from_the_link(transactional_db, live_server, world, page):
    page.set_viewport_size({"width": 390, "height": 844})
    manage_services.person_add(
        by=world.users["admin_a"],
        organisation=world.school_a,
        email="new.dsl@example.org",
        full_name="Robin New",
        job_title="Designated safeguarding lead",
        role=Role.DSL,
    )
    body = str(next(m.body for m in mail.outbox if m.to == ["new.dsl@example.org"]))
    found = re.search(r"(/account/enrol/[A-Za-z0-9_-]+/)", body)
    assert found, body
    path = found.group(1)
    base = live_server.url

    page.goto(base + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your Haven account")
    assert page.evaluate(NO_SIDEWAYS_SCROLL), "the set-up page scrolls sideways on a phone"
    axe_check(page, label="enrolment: choose a password")

    page.get_by_label("Choose a password").fill("lantern otter marmalade quietly")
    page.get_by_label("The same password again").fill("lantern otter marmalade")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my password and continue").click()
    expect(page.get_by_role("alert")).to_contain_text("The two passwords are not the same")
    axe_check(page, label="enrolment: choose a password, with an error")

    page.get_by_label("Choose a password").fill("lantern otter marmalade quietly")
    page.get_by_label("The same password again").fill("lantern otter marmalade quietly")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my password and continue").click()
    arrive(page, base + "/account/two-factor/setup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    # The set-up page is the existing one (tested on phones elsewhere); axe runs at desktop size.
    page.set_viewport_size({"width": 1280, "height": 900})
    axe_check(page, label="enrolment: two-factor set-up")

    shown_key = page.locator(".secret").inner_text()
    page.get_by_label("6-digit code from your app", exact=True).fill(code_from_shown_key(shown_key))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-factor sign-in").click()
    arrive(page, base + "/account/two-factor/recovery-codes/")
    axe_check(page, label="enrolment: recovery codes")
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes – continue").click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Robin")

    user = User.objects.get(email="new.dsl@example.org")
    assert user.check_password("lantern otter marmalade quietly")
    assert AuthenticatorApp.objects.filter(user=user, confirmed=True).count() == 1

    # The link is used up: opening it again shows the plain page.
    page.goto(base + path)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link does not work")
    axe_check(page, label="enrolment: a used link")


# The whole journey in one browser, on a machine the test suite shares.
@pytest.mark.timeout(900)
def test_a_new_dsl_enrols_from_the_link_with_a_passkey(transactional_db, live_server, world, page):
    """The link, a password, then a passkey instead of an authenticator app (the device's
    screen lock verifies the person); signed out, the passkey alone signs them in again."""
    from haven.accounts.tests.test_browser_passkeys import _sign_out, _virtual_authenticator

    base = live_server.url
    assert base.startswith("http://localhost:"), base  # a secure context the passkey can be for
    _virtual_authenticator(page)
    manage_services.person_add(
        by=world.users["admin_a"],
        organisation=world.school_a,
        email="new.dsl@example.org",
        full_name="Robin New",
        job_title="Designated safeguarding lead",
        role=Role.DSL,
    )
    body = str(next(m.body for m in mail.outbox if m.to == ["new.dsl@example.org"]))
    found = re.search(r"(/account/enrol/[A-Za-z0-9_-]+/)", body)
    assert found, body
    path = found.group(1)

    page.goto(base + path)
    page.get_by_label("Choose a password").fill("lantern otter marmalade quietly")
    page.get_by_label("The same password again").fill("lantern otter marmalade quietly")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my password and continue").click()
    arrive(page, base + "/account/two-factor/setup/")
    offer = page.get_by_role("region", name="Use a passkey")
    expect(offer).to_be_visible()
    expect(page.get_by_role("heading", name="Use an authenticator app")).to_be_visible()
    axe_check(page, label="enrolment: second factor, passkey offered")

    # A name is needed: the error is shown beside the field.
    offer.get_by_role("button", name="Set up a passkey").click()
    expect(offer.get_by_role("alert")).to_contain_text("Give the passkey a name")
    axe_check(page, label="enrolment: passkey offer with an error")

    offer.get_by_label("Name for this passkey").fill("Work laptop")
    with page.expect_navigation():
        offer.get_by_role("button", name="Set up a passkey").click()
    arrive(page, base + "/account/two-factor/recovery-codes/")
    expect(page.get_by_text("The passkey “Work laptop” is set up")).to_be_visible()
    axe_check(page, label="enrolment: recovery codes after a passkey")
    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes – continue").click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Robin")

    user = User.objects.get(email="new.dsl@example.org")
    assert not AuthenticatorApp.objects.filter(user=user, confirmed=True).exists()
    assert Passkey.objects.filter(user=user, name="Work laptop").count() == 1

    # Signed out, the passkey alone signs them in: both factors in one.
    _sign_out(page, base)
    passkey_button = page.get_by_role("button", name="Use a passkey")
    expect(passkey_button).to_be_visible()
    with page.expect_navigation():
        passkey_button.click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Robin")
    page.goto(base + "/cases/")
    arrive(page, base + "/cases/")
    axe_check(page, label="a new DSL's dashboard, signed in with a passkey")
    assert AuditEvent.objects.filter(event=Event.PASSKEY_SIGNED_IN, actor=user).count() == 1
