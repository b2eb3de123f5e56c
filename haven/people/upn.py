"""Unique Pupil Numbers (UPN), as the DfE specifies them.

A UPN is 13 characters: a check letter, the 3-digit LA number, the 4-digit DfE
establishment number, the 2-digit year of allocation and a 3-character serial. In a
permanent UPN characters 2 to 13 are digits; in a temporary UPN the 13th is a letter.

The check letter: multiply characters 2 to 13 by weights 2 to 13 (a letter in position 13
counts as its index in the check alphabet), add the products, and take the remainder on
dividing by 23; that remainder indexes the alphabet below (I, O and S are never used).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

CHECK_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ"


_DIGITS = "0123456789"  # str.isdigit() also accepts "²" and digits of other scripts


def _value(char: str, position: int) -> int:
    if char in _DIGITS:
        return int(char)
    if position == 13 and char in CHECK_ALPHABET:
        return CHECK_ALPHABET.index(char)
    raise ValueError(char)


def check_letter(body: str) -> str:
    """The check letter for the 12 characters after it."""
    if len(body) != 12:
        raise ValueError("a UPN body is 12 characters")
    total = sum(_value(c, i) * i for i, c in enumerate(body, start=2))
    return CHECK_ALPHABET[total % 23]


def normalise_upn(value: str) -> str:
    return (value or "").strip().upper()


def upn_problem(value: str) -> str | None:
    """Why this is not a valid UPN, in words a school administrator understands; or None."""
    upn = normalise_upn(value)
    if len(upn) != 13:
        return f"a UPN has 13 characters, this has {len(upn)}"
    body = upn[1:]
    if not all(c in _DIGITS for c in body[:11]):
        return "characters 2 to 12 of a UPN must be digits"
    if not (body[11] in _DIGITS or body[11] in CHECK_ALPHABET):
        return "the last character of a UPN must be a digit or a letter other than I, O or S"
    if upn[0] not in CHECK_ALPHABET:
        return "the first character of a UPN must be a check letter (not I, O or S)"
    expected = check_letter(body)
    if upn[0] != expected:
        return f"the check letter is wrong (expected {expected} for {body})"
    return None


def validate_upn(value: str) -> None:
    problem = upn_problem(value)
    if problem:
        raise ValidationError(f"Not a valid UPN: {problem}.", code="invalid_upn")


def make_upn(la_code: int, establishment: int, year: int, serial: int) -> str:
    """Build a valid permanent UPN (used by the demo world and tests)."""
    body = f"{la_code:03d}{establishment:04d}{year % 100:02d}{serial:03d}"
    return check_letter(body) + body
