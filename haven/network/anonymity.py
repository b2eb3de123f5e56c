"""Minutes are shared across schools: they must not name a child.

:func:`minutes_findings` lists the words of a text that match a pupil's name on the
rosters of the meeting's schools, and anything shaped like a UPN (a letter, 12 characters).
Names are matched as whole words, in any case; a full name (forename and surname together)
is reported as one finding.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from haven.people.models import Pupil

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
_PARTS = re.compile(r"['’-]")
_UPN_SHAPE = re.compile(r"\b[A-Za-z][0-9]{11}[0-9A-Za-z]\b")
# Names too short to tell from ordinary words are only reported as part of a full name.
_MIN_SINGLE = 3


@dataclass(frozen=True)
class Finding:
    text: str
    kind: str  # "name" or "upn"

    def __str__(self) -> str:
        if self.kind == "upn":
            return f"“{self.text}” looks like a pupil's UPN"
        return f"“{self.text}” is the name of a pupil at one of the invited schools"


def roster_names(school_ids: Iterable[int]) -> set[str]:
    """Lower-case forenames and surnames of pupils on the roll of these schools."""
    names: set[str] = set()
    rows = Pupil.objects.filter(school_id__in=list(school_ids)).values_list(
        "legal_forename", "legal_surname", "preferred_forename"
    )
    for row in rows:
        for name in row:
            for word in _WORD.findall(name or ""):
                for part in (word, *_PARTS.split(word)):
                    if len(part) >= _MIN_SINGLE:
                        names.add(part.casefold())
    return names


def minutes_findings(text: str, *, names: set[str]) -> list[Finding]:
    findings: list[Finding] = []
    seen: set[str] = set()
    for match in _UPN_SHAPE.finditer(text or ""):
        # Anything shaped like a UPN, even with a wrong check letter (a typo is still a child).
        candidate = match.group(0).upper()
        if candidate not in seen:
            seen.add(candidate)
            findings.append(Finding(match.group(0), "upn"))
    for match in _WORD.finditer(text or ""):
        word = match.group(0)
        # "O'Neill" and "Smith-Jones" whole, and "Tobias's" as "Tobias".
        stem = word[:-2] if word[-2:].casefold() in ("'s", "’s") else word
        for part in (word, stem, *_PARTS.split(word)):
            key = part.casefold()
            if key in names and key not in seen:
                seen.add(key)
                findings.append(Finding(part, "name"))
    return findings
