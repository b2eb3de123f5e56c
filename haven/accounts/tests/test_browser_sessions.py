"""Where you are signed in, in a real browser at 390 px and by keyboard alone, with axe on its
pages: a member of staff signed in on a phone and a laptop signs the phone out from the laptop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from haven.cases.tests.test_browser_concern_to_case import arrive, sign_in
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser

PHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/18.1 Mobile/15E148 Safari/604.1"
)
NARROW = {"width": 390, "height": 844}


def test_staff_sign_a_phone_out_from_a_laptop_by_keyboard(transactional_db, live_server, world, open_context):
    base = live_server.url
    staff = world.users["staff_a"]
    # Staff sign in with two factors too: an authenticator app on each device, so the two
    # sign-ins a few seconds apart each have a code of their own.
    phone = open_context(user_agent=PHONE, viewport=NARROW)
    sign_in(phone, base, staff, f.totp_device(staff))
    laptop = open_context(viewport=NARROW)
    sign_in(laptop, base, staff, f.totp_device(staff))

    laptop.goto(base + "/account/")
    link = laptop.get_by_role("link", name="Where you are signed in")
    link.focus()
    with laptop.expect_navigation():
        laptop.keyboard.press("Enter")
    arrive(laptop, base + "/account/sessions/")
    expect(laptop.get_by_role("heading", level=1)).to_have_text("Where you are signed in")
    expect(laptop.locator(".session-list li")).to_have_count(2)
    expect(laptop.locator(".session-list li").first).to_contain_text("This device")
    expect(laptop.locator(".session-list li").nth(1)).to_contain_text("Safari on an iPhone")
    assert laptop.evaluate("document.documentElement.scrollWidth") <= NARROW["width"]  # nothing runs off
    axe_check(laptop, label="where you are signed in")

    button = laptop.get_by_role(
        "button", name=re.compile(r"^Sign out of this session\W+Safari on an iPhone, signed in ")
    )
    button.focus()
    with laptop.expect_navigation():
        laptop.keyboard.press("Enter")
    arrive(laptop, base + "/account/sessions/")
    expect(laptop.get_by_text("You have signed out of Safari on an iPhone.")).to_be_visible()
    expect(laptop.locator(".session-list li")).to_have_count(1)

    phone.goto(base + "/account/")
    arrive(phone, base + "/account/sign-in/?next=/account/")
