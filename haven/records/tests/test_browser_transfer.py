"""A child's child-protection file in a real browser (Debian's Chromium through Playwright),
axe-core on every page: school A's DSL sends it from the child's page to school B, whose DSL
reads the list, opens the transfer and confirms receipt. See haven/testing/browser.py."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.cases.tests.test_browser_concern_to_case import arrive, sign_in, sign_out, submit
from haven.concerns.models import Category
from haven.concerns.taxonomy import load as load_taxonomy
from haven.records.models import FileTransfer
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


@pytest.fixture
def taxonomy(transactional_db):
    load_taxonomy(Category)


def _button(page: Page, name: str):
    return page.get_by_role("button", name=name, exact=True)


def test_a_dsl_sends_a_leavers_file_and_the_new_schools_dsl_confirms_receipt(
    transactional_db, taxonomy, live_server, world, make_concern, page
):
    base = live_server.url
    sender, receiver = world.users["dsl_a"], world.users["dsl_b"]
    sender_device, receiver_device = f.totp_device(sender), f.totp_device(receiver)
    child = world.pupils["a"]
    make_concern(what_happened="Pushed into the lockers at break, twice this week.")
    child.left_on = timezone.localdate() - dt.timedelta(days=1)
    child.save()

    sign_in(page, base, sender, sender_device)
    expect(page.get_by_role("link", name="1 child who left with a file still to send")).to_be_visible()
    page.goto(f"{base}/pupils/{child.pk}/")
    axe_check(page, label="a pupil's page")
    submit(page, page.get_by_role("link", name="Send this child's file to their new school"))
    arrive(page, f"{base}/pupils/{child.pk}/transfer/")
    axe_check(page, label="send a child's file")
    page.get_by_label("New school", exact=True).select_option(label="Birch Academy (URN 140002)")
    submit(page, _button(page, "Send the file"))  # the check not ticked: comes back
    expect(page.get_by_role("alert").first).to_contain_text("There is a problem")
    expect(page.get_by_label("New school", exact=True)).to_have_value(str(world.school_b.pk))
    axe_check(page, label="send a child's file, with errors")
    page.get_by_label("I have checked this is the right child and the right school").check()
    submit(page, _button(page, "Send the file"))
    transfer = FileTransfer.objects.get()
    arrive(page, f"{base}/records/transfers/{transfer.pk}/")
    expect(page.get_by_role("status")).to_contain_text("File sent to Birch Academy")
    expect(page.get_by_text(transfer.sha256)).to_be_visible()
    axe_check(page, label="a transfer, as the sender")
    sign_out(page, base)

    sign_in(page, base, receiver, receiver_device)
    submit(page, page.get_by_role("link", name="1 child protection file sent to you to read and confirm"))
    arrive(page, f"{base}/records/transfers/")
    axe_check(page, label="transfers, as the new school")
    submit(page, page.get_by_role("link", name="PupilA Example"))
    arrive(page, f"{base}/records/transfers/{transfer.pk}/")
    expect(page.get_by_role("link", name="Open the file (PDF")).to_be_visible()
    axe_check(page, label="a transfer, as the new school")
    submit(page, _button(page, "Confirm receipt"))
    expect(page.get_by_role("status")).to_contain_text("Receipt confirmed")
    axe_check(page, label="a transfer, received")
    transfer.refresh_from_db()
    assert transfer.status == FileTransfer.Status.RECEIVED and transfer.received_by == receiver
    expect(page.locator("main .tag").first).to_have_text("Receipt confirmed")
    expect(page.get_by_role("button", name="Confirm receipt")).to_have_count(0)
