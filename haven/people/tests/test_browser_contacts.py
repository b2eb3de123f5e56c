"""The child's contacts and linked children in a real browser on a 390 px phone (Debian's
Chromium through Playwright), axe-core on every page: the DSL adds a contact (first without a
way to reach them, which comes back with the error beside the field and what was typed kept),
then links a brother who shares that contact's phone, from the suggestion."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from haven.cases.tests.test_browser_concern_to_case import NO_SIDEWAYS_SCROLL, PHONE, arrive, sign_in, submit
from haven.people.models import Contact, PupilLink
from haven.testing import factories as f
from haven.testing.browser import axe_check

pytestmark = pytest.mark.browser


def test_a_dsl_adds_a_contact_and_links_a_brother_on_a_phone(transactional_db, live_server, world, open_context):
    base = live_server.url
    dsl, child = world.users["dsl_a"], world.pupils["a"]
    brother = f.PupilFactory(school=world.school_a, legal_forename="Sam", legal_surname="Example")
    Contact.objects.create(
        pupil=brother, name="Jo Example", relationship="mother", phone="01632 960 123", recorded_by=dsl
    )
    page = open_context(**PHONE)
    sign_in(page, base, dsl)
    page.goto(f"{base}/pupils/{child.pk}/")
    expect(page.get_by_text(f"No contacts recorded for {child.display_name}.")).to_be_visible()
    axe_check(page, label="a child's page, no contacts")
    submit(page, page.get_by_role("link", name="Add a contact"))
    arrive(page, f"{base}/pupils/{child.pk}/contacts/new/")
    page.get_by_label("Full name", exact=True).fill("Jo Example")
    page.get_by_label("Who they are to the child", exact=True).select_option(label="Mother")
    page.get_by_label("They have parental responsibility").check()
    submit(page, page.get_by_role("button", name="Add the contact"))
    expect(page.get_by_role("alert").first).to_contain_text("There is a problem")
    expect(page.get_by_text("Enter a phone number or an email address").first).to_be_visible()
    expect(page.get_by_label("Full name", exact=True)).to_have_value("Jo Example")
    expect(page.get_by_label("They have parental responsibility")).to_be_checked()
    axe_check(page, label="add a contact, with errors")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    page.get_by_label("Phone number (optional)", exact=True).fill("01632 960 123")
    submit(page, page.get_by_role("button", name="Add the contact"))
    arrive(page, f"{base}/pupils/{child.pk}/#contacts")
    expect(page.get_by_role("link", name="01632 960 123")).to_have_attribute("href", "tel:01632960123")
    assert Contact.objects.get(pupil=child).parental_responsibility is True
    axe_check(page, label="a child's page, one contact")

    submit(page, page.get_by_role("link", name="Link a brother, sister or other child"))
    arrive(page, f"{base}/pupils/{child.pk}/family/new/")
    expect(page.get_by_text("Sam Example")).to_be_visible()
    axe_check(page, label="link a child, one suggestion")
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
    submit(page, page.get_by_role("button", name="Link Sam as a brother or sister"))
    arrive(page, f"{base}/pupils/{child.pk}/#family")
    expect(page.get_by_role("link", name="Sam Example", exact=True)).to_be_visible()
    link = PupilLink.objects.get()
    assert {link.pupil_id, link.other_id} == {child.pk, brother.pk}
    page.goto(f"{base}/pupils/{brother.pk}/")
    expect(page.get_by_role("link", name=child.display_name, exact=True)).to_be_visible()
