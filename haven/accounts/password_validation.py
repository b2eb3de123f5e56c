"""Words a Haven password must not contain (ASVS V6.2.11): "haven" itself, and the names of
the person's organisations (their school, its trust and authority, or their trust or
authority), each word of four letters or more, whatever the case. Someone guessing a
school's passwords tries these first.

In AUTH_PASSWORD_VALIDATORS beside Django's own, so every form that sets a password (the
set-up link, changing one's password) applies it and shows its message on the field.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from .models import User

ALWAYS = ("haven",)
MIN_WORD = 4
_WORD = re.compile(r"[^\W\d_]+")  # runs of letters, in any alphabet


def organisation_words(user: User | None) -> list[str]:
    """The lower-cased words of four letters or more in the names of the person's
    organisations, longest first (the message names the longest found)."""
    if user is None or user.pk is None:
        return []
    names: set[str] = set()
    for membership in user.active_memberships:
        school, trust, authority = membership.school, membership.trust, membership.authority
        if school is not None:
            names.add(school.name)
            trust = trust or school.trust
            authority = authority or school.authority
        if trust is not None:
            names.add(trust.name)
            authority = authority or trust.authority
        if authority is not None:
            names.add(authority.name)
    words = {w.lower() for name in names for w in _WORD.findall(name) if len(w) >= MIN_WORD}
    return sorted(words, key=lambda w: (-len(w), w))


class HavenWordsValidator:
    """Refuse a password containing "haven" or a word of the person's organisations' names."""

    def validate(self, password: str, user: User | None = None) -> None:
        lowered = password.lower()
        for word in (*ALWAYS, *organisation_words(user)):
            if word in lowered:
                raise ValidationError(
                    f"Your password must not contain “{word}”: words like Haven or your school's name are the "
                    "first that anyone guessing would try.",
                    code="password_has_organisation_word",
                )

    def get_help_text(self) -> str:
        return "Your password must not contain “Haven” or words of your school's, trust's or authority's name."
