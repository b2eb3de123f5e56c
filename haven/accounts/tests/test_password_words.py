"""Passwords without "haven" or the words of the person's organisations' names (ASVS
V6.2.11), and not among the passwords most found in breaches (V6.2.12, Django's local list):
refused through the set-up link and the password-change page, the error on the field where
the password is chosen."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.password_validation import CommonPasswordValidator, get_default_password_validators
from django.test import Client

from conftest import sign_in
from haven.accounts.models import User
from haven.accounts.password_validation import HavenWordsValidator, organisation_words
from haven.accounts.tests.test_enrolment import _add_dsl, _link
from haven.testing import factories as f
from haven.testing.factories import PASSWORD

URL = "/account/password/"
GOOD = "otter lantern quietly marmalade"


def _change(client: Client, new: str):
    return client.post(URL, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})


def _field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="error-message" id="id_{field}_error">(.*?)</p>', page, re.S)
    assert found, f"no error on {field}"
    return re.sub(r"<[^>]+>", "", found.group(1))


@pytest.mark.parametrize(
    ("new", "word"),
    [
        ("my Haven login is lovely", "haven"),
        ("HAVENHAVEN otters quietly", "haven"),
        ("go alder otters go quietly", "alder"),  # the school, Alder Academy
        ("ACADEMY of quiet otters", "academy"),
        ("learning otters quietly 7", "learning"),  # the school's trust, Alder Learning Trust
        ("midshire otters quietly 7", "midshire"),  # the school's authority, Midshire County Council
    ],
)
def test_a_password_with_haven_or_an_organisation_word_is_refused_on_its_field(client, world, new, word):
    staff = world.users["staff_a"]
    sign_in(client, staff)
    r = _change(client, new)
    assert r.status_code == 400
    error = _field_error(r.text, "new_password1")
    assert f"Your password must not contain “{word}”" in error
    field = re.search(r'<input[^>]*name="new_password1"[^>]*>', r.text)
    assert field and 'aria-invalid="true"' in field.group(0) and "id_new_password1_error" in field.group(0)
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_another_schools_words_are_allowed(client, world):
    staff = world.users["staff_a"]
    sign_in(client, staff)
    assert _change(client, "birch otters quietly marmalade").status_code == 302  # Birch Academy is not theirs
    staff.refresh_from_db()
    assert staff.check_password("birch otters quietly marmalade")


def test_a_trust_leads_trust_and_authority_words_count(client, world):
    lead = world.users["trust_lead_a"]
    sign_in(client, lead)
    for new in ("alder otters quietly 7", "county otters quietly 7"):
        assert "must not contain" in _field_error(_change(client, new).text, "new_password1")


def test_a_breached_password_is_refused_on_its_field(client, world):
    sign_in(client, world.users["staff_a"])
    r = _change(client, "qwerty123456")
    assert r.status_code == 400
    assert "This password is too common." in _field_error(r.text, "new_password1")


def test_the_checks_are_on():
    kinds = {type(v) for v in get_default_password_validators()}
    assert {CommonPasswordValidator, HavenWordsValidator} <= kinds


def test_the_set_up_link_refuses_them_too(client, world, mailoutbox, django_capture_on_commit_callbacks):
    sign_in(client, world.users["admin_a"])
    _add_dsl(client, world, django_capture_on_commit_callbacks)
    path = _link(mailoutbox, "new.dsl@example.org")
    theirs = Client()
    for new, message in (
        ("alder academy otters 7", "Your password must not contain “academy”"),
        ("haven otters quietly 77", "Your password must not contain “haven”"),
        ("qwerty123456", "This password is too common."),
    ):
        r = theirs.post(path, {"new_password1": new, "new_password2": new})
        assert r.status_code == 400
        assert message in _field_error(r.text, "new_password1")
    assert not User.objects.get(email="new.dsl@example.org").has_usable_password()
    r = theirs.post(path, {"new_password1": GOOD, "new_password2": GOOD})
    assert r.status_code == 302


def test_words_are_four_letters_or_more_of_every_organisation(world):
    school = f.SchoolFactory(name="St Mary's CE Primary", authority=world.authority, trust=None)
    person = f.UserFactory(email="new.teacher@example.org")
    f.MembershipFactory(user=person, role="staff", school=school)
    assert organisation_words(person) == ["midshire", "council", "primary", "county", "mary"]
    assert organisation_words(None) == []
