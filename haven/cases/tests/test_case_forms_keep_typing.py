"""A case's forms: a refused entry comes back on its own page, as typed, each error beside the
field it is about (tied to it for screen readers) and listed at the top, linked to that field."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import sign_in
from haven.cases import services
from haven.cases.models import ConsiderationAnswer, ReferralOutcome
from haven.cases.tests.pages import CHANGES, change_url

TYPED = "Strategy discussion held; a social worker is allocated to Sam's family."


def _case_with_two_referrals(world, make_concern):
    dsl = world.users["dsl_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    today = timezone.localdate()
    first = services.referral_make(by=dsl, case=case, agency="camhs", referred_on=today - dt.timedelta(days=3))
    second = services.referral_make(by=dsl, case=case, agency="early_help", referred_on=today - dt.timedelta(days=1))
    return case, first, second


def _beside(page: str, field_id: str) -> str:
    """The error shown beside the field ``field_id``, which the field (or its fieldset) names
    in its aria-describedby; fails if either is missing."""
    error = re.search(rf'<p class="error-message" id="{re.escape(field_id)}_error">(.*?)</p>', page, re.S)
    assert error, f"no error beside {field_id}"
    assert re.search(rf'aria-describedby="[^"]*\b{re.escape(field_id)}_error\b', page), field_id
    return re.sub(r"<[^>]+>", "", error[1]).replace("Error: ", "").strip()


def test_a_refused_outcome_keeps_what_was_typed_beside_its_error(client, world, make_concern):
    case, first, second = _case_with_two_referrals(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    too_early = (second.referred_on - dt.timedelta(days=1)).isoformat()
    url = reverse("cases:outcome", args=[case.reference, second.pk])
    r = client.post(url, {"outcome": TYPED, "outcome_on": too_early, "agency_reference": "EH-42"})
    assert r.status_code == 400
    page = r.content.decode()
    assert _beside(page, f"outcome-{second.pk}-outcome_on") == "The outcome cannot come before the referral."
    summary = page[page.index('class="error-summary"') : page.index("</div>", page.index('class="error-summary"'))]
    assert f'<a href="#outcome-{second.pk}-outcome_on">The outcome cannot come before the referral.</a>' in summary
    assert "what you typed is still there" in summary
    # Only this referral's form, as typed, posting back to its own address.
    assert f'action="{url}"' in page and f"outcome-{first.pk}-" not in page
    assert TYPED.replace("'", "&#x27;") in page
    assert f'value="{too_early}"' in page and 'value="EH-42"' in page
    assert "Referral to Early help" in page  # the page says which referral
    assert not ReferralOutcome.objects.exists()


def test_an_outcome_is_saved_from_its_form_and_returns_to_the_referral(client, world, make_concern):
    case, first, _ = _case_with_two_referrals(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    page = client.get(reverse("cases:decisions", args=[case.reference])).content.decode()
    # Each referral's form has its own ids, and a label for each field.
    assert f'for="outcome-{first.pk}-outcome"' in page and f'id="outcome-{first.pk}-outcome"' in page
    assert f'action="{reverse("cases:outcome", args=[case.reference, first.pk])}"' in page
    r = client.post(
        reverse("cases:outcome", args=[case.reference, first.pk]),
        {"outcome": TYPED, "outcome_on": timezone.localdate().isoformat()},
    )
    assert r.status_code == 302
    assert r["Location"] == reverse("cases:decisions", args=[case.reference]) + f"#referral-{first.pk}"
    assert ReferralOutcome.objects.get().outcome == TYPED
    section = client.get(r["Location"])
    assert "Saved." in section.text and f'id="referral-{first.pk}"' in section.text


def test_an_outcome_for_a_referral_not_in_the_case_is_not_found(client, world, make_concern):
    case, _, _ = _case_with_two_referrals(world, make_concern)
    _, stranger, _ = _case_with_two_referrals(world, make_concern)
    sign_in(client, world.users["dsl_a"])
    for referral_id in (999999, stranger.pk):
        url = reverse("cases:outcome", args=[case.reference, referral_id])
        assert client.get(url).status_code == 404
        assert client.post(url, {"outcome": TYPED, "outcome_on": timezone.localdate().isoformat()}).status_code == 404
    assert not ReferralOutcome.objects.exists()


def test_a_consideration_saved_without_its_answer_says_so_beside_the_answer(client, world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    sign_in(client, world.users["dsl_a"])
    notes = "Spoke to PC Jones: no offence, but a pattern worth watching."
    r = client.post(
        reverse("cases:consideration", args=[case.reference, "crime"]), {"notes": notes, "version": case.version}
    )
    assert r.status_code == 400
    page = r.content.decode()
    assert _beside(page, "c-crime-answer") == "Answer: choose Yes, No, Not yet known or Considered."
    assert '<a href="#c-crime-answer_0">Answer: choose Yes, No, Not yet known or Considered.</a>' in page
    assert "This field is required." not in page
    assert notes in page and "Might a crime have been committed?" in page
    assert not ConsiderationAnswer.objects.exists()


def test_a_refused_consideration_answer_keeps_the_answer_and_notes(client, world, make_concern):
    dsl = world.users["dsl_a"]
    case = services.case_open(by=dsl, concern=make_concern())
    stale = case.version
    services.consideration_answer(by=world.users["deputy_a"], case=case, item="crime", answer="no", version=stale)
    sign_in(client, dsl)
    notes = "Spoke to PC Jones: no offence, but a pattern worth watching."
    r = client.post(
        reverse("cases:consideration", args=[case.reference, "crime"]),
        {"answer": "considered", "notes": notes, "version": stale},
    )
    assert r.status_code == 400
    page = r.content.decode()
    summary = page[page.index('class="error-summary"') :]
    assert "Someone else changed this case" in summary[: summary.index("</div>")]
    assert re.search(r'<textarea[^>]*id="c-crime-notes"[^>]*>\s*' + re.escape(notes) + r"</textarea>", page)
    assert re.search(r'<input type="radio" name="answer" value="considered"[^>]*checked', page)
    assert page.count(" checked") == 1


@pytest.mark.parametrize("change", sorted(set(CHANGES) - {"outcome", "task_done", "consideration"}))
def test_every_form_sent_empty_names_each_missing_field_beside_it(client, world, make_concern, change):
    """No "This field is required." anywhere: each message says which field and what to do,
    beside the field and in the summary, which links to it."""
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    sign_in(client, world.users["dsl_a"])
    form_page = client.get(change_url(case, change))
    assert form_page.status_code == 200
    r = client.post(change_url(case, change), {})
    if change == "access":  # nothing in it is required: only the version is missing
        assert r.status_code == 400 and "did not say which version of the case" in r.text
        return
    assert r.status_code == 400
    page = r.content.decode()
    assert "This field is required." not in page
    errors = re.findall(r'<p class="error-message" id="([^"]+)_error">', page)
    assert errors, change
    for field_id in errors:
        message = _beside(page, field_id)
        assert message and re.search(rf'<a href="#{re.escape(field_id)}(_0)?">{re.escape(message)}</a>', page)


def test_a_future_date_is_named_beside_its_field(client, world, make_concern):
    case = services.case_open(by=world.users["dsl_a"], concern=make_concern())
    sign_in(client, world.users["dsl_a"])
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = client.post(change_url(case, "referral"), {"agency": "camhs", "referred_on": tomorrow})
    assert r.status_code == 400
    page = r.content.decode()
    assert _beside(page, "referral-referred_on") == "The date of the referral cannot be in the future."
    assert f'value="{tomorrow}"' in page and '<option value="camhs" selected>' in page
