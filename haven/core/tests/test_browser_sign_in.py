"""The sign-in journey in a real browser (Debian's Chromium through Playwright), with an
axe-core accessibility check (WCAG 2.2 AA and best practice) on every page visited: no
serious or critical violations allowed. See haven/testing/browser.py for the fixtures.

The tests are transactional (``live_server``), so ``transactional_db`` is asked for before
``world``: the live server thread then sees the committed test data, and every table
(django-axes' failed attempts included) is emptied after each test.
"""

from __future__ import annotations

import base64
import re
import time

import pytest
from axes.models import AccessAttempt
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from haven.accounts.models import AuthenticatorApp, User
from haven.testing import factories as f
from haven.testing.browser import axe_check, watch_of

pytestmark = pytest.mark.browser


def totp_now(key: bytes, *, step: int = 30, t0: int = 0, digits: int = 6, drift: int = 0) -> str:
    return f"{TOTP(key, step, t0, digits, drift).token():0{digits}d}"


def device_code(device: AuthenticatorApp) -> str:
    """The code the app shows now; if this step's code was already used (a code works once), wait
    for the next one, as a person would."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    while totp.t() <= device.last_t:
        time.sleep(device.step - (time.time() - device.t0) % device.step + 0.05)
    return totp_now(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift)


def code_from_shown_key(shown: str) -> str:
    """What an authenticator app shows after the person types the key from the set-up page."""
    secret = re.sub(r"\s+", "", shown).upper()
    return totp_now(base64.b32decode(secret + "=" * (-len(secret) % 8)))


def different_code(code: str) -> str:
    return f"{(int(code) + 500_000) % 1_000_000:06d}"


def arrive(page: Page, url: str) -> None:
    """Wait until the browser has reached ``url`` and finished loading it (stylesheet applied,
    deferred script run): a URL or text assertion alone passes before that."""
    expect(page).to_have_url(url)
    page.wait_for_load_state("load")


def enter_password(page: Page, base: str, user: User, password: str = f.PASSWORD) -> None:
    page.goto(base + "/")
    page.get_by_label("Email address", exact=True).fill(user.email)
    page.get_by_label("Password", exact=True).fill(password)
    with page.expect_navigation():  # waits for the next page to load
        page.get_by_role("button", name="Sign in").click()


def sign_in_fully(page: Page, base: str, user: User, device: AuthenticatorApp) -> None:
    enter_password(page, base, user)
    arrive(page, base + "/account/two-factor/")
    page.get_by_label("Code", exact=True).fill(device_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    arrive(page, base + "/")


def tab_to(page: Page, target, *, backwards: bool = False, limit: int = 20) -> None:
    """Press Tab (or Shift+Tab) until ``target`` has focus, as a keyboard user would."""
    for _ in range(limit):
        if target.evaluate("el => el === document.activeElement"):
            return
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
    expect(target).to_be_focused()


def focused_element(page: Page) -> str:
    return page.evaluate("() => document.activeElement.outerHTML.slice(0, 120)")


def test_dsl_with_an_authenticator_signs_in(transactional_db, live_server, world, page):
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    base = live_server.url

    page.goto(base + "/")
    expect(page).to_have_title("Sign in – Haven")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Haven")
    # The site's own stylesheet was allowed by the CSP and applied.
    assert page.locator(".skip-link").evaluate("el => getComputedStyle(el).position") == "absolute"
    axe_check(page, label="sign-in page")

    page.get_by_label("Email address", exact=True).fill(dsl.email)
    page.get_by_label("Password", exact=True).fill(f.PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    arrive(page, base + "/account/two-factor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    axe_check(page, label="two-factor page")

    code = page.get_by_label("Code", exact=True)
    code.fill(different_code(device_code(device)))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    arrive(page, base + "/account/two-factor/")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    code = page.get_by_label("Code", exact=True)
    expect(code).to_have_attribute("aria-invalid", "true")
    # The error message is the field's accessible description, so a screen reader reads
    # it with the field, and the summary links to the field.
    expect(code).to_have_accessible_description(re.compile(r"Error: That code is not right"))
    expect(page.get_by_role("link", name=re.compile(r"^Code: That code is not right"))).to_have_attribute(
        "href", "#id_token"
    )
    axe_check(page, label="two-factor page with a wrong code")

    # One wrong code holds the device back for a second (OTP_TOTP_THROTTLE_FACTOR = 1).
    page.wait_for_timeout(1_100)
    code.fill(device_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")
    expect(page.get_by_role("heading", name="Alder Academy: pupils")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    axe_check(page, label="DSL home page")


def test_dsl_without_an_authenticator_is_taken_through_set_up(transactional_db, live_server, world, page):
    dsl = world.users["dsl_a"]
    base = live_server.url
    assert not AuthenticatorApp.objects.filter(user=dsl).exists()

    enter_password(page, base, dsl)
    arrive(page, base + "/account/two-factor/setup/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    qr = page.get_by_role("img", name=re.compile(r"^QR code to add Haven to your authenticator app"))
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code did not load (CSP img-src?)"
    axe_check(page, label="two-factor set-up page")

    shown_key = page.locator(".secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{1,4})+", shown_key), shown_key
    page.get_by_label("6-digit code from your app", exact=True).fill(code_from_shown_key(shown_key))
    with page.expect_navigation():
        page.get_by_role("button", name="Turn on two-factor sign-in").click()

    arrive(page, base + "/account/two-factor/recovery-codes/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Recovery codes")
    codes = page.locator("ul.codes > li")
    expect(codes).to_have_count(10)
    assert all(re.fullmatch(r"[0-9a-f]{5}-[0-9a-f]{5}", c) for c in codes.all_inner_texts())
    axe_check(page, label="recovery codes page")

    with page.expect_navigation():
        page.get_by_role("link", name="I have saved my codes – continue").click()
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")
    axe_check(page, label="DSL home page after set-up")
    assert AuthenticatorApp.objects.filter(user=dsl, confirmed=True).count() == 1


def test_the_first_tab_on_the_sign_in_page_reaches_the_skip_link(transactional_db, live_server, page):
    page.goto(live_server.url + "/")
    skip = page.get_by_role("link", name="Skip to main content")
    page.keyboard.press("Tab")
    expect(skip, f"the first Tab focused {focused_element(page)}").to_be_focused()
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()


def test_sign_in_works_with_the_keyboard_alone(transactional_db, live_server, world, page):
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    base = live_server.url
    page.goto(base + "/")

    # The skip link is the first thing in the page: reach it from wherever focus starts.
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).not_to_be_in_viewport()  # off-screen until focused...
    tab_to(page, skip, backwards=True)
    expect(skip).to_be_in_viewport()  # ...then shown
    box = skip.bounding_box()
    assert box is not None and box["x"] >= 0 and box["y"] >= 0, box
    axe_check(page, label="sign-in page with the skip link focused")
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    tab_to(page, page.get_by_label("Email address", exact=True))
    page.keyboard.type(dsl.email)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(f.PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    arrive(page, base + "/account/two-factor/")
    tab_to(page, page.get_by_label("Code", exact=True))
    page.keyboard.type(device_code(device))
    with page.expect_navigation():
        page.keyboard.press("Enter")
    arrive(page, base + "/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")


def test_sign_in_and_hide_screen_work_without_javascript(transactional_db, live_server, world, open_context):
    page = open_context(java_script_enabled=False)
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    base = live_server.url

    page.goto(base + "/")
    axe_check(page, label="sign-in page without JavaScript")
    sign_in_fully(page, base, dsl, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")
    expect(page.locator("#screen-cover")).to_be_hidden()
    axe_check(page, label="home page without JavaScript")

    with page.expect_navigation():
        page.get_by_role("link", name="Hide screen").click()
    arrive(page, base + "/hide/")
    expect(page).to_have_title("New tab")
    expect(page.get_by_text("Hello, Dsl")).to_have_count(0)
    axe_check(page, label="hide page")


def test_hide_screen_covers_and_uncovers_the_page(transactional_db, live_server, world, page):
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    base = live_server.url
    sign_in_fully(page, base, dsl, device)

    cover = page.locator("#screen-cover")
    expect(cover).to_be_hidden()
    hide = page.get_by_role("link", name="Hide screen")
    hide.click()
    expect(cover).to_be_visible()
    expect(page).to_have_url(base + "/")  # covered in place, no navigation
    expect(page).to_have_title("Haven")
    show = page.get_by_role("button", name="Show screen")
    expect(show).to_be_focused()
    # The cover hides the whole page: nothing of the home page shows through.
    assert page.evaluate("() => document.elementFromPoint(innerWidth / 2, innerHeight / 2).id") == "screen-cover"
    axe_check(page, label="home page, covered")

    show.click()
    expect(cover).to_be_hidden()
    expect(hide).to_be_focused()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")


def test_home_page_fits_a_phone_screen(transactional_db, live_server, world, open_context):
    page = open_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    dsl = world.users["dsl_a"]
    device = f.totp_device(dsl)
    base = live_server.url
    no_sideways_scroll = "() => document.documentElement.scrollWidth <= document.documentElement.clientWidth"

    page.goto(base + "/")
    assert page.evaluate(no_sideways_scroll), "the sign-in page scrolls sideways on a phone"
    axe_check(page, label="sign-in page on a phone")
    sign_in_fully(page, base, dsl, device)
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Dsl")
    assert page.evaluate(no_sideways_scroll), "the home page scrolls sideways on a phone: " + str(
        page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    )
    axe_check(page, label="home page on a phone")


def test_five_wrong_passwords_lock_the_account(transactional_db, live_server, world, page):
    dsl = world.users["dsl_a"]
    base = live_server.url
    assert not AccessAttempt.objects.exists(), "django-axes attempts leaked in from another test"

    for attempt in range(1, 5):
        enter_password(page, base, dsl, password=f"wrong password {attempt}")
        expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    axe_check(page, label="sign-in page with a wrong password")

    enter_password(page, base, dsl, password="wrong password 5")
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    expect(page).to_have_title("Too many attempts – Haven")
    axe_check(page, label="lockout page")

    # Locked means locked: the right password does not get in either.
    enter_password(page, base, dsl)
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")


# The harness itself: a check that cannot fail proves nothing.


def test_axe_check_fails_on_serious_violations(page):
    page.set_content(
        '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>'
        '<p style="color:#bbb;background:#fff">Pale text</p><input type="text"></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        axe_check(page, label="a deliberately bad page", screenshot=False)
    assert "color-contrast (serious)" in str(failure.value)
    assert "label (critical)" in str(failure.value)


def test_a_content_security_policy_refusal_fails_the_check(transactional_db, live_server, page):
    page.goto(live_server.url + "/")
    with page.expect_console_message(lambda m: "Content Security Policy" in m.text):
        page.evaluate("""() => {
            const s = document.createElement("script");
            s.textContent = "document.title = 'injected'";
            document.body.append(s);
        }""")
    expect(page).not_to_have_title("injected")
    with pytest.raises(AssertionError, match="Content Security Policy"):
        axe_check(page)
    watch_of(page).csp_errors.clear()  # expected here; do not fail the test at teardown


def test_a_temporary_password_is_replaced_before_anything_else(transactional_db, live_server, world, page):
    """A member of staff still has a temporary password an administrator was shown before Haven
    stopped showing any: after their second factor they choose their own (a mistake shown
    clearly first), then reach their home page."""
    staff = world.users["staff_a"]
    temporary = "temporary pass 4821 given"
    staff.set_password(temporary)
    staff.password_must_change = True
    staff.save()
    device = f.totp_device(staff)
    base = live_server.url

    enter_password(page, base, staff, temporary)
    arrive(page, base + "/account/two-factor/")
    page.get_by_label("Code", exact=True).fill(device_code(device))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    arrive(page, base + "/account/password/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose your own password")
    axe_check(page, label="choose your own password")

    page.get_by_label("The temporary password you were given").fill(temporary)
    page.get_by_label("New password", exact=True).fill("lantern otter marmalade quietly")
    page.get_by_label("New password again").fill("lantern otter marmalade")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my password").click()
    expect(page.get_by_role("alert")).to_contain_text("The two new passwords are not the same")
    axe_check(page, label="choose your own password, with an error")

    page.get_by_label("The temporary password you were given").fill(temporary)
    page.get_by_label("New password", exact=True).fill("lantern otter marmalade quietly")
    page.get_by_label("New password again").fill("lantern otter marmalade quietly")
    with page.expect_navigation():
        page.get_by_role("button", name="Save my password").click()
    arrive(page, base + "/")
    expect(page.get_by_text("Your password has been changed")).to_be_visible()
    staff.refresh_from_db()
    assert staff.check_password("lantern otter marmalade quietly")
    assert not staff.password_must_change
