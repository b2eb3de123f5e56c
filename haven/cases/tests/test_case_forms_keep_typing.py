"""The case page's forms: a refused entry comes back as typed, in its own form, linked from the banner."""

from __future__ import annotations

import datetime as dt
import re

from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases import services
from haven.cases.models import ReferralOutcome

TYPED = "Strategy discussion held; a social worker is allocated to Sam's family."


def _case_with_two_referrals(world, make_concern):
    dsl = world.users["dsl_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    today = timezone.localdate()
    first = services.referral_make(by=dsl, case=case, agency="camhs", referred_on=today - dt.timedelta(days=3))
    second = services.referral_make(by=dsl, case=case, agency="early_help", referred_on=today - dt.timedelta(days=1))
    return case, first, second


def test_a_refused_outcome_keeps_what_was_typed_and_links_to_its_form(client, world, make_concern):
    case, first, second = _case_with_two_referrals(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    too_early = (second.referred_on - dt.timedelta(days=1)).isoformat()
    r = client.post(
        reverse("cases:action", args=[case.reference, "outcome"]),
        {"referral": second.pk, "outcome": TYPED, "outcome_on": too_early, "agency_reference": "EH-42"},
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "The outcome cannot come before the referral." in page
    assert "what you typed is still there" in page
    # The link goes to the form of the referral that failed, and that form exists, open.
    link = re.search(r'<a href="#([^"]+)">Go to the form</a>', page)
    assert link and link[1] == f"outcome-{second.pk}"
    assert f'<details id="outcome-{second.pk}" open>' in page
    # What was typed is back in that form, not in the other referral's.
    section = page[page.index(f'id="outcome-{second.pk}"') :]
    section = section[: section.index("</details>")]
    assert TYPED.replace("'", "&#x27;") in section
    assert f'value="{too_early}"' in section
    assert 'value="EH-42"' in section
    other = page[page.index(f'id="outcome-{first.pk}"') :]
    other = other[: other.index("</details>")]
    assert "Strategy discussion" not in other and f'<details id="outcome-{first.pk}" open>' not in page
    assert not ReferralOutcome.objects.exists()


def test_an_outcome_is_saved_from_its_form(client, world, make_concern):
    case, first, _ = _case_with_two_referrals(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:detail", args=[case.reference])).content.decode()
    # Each referral's form has its own ids, and a label for each field.
    assert f'for="outcome-{first.pk}-outcome"' in page and f'id="outcome-{first.pk}-outcome"' in page
    r = client.post(
        reverse("cases:action", args=[case.reference, "outcome"]),
        {"referral": first.pk, "outcome": TYPED, "outcome_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 302
    assert ReferralOutcome.objects.get().outcome == TYPED


def test_an_outcome_for_a_referral_not_in_the_case_is_refused_without_a_broken_link(client, world, make_concern):
    case, _, _ = _case_with_two_referrals(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    r = client.post(
        reverse("cases:action", args=[case.reference, "outcome"]),
        {"referral": 999999, "outcome": TYPED, "outcome_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "That referral is not part of this case." in page
    link = re.search(r'<a href="#([^"]+)">Go to the form</a>', page)
    assert link and f'id="{link[1]}"' in page


def test_a_refused_consideration_answer_keeps_the_answer_and_notes(client, world, make_concern):
    dsl = world.users["dsl_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    stale = case.version
    services.consideration_answer(by=world.users["deputy_a"], case=case, item="crime", answer="no", version=stale)
    sign_in(client, dsl)
    notes = "Spoke to PC Jones: no offence, but a pattern worth watching."
    r = client.post(
        reverse("cases:action", args=[case.reference, "consideration"]),
        {"item": "crime", "answer": "considered", "notes": notes, "version": stale},
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert "Someone else changed this case" in page
    assert f'<textarea id="c-crime-notes" name="notes" rows="2">{notes}</textarea>' in page
    assert 'id="c-crime-considered" name="answer" value="considered" checked' in page
    # Only in the item that was answered.
    assert page.count(notes) == 1 and page.count(" checked>") == 1
