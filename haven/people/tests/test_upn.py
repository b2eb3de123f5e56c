"""Unique Pupil Numbers: the DfE check letter, tested as properties of the scheme.

The check letter is the weighted sum of characters 2 to 13 (weights 2 to 13) modulo 23. As
23 is prime and no weight or single-digit change is a multiple of it, changing any one digit
always changes the check letter. The one blind spot is in a temporary UPN's 13th character,
where a letter counts as its index in the check alphabet: "A" and "0", "B" and "1", up to
"K" and "9", carry the same value, so swapping one for the other goes unnoticed.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from hypothesis import assume, given
from hypothesis import strategies as st

from haven.people.upn import CHECK_ALPHABET, check_letter, make_upn, upn_problem, validate_upn

DIGITS = "0123456789"

la_codes = st.integers(min_value=0, max_value=999)
establishments = st.integers(min_value=0, max_value=9999)
years = st.integers(min_value=0, max_value=99)
serials = st.integers(min_value=0, max_value=999)
permanent_upns = st.builds(make_upn, la_codes, establishments, years, serials)
temporary_upns = st.builds(
    lambda digits, letter: check_letter(digits + letter) + digits + letter,
    st.text(alphabet=DIGITS, min_size=11, max_size=11),
    st.sampled_from(CHECK_ALPHABET),
)


def oracle(upn: str) -> bool:
    """The DfE rule written out again, independently of haven.people.upn."""
    if len(upn) != 13 or not upn[1:12].isdigit():
        return False
    values = [int(c) for c in upn[1:12]]
    if upn[12].isdigit():
        values.append(int(upn[12]))
    elif upn[12] in CHECK_ALPHABET:
        values.append(CHECK_ALPHABET.index(upn[12]))
    else:
        return False
    return upn[0] == CHECK_ALPHABET[sum(w * v for w, v in zip(range(2, 14), values, strict=True)) % 23]


@given(permanent_upns)
def test_make_upn_always_validates(upn):
    assert upn_problem(upn) is None
    validate_upn(upn)
    assert oracle(upn)


@given(permanent_upns, st.integers(min_value=1, max_value=12), st.sampled_from(DIGITS))
def test_changing_any_one_digit_of_a_upn_makes_it_invalid(upn, position, digit):
    assume(upn[position] != digit)
    changed = upn[:position] + digit + upn[position + 1 :]
    assert upn_problem(changed) is not None
    assert not oracle(changed)


@given(permanent_upns, st.sampled_from(CHECK_ALPHABET))
def test_changing_the_check_letter_makes_a_upn_invalid(upn, letter):
    assume(upn[0] != letter)
    assert upn_problem(letter + upn[1:]) is not None


@given(permanent_upns, st.sampled_from(DIGITS))
def test_a_digit_in_the_check_letters_place_is_invalid(upn, digit):
    assert upn_problem(digit + upn[1:]) is not None


@given(temporary_upns)
def test_a_temporary_upn_with_a_letter_last_validates(upn):
    assert upn[12].isalpha()
    assert upn_problem(upn) is None
    assert oracle(upn)


@given(temporary_upns, st.integers(min_value=1, max_value=11), st.sampled_from(DIGITS))
def test_changing_any_digit_of_a_temporary_upn_makes_it_invalid(upn, position, digit):
    assume(upn[position] != digit)
    assert upn_problem(upn[:position] + digit + upn[position + 1 :]) is not None


@given(temporary_upns, st.sampled_from(CHECK_ALPHABET))
def test_changing_the_last_letter_of_a_temporary_upn_to_another_letter_makes_it_invalid(upn, letter):
    assume(upn[12] != letter)
    assert upn_problem(upn[:12] + letter) is not None


@given(temporary_upns, st.sampled_from(DIGITS))
def test_a_last_letter_changed_to_a_digit_goes_unnoticed_only_when_their_values_match(upn, digit):
    """The scheme's blind spot, pinned down: A/0 ... K/9 in position 13 share a value."""
    changed = upn[:12] + digit
    assert (upn_problem(changed) is None) == (CHECK_ALPHABET.index(upn[12]) == int(digit))
    assert oracle(changed) == (upn_problem(changed) is None)


@pytest.mark.parametrize(
    "upn",
    [
        # 2*1+3*2+4*3+5*4+6*5+7*6+8*7+9*8+10*9+11*0+12*1+13*2 = 368 = 16*23, remainder 0: A.
        "A123456789012",
        "A000000000000",  # everything zero: remainder 0
        # 2*1+...+12*1 = 342, remainder 20: X; A as 13th character counts 0.
        "X12345678901A",
        "x12345678901a",  # case does not matter
        " A123456789012 ",  # nor surrounding spaces
    ],
)
def test_known_good_upns_validate(upn):
    assert upn_problem(upn) is None


@pytest.mark.parametrize(
    ("upn", "problem"),
    [
        ("A12345678901", "a UPN has 13 characters, this has 12"),
        ("A1234567890123", "a UPN has 13 characters, this has 14"),
        ("", "a UPN has 13 characters, this has 0"),
        ("I123456789012", "the first character of a UPN must be a check letter (not I, O or S)"),
        ("O123456789012", "the first character of a UPN must be a check letter (not I, O or S)"),
        ("S123456789012", "the first character of a UPN must be a check letter (not I, O or S)"),
        ("X12345678901I", "the last character of a UPN must be a digit or a letter other than I, O or S"),
        ("X12345678901O", "the last character of a UPN must be a digit or a letter other than I, O or S"),
        ("X12345678901S", "the last character of a UPN must be a digit or a letter other than I, O or S"),
        ("A1234567890A2", "characters 2 to 12 of a UPN must be digits"),
        ("B123456789012", "the check letter is wrong (expected A for 123456789012)"),
    ],
)
def test_bad_upns_are_refused_with_a_reason(upn, problem):
    assert upn_problem(upn) == problem


def test_validate_upn_raises_a_validation_error():
    with pytest.raises(ValidationError, match="Not a valid UPN: the check letter is wrong"):
        validate_upn("B123456789012")


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=20))
def test_upn_problem_agrees_with_the_rule_on_any_ascii_text(text):
    assert (upn_problem(text) is None) == oracle(text.strip().upper())


def test_digits_from_other_scripts_are_not_a_upn():
    assert upn_problem("A١٢٣٤٥٦٧٨٩٠١٢") is not None  # Arabic-Indic digits of A123456789012


def test_a_superscript_digit_is_refused_not_a_crash():
    assert upn_problem("A²23456789012") is not None
