"""The child's page holds who to contact (with parental responsibility) and the children
linked as family (issue 17). A school's DSLs add and end them; nothing is deleted; a linked
child at a school the reader may not see stays unseen; the contacts' phone numbers and
emails suggest brothers and sisters to link, never linking them unasked."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import reverse

from conftest import sign_in
from haven.audit.events import Event
from haven.audit.models import AuditEvent
from haven.people import services
from haven.people.models import Contact, PupilLink
from haven.testing import factories as f

GOOD = {
    "name": "Dana Example",
    "relationship": "mother",
    "parental_responsibility": "on",
    "lives_with_child": "on",
    "phone": "07700 900123",
    "email": "",
    "priority": "1",
    "note": "Works nights: call after 10am.",
}
SAVED = {**GOOD, "parental_responsibility": True, "lives_with_child": True, "priority": 1}  # as the form cleans it


def _page(client, pupil) -> str:
    return client.get(reverse("records:pupil_detail", args=[pupil.pk])).content.decode()


def test_a_dsl_adds_a_contact_and_bad_input_is_named_and_kept(client, world):
    pupil = world.pupils["a"]
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:contact_new", args=[pupil.pk])
    bad = client.post(url, {**GOOD, "name": "", "phone": "call me maybe"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "Enter the contact&#x27;s full name." in text
    assert "Enter a phone number of 9 to 15 digits" in text
    assert "Works nights: call after 10am." in text  # what was typed is kept
    neither = client.post(url, {**GOOD, "phone": "", "email": ""})
    assert neither.status_code == 400 and "Enter a phone number or an email address" in neither.content.decode()
    assert not Contact.objects.exists()

    done = client.post(url, GOOD)
    assert done.status_code == 302 and done.url.endswith("#contacts")
    contact = Contact.objects.get()
    assert (contact.parental_responsibility, contact.lives_with_child, contact.recorded_by) == (
        True,
        True,
        world.users["dsl_a"],
    )
    page = _page(client, pupil)
    assert "Dana Example" in page and 'href="tel:07700900123"' in page and "Works nights" in page
    assert AuditEvent.objects.filter(event=Event.CONTACT_ADDED, object_id=str(contact.pk)).exists()


def test_ending_a_contact_needs_a_reason_and_keeps_them_as_past(client, world):
    pupil = world.pupils["a"]
    contact = services.contact_add(by=None, pupil=pupil, data=SAVED)
    sign_in(client, world.users["deputy_a"])
    url = reverse("people:contact_end", args=[pupil.pk, contact.pk])
    refused = client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Say why this person is no longer a contact." in refused.content.decode()
    assert client.post(url, {"reason": "Parental responsibility removed by the court"}).status_code == 302
    contact.refresh_from_db()
    assert contact.ended_by == world.users["deputy_a"] and contact.end_reason.startswith("Parental responsibility")
    page = _page(client, pupil)
    assert "Past contacts (1)" in page and "removed by the court" in page
    assert client.get(url).status_code == 404  # an ended contact cannot be ended again


@pytest.mark.parametrize("who", ["staff_a", "head_a", "governor_a", "admin_a", "dsl_b"])
def test_only_the_childs_schools_dsls_may_add_to_the_page(client, world, who):
    pupil = world.pupils["a"]
    contact = services.contact_add(by=None, pupil=pupil, data=SAVED)
    other = f.PupilFactory(school=world.school_a)
    link = services.link_add(by=world.users["dsl_a"], pupil=pupil, other=other, kind="sibling")
    sign_in(client, world.users[who])
    for url in (
        reverse("people:contact_new", args=[pupil.pk]),
        reverse("people:contact_end", args=[pupil.pk, contact.pk]),
        reverse("people:link_new", args=[pupil.pk]),
        reverse("people:link_end", args=[pupil.pk, link.pk]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {**GOOD, "reason": "x", "other_id": other.pk, "kind": "sibling"}).status_code == 404
    assert Contact.objects.filter(ended_at__isnull=True).count() == 1 and PupilLink.objects.get().ended_at is None


def test_a_head_reads_the_contacts_and_links_but_is_offered_no_change(client, world):
    pupil = world.pupils["a"]
    services.contact_add(by=None, pupil=pupil, data=SAVED)
    sign_in(client, world.users["head_a"])
    page = _page(client, pupil)
    assert "Dana Example" in page
    assert reverse("people:contact_new", args=[pupil.pk]) not in page
    assert "No longer a contact" not in page


def test_linking_by_upn_shows_each_child_on_the_others_page(client, world):
    pupil = world.pupils["a"]
    brother = f.PupilFactory(school=world.school_a, legal_forename="Brother", legal_surname="Example")
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:link_new", args=[pupil.pk])
    unknown = client.post(url, {"other_upn": "A999999999999", "kind": "sibling"})
    assert unknown.status_code == 400
    assert "No child with this UPN at a school whose records you may see." in unknown.content.decode()
    itself = client.post(url, {"other_upn": pupil.upn, "kind": "sibling"})
    assert itself.status_code == 400 and "cannot be linked to themselves" in itself.content.decode()
    assert client.post(url, {"other_upn": brother.upn.lower(), "kind": "sibling", "note": "Twins"}).status_code == 302
    again = client.post(url, {"other_upn": brother.upn, "kind": "household"})
    assert again.status_code == 400 and "is already linked" in again.content.decode()
    assert "Brother Example" in _page(client, pupil) and "brother or sister" in _page(client, pupil)
    assert "PupilA Example" in _page(client, brother)
    assert AuditEvent.objects.filter(event=Event.PUPIL_LINK_ADDED).count() == 2  # once on each child's school


def test_a_linked_child_at_a_school_the_reader_may_not_see_stays_unseen(client, world):
    pupil = world.pupils["a"]
    sister_elsewhere = world.pupils["b"]
    services.link_add(by=world.users["dsl_a"], pupil=pupil, other=sister_elsewhere, kind="sibling")
    sign_in(client, world.users["dsl_a"])
    page = _page(client, pupil)
    assert sister_elsewhere.display_name not in page and "No brothers, sisters or other children linked" in page
    # ... and naming a child of another school by UPN finds no one.
    url = reverse("people:link_new", args=[pupil.pk])
    other = f.PupilFactory(school=world.school_b)
    assert client.post(url, {"other_upn": other.upn, "kind": "sibling"}).status_code == 400


def test_children_sharing_a_contact_are_suggested_and_linked_with_one_button(client, world):
    pupil = world.pupils["a"]
    sister = f.PupilFactory(school=world.school_a, legal_forename="Sister", legal_surname="Example")
    stranger = f.PupilFactory(school=world.school_a, legal_forename="Nobody", legal_surname="Else")
    elsewhere = f.PupilFactory(school=world.school_b, legal_forename="Hidden", legal_surname="Cousin")
    services.contact_add(by=None, pupil=pupil, data=SAVED)
    services.contact_add(by=None, pupil=sister, data={**SAVED, "phone": "+44 7700 900123"})  # the same number
    services.contact_add(by=None, pupil=stranger, data={**SAVED, "phone": "07700 900999"})
    services.contact_add(by=None, pupil=elsewhere, data=SAVED)
    sign_in(client, world.users["dsl_a"])
    assert "(1 shares a contact with PupilA)" in _page(client, pupil)
    form = client.get(reverse("people:link_new", args=[pupil.pk])).content.decode()
    assert "Sister Example" in form and "Nobody Else" not in form and "Hidden Cousin" not in form
    assert not PupilLink.objects.exists()  # suggested, never linked unasked
    done = client.post(reverse("people:link_new", args=[pupil.pk]), {"other_id": sister.pk, "kind": "sibling"})
    assert done.status_code == 302
    assert PupilLink.objects.get().other_than(pupil) == sister
    client.get(done.url)  # the confirmation, shown once
    assert "Sister Example" not in client.get(reverse("people:link_new", args=[pupil.pk])).content.decode()


def test_ending_a_link_keeps_it_as_ended(client, world):
    pupil = world.pupils["a"]
    other = f.PupilFactory(school=world.school_a, legal_forename="Step", legal_surname="Sibling")
    link = services.link_add(by=world.users["dsl_a"], pupil=pupil, other=other, kind="step_sibling")
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:link_end", args=[pupil.pk, link.pk])
    assert "End the link between" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    link.refresh_from_db()
    assert link.ended_at is not None and link.ended_by == world.users["dsl_a"]
    assert "Step Sibling is no longer linked" in _page(client, pupil)  # said once...
    assert "Step Sibling" not in _page(client, pupil)  # ... and no longer listed
    # ... and they can be linked again, as a new record.
    services.link_add(by=world.users["dsl_a"], pupil=other, other=pupil, kind="sibling")
    assert PupilLink.objects.count() == 2


def test_what_staff_write_about_a_contact_or_link_is_kept_encrypted(client, world):
    pupil = world.pupils["a"]
    contact = services.contact_add(
        by=world.users["dsl_a"], pupil=pupil, data={**SAVED, "note": "Court order: no contact."}
    )
    other = f.PupilFactory(school=world.school_a)
    services.link_add(by=world.users["dsl_a"], pupil=pupil, other=other, kind="sibling", note="Half-brother via dad.")
    services.contact_end(
        by=world.users["dsl_a"], contact=contact, reason="Parental responsibility removed by the court."
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT note, end_reason FROM people_contact UNION ALL SELECT note, '' FROM people_pupillink")
        stored = " ".join(v for row in cursor.fetchall() for v in row)
    assert "Court order" not in stored and "removed by the court" not in stored and "Half-brother" not in stored
    assert Contact.objects.get().end_reason == "Parental responsibility removed by the court."


def test_a_link_to_a_child_at_a_school_the_reader_cannot_see_cannot_be_opened_or_ended(client, world):
    pupil, elsewhere = world.pupils["a"], world.pupils["b"]
    link = services.link_add(by=world.users["dsl_a"], pupil=pupil, other=elsewhere, kind="sibling")
    sign_in(client, world.users["dsl_a"])
    url = reverse("people:link_end", args=[pupil.pk, link.pk])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 404
        assert elsewhere.legal_forename not in response.content.decode()
    link.refresh_from_db()
    assert link.ended_at is None


def test_ending_a_contact_keeps_the_reason_out_of_the_audit_log(world):
    contact = services.contact_add(by=world.users["dsl_a"], pupil=world.pupils["a"], data=SAVED)
    services.contact_end(by=world.users["dsl_a"], contact=contact, reason="Court order: no contact.")
    event = AuditEvent.objects.filter(action__isnull=False).latest("pk")
    assert "Court order" not in str(event.extra) and event.extra == {"reason_length": 24}
