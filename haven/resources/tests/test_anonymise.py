"""The anonymisation check: property-based (hypothesis) with roster names in any case and
punctuation, and no way to pass a UPN, a date of birth or a postcode."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.resources.anonymise import Roster, check, normalise, unresolved

FILLER = ["the", "pupil", "said", "that", "in", "a", "lesson", "was", "upset", "after", "break", "and", "told", "staff"]
NAMES = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéë", min_size=3, max_size=10).filter(
    lambda n: n not in FILLER and normalise(n) not in FILLER
)
SURNAMES = st.one_of(
    NAMES, st.builds(lambda a, b: f"{a}'{b}", NAMES, NAMES), st.builds(lambda a, b: f"{a}-{b}", NAMES, NAMES)
)
CASES = st.sampled_from([str.lower, str.upper, str.title, str.capitalize, lambda s: s])
BEFORE = st.sampled_from(["", " ", "(", '"', "“", "‘", "\n", "—", "-", "/", "["])
AFTER = st.sampled_from(["", " ", ".", ",", ";", ":", "!", "?", ")", "'s", "’s", "”", "\n", "…", "-"])
WORDS = st.lists(st.sampled_from(FILLER), max_size=6).map(" ".join)


def _roster(pupils=(), staff=(), school="Alder Academy") -> Roster:
    return Roster(pupil_names=set(pupils), staff_names=set(staff), school_names={school, "Alder"})


def _curly(name: str) -> str:
    return name.replace("'", "’")


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(name=SURNAMES, case=CASES, before=BEFORE, after=AFTER, left=WORDS, right=WORDS, curly=st.booleans())
def test_a_roster_name_is_flagged_in_any_case_and_punctuation(name, case, before, after, left, right, curly):
    typed = case(name)
    if curly:
        typed = _curly(typed)
    text = f"{left} {before}{typed}{after} {right}"
    flags = check({"what_happened": text}, _roster(pupils=[name]))
    assert any(f.kind == "pupil_name" and f.term == normalise(name) for f in flags), text


@settings(max_examples=100)
@given(forename=NAMES, surname=SURNAMES, case=CASES, after=AFTER)
def test_a_staff_members_name_is_flagged_and_can_be_confirmed_as_an_ordinary_word(forename, surname, case, after):
    text = f"Then {case(surname)}{after} spoke to the class."
    flags = check({"school_response": text}, _roster(staff=[forename, surname, f"{forename} {surname}"]))
    staff = [f for f in flags if f.kind == "staff_name" and f.term == normalise(surname)]
    assert staff and all(f.confirmable for f in staff), text
    assert unresolved(staff, [surname.upper()]) == []


DATE_FORMATS = [
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%Y-%m-%d",
    "%d %B %Y",
    "%d %b %Y",
    "%B %d, %Y",
    "%d %B, %Y",
]


@settings(max_examples=200)
@given(
    dob=st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2024, 12, 31)),
    fmt=st.sampled_from(DATE_FORMATS),
    case=CASES,
    left=WORDS,
    after=AFTER,
    confirmed=st.lists(st.text(min_size=1, max_size=12), max_size=4),
)
def test_a_date_of_birth_is_never_passed_whatever_is_confirmed(dob, fmt, case, left, after, confirmed):
    written = case(dob.strftime(fmt))
    text = f"{left} born {written}{after}"
    flags = check({"context": text}, _roster())
    dates = [f for f in flags if f.kind == "date"]
    assert dates, text
    assert not dates[0].confirmable
    assert unresolved(flags, [*confirmed, dates[0].text, dates[0].term]) != []


UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"


@settings(max_examples=200)
@given(
    first=st.sampled_from(UPN_LETTERS),
    digits=st.text(alphabet="0123456789", min_size=11, max_size=11),
    last=st.sampled_from(UPN_LETTERS + "0123456789"),
    lower=st.booleans(),
    spaced=st.booleans(),
    before=BEFORE,
    after=AFTER,
)
def test_a_upn_is_never_passed(first, digits, last, lower, spaced, before, after):
    upn = f"{first}{digits}{last}"
    if spaced:
        upn = f"{upn[:4]} {upn[4:8]} {upn[8:]}"
    if lower:
        upn = upn.lower()
    text = f"The pupil {before}{upn}{after} was moved."
    flags = check({"what_happened": text}, _roster())
    upns = [f for f in flags if f.kind == "upn"]
    assert upns, text
    assert unresolved(flags, [upn, normalise(upn)]) == upns


@given(
    postcode=st.sampled_from(["ST16 2LH", "st162lh", "B1 1AA", "M60 1NW", "CR2 6XH", "DN55 1PT", "W1A 0AX", "EC1A 1BB"])
)
def test_a_postcode_must_be_edited_out(postcode):
    flags = check({"context": f"The family lives at {postcode}."}, _roster())
    assert [f.kind for f in flags] == ["postcode"]
    assert unresolved(flags, [postcode]) == flags


def test_the_schools_name_and_its_distinctive_word_are_flagged_but_not_generic_words():
    roster = _roster(school="Alder Academy")
    flags = check({"context": "At ALDER academy, a large academy school, we noticed."}, roster)
    found = {(f.kind, f.term) for f in flags}
    assert ("school_name", "alder academy") in found
    assert ("school_name", "academy") not in found


def test_text_without_anything_identifying_passes():
    text = (
        "A Year 9 pupil told a member of staff that images were shared in a group chat in the spring term. "
        "The DSL followed the UKCIS advice and did not view the images."
    )
    roster = _roster(pupils=["Maya", "Oliver"], staff=["Helen", "Brooks", "Helen Brooks"])
    assert check({"what_happened": text}, roster) == []


def test_a_name_inside_another_word_is_not_flagged():
    assert check({"context": "Marketing and Annabelle-free text"}, _roster(pupils=["Ann", "Mark"])) == []


def test_each_flag_is_reported_once_per_field_with_what_was_typed():
    flags = check({"context": "Maya and MAYA and maya.", "outcome": "Maya is fine."}, _roster(pupils=["Maya"]))
    assert [(f.field, f.text) for f in flags] == [("context", "Maya"), ("outcome", "Maya")]
