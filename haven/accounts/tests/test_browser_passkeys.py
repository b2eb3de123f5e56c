"""Passkeys in a real browser: Chromium with a virtual authenticator (the DevTools protocol's
WebAuthn domain, reached through a CDP session), on the live server at http://localhost (a
secure context, and a domain the relying party id can be). A DSL signed in with an
authenticator app adds a passkey, signs out, passes the second step with it, then signs in
with it alone; axe checks every passkey page (WCAG 2.2 AA)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from haven.accounts.models import Passkey
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.core.tests.test_browser_sign_in import arrive, device_code, enter_password, sign_in_fully
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


def _virtual_authenticator(page: Page) -> None:
    page.context.set_default_timeout(30_000)  # a shared, busy test machine
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


def _sign_out(page: Page, base: str) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").first.click()
    arrive(page, base + "/account/sign-in/")


# The whole journey in one browser, on a machine the test suite shares: more than the usual
# five minutes may pass when it is busy.
@pytest.mark.timeout(900)
def test_a_dsl_adds_a_passkey_and_signs_in_with_it(transactional_db, live_server, world, page):
    base = live_server.url
    assert base.startswith("http://localhost:"), base
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    _virtual_authenticator(page)

    sign_in_fully(page, base, dsl, device)
    page.goto(base + "/account/passkeys/")
    arrive(page, base + "/account/passkeys/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Passkeys")
    expect(page.get_by_text("Adding a passkey needs a browser")).to_be_hidden()
    axe_check(page, label="passkeys page, none yet")

    # A name is needed: the error is shown, and the field says so.
    page.get_by_role("button", name="Add a passkey").click()
    expect(page.get_by_role("alert")).to_contain_text("Give the passkey a name")
    expect(page.get_by_label("Name for this passkey")).to_have_attribute("aria-invalid", "true")
    axe_check(page, label="passkeys page with an error")

    page.get_by_label("Name for this passkey").fill("Work laptop")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a passkey").click()
    arrive(page, base + "/account/passkeys/")
    expect(page.get_by_text("The passkey “Work laptop” has been added")).to_be_visible()
    expect(page.locator(".passkey-list")).to_contain_text("Work laptop")
    axe_check(page, label="passkeys page with a passkey")
    assert Passkey.objects.filter(user=dsl, name="Work laptop").count() == 1

    # The second step with the passkey, instead of the code.
    _sign_out(page, base)
    enter_password(page, base, dsl)
    arrive(page, base + "/account/two-factor/")
    use = page.get_by_role("button", name="Use a passkey")
    expect(use).to_be_visible()
    axe_check(page, label="two-factor page with a passkey")
    with page.expect_navigation():
        use.click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")
    assert AuditEvent.objects.filter(event=Event.PASSKEY_USED, actor=dsl).count() == 1

    # Signing in with the passkey alone.
    _sign_out(page, base)
    passkey_button = page.get_by_role("button", name="Use a passkey")
    expect(passkey_button).to_be_visible()
    axe_check(page, label="sign-in page with passkeys")
    with page.expect_navigation():
        passkey_button.click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")
    assert AuditEvent.objects.filter(event=Event.PASSKEY_SIGNED_IN, actor=dsl).count() == 1
    assert Passkey.objects.get(user=dsl).last_used_at is not None

    # Removing it, after confirming.
    page.goto(base + "/account/passkeys/")
    with page.expect_navigation():
        page.get_by_role("link", name="Remove the passkey Work laptop").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove the passkey “Work laptop”?")
    axe_check(page, label="remove a passkey")
    with page.expect_navigation():
        page.get_by_role("button", name="Yes, remove this passkey").click()
    # It was this session's second factor: the code is asked for before going on.
    arrive(page, base + "/account/two-factor/")
    expect(page.get_by_text("The passkey “Work laptop” has been removed. You had used it")).to_be_visible()
    assert not Passkey.objects.filter(user=dsl).exists()
    page.get_by_label("Code", exact=True).fill(device_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    arrive(page, base + "/")
    page.goto(base + "/account/passkeys/")
    expect(page.get_by_text("You have no passkeys yet")).to_be_visible()


def test_without_javascript_the_passkey_buttons_are_not_offered(transactional_db, live_server, world, open_context):
    page = open_context(java_script_enabled=False)
    base = live_server.url
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    page.goto(base + "/")
    expect(page.get_by_role("button", name="Use a passkey")).to_be_hidden()
    sign_in_fully(page, base, dsl, device)  # the password and the code do everything
    page.goto(base + "/account/passkeys/")
    expect(page.get_by_text("Adding a passkey needs a browser")).to_be_visible()
    expect(page.get_by_role("button", name="Add a passkey")).to_be_hidden()
    axe_check(page, label="passkeys page without JavaScript")


def test_the_passkeys_page_fits_a_phone(transactional_db, live_server, world, open_context):
    page = open_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    base = live_server.url
    dsl = world.users["dsl_a"]
    sign_in_fully(page, base, dsl, f.totp_device(dsl))
    page.goto(base + "/account/passkeys/")
    arrive(page, base + "/account/passkeys/")
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    axe_check(page, label="passkeys page on a phone")


@pytest.mark.timeout(900)
def test_a_stale_session_confirms_with_a_passkey_before_adding_another(transactional_db, live_server, world, page):
    """Fifteen minutes after the second factor, adding a passkey sends the person to confirm it
    is them; the passkey they have confirms, and the name they typed is back in the form."""
    from haven.accounts.tests.test_browser_step_up import _sixteen_minutes_pass

    base = live_server.url
    dsl = world.users["dsl_a"]
    _virtual_authenticator(page)
    sign_in_fully(page, base, dsl, f.totp_device(dsl))
    page.goto(base + "/account/passkeys/")
    arrive(page, base + "/account/passkeys/")
    page.get_by_label("Name for this passkey").fill("Work laptop")
    with page.expect_navigation():
        page.get_by_role("button", name="Add a passkey").click()
    expect(page.locator(".passkey-list")).to_contain_text("Work laptop")

    _sixteen_minutes_pass(page)
    page.get_by_label("Name for this passkey").fill("My phone")
    with page.expect_navigation(url=f"{base}/account/confirm/?next=%2Faccount%2Fpasskeys%2F"):
        page.get_by_role("button", name="Add a passkey").click()
    arrive(page, f"{base}/account/confirm/?next=%2Faccount%2Fpasskeys%2F")
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it is you")
    expect(page.get_by_text("Nothing has been done yet")).to_be_visible()
    use = page.get_by_role("button", name="Use a passkey")
    expect(use).to_be_visible()
    axe_check(page, label="step-up with a passkey")
    assert Passkey.objects.filter(user=dsl).count() == 1

    with page.expect_navigation():
        use.click()
    arrive(page, base + "/account/passkeys/")
    expect(page.get_by_text("What you typed is back in the form")).to_be_visible()
    expect(page.get_by_label("Name for this passkey")).to_have_value("My phone")
    confirmed = AuditEvent.objects.get(event=Event.STEP_UP_CONFIRMED, actor=dsl)
    assert confirmed.extra["step_up"] == "passkey"
