"""The anonymisation check a case study passes before it is sent to the local authority.

It flags what could identify a child, a member of staff or the school: names from the
school's roster (pupils' legal and preferred names) and of the people with a role at the
school, UPNs, dates (any full date could be a date of birth), postcodes and the school's
own name. The author resolves each flag by editing the text or, for a word that is also an
ordinary word (a pupil called "Hope", a surname "Green"), by confirming it does not
identify anyone. UPNs, dates and postcodes can only be resolved by editing: confirming
cannot let one through.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.db.models import Q

from haven.accounts.models import User
from haven.people.models import Pupil

if TYPE_CHECKING:
    from haven.organisations.models import School

KIND_LABELS = {
    "pupil_name": "A pupil's name",
    "staff_name": "A staff member's name",
    "school_name": "The school's name",
    "upn": "A unique pupil number (UPN)",
    "date": "A date (it could be a date of birth)",
    "postcode": "A postcode",
}
# Kinds the author can only resolve by changing the text.
MUST_EDIT = frozenset({"upn", "date", "postcode"})
# Words of school names that identify nothing on their own.
_GENERIC = frozenset(
    [
        "academy",
        "school",
        "primary",
        "secondary",
        "high",
        "junior",
        "infant",
        "infants",
        "nursery",
        "college",
        "church",
        "england",
        "the",
        "of",
        "and",
        "saint",
        "st",
        "ce",
        "rc",
        "c",
        "e",
        "community",
        "trust",
        "special",
        "free",
        "grammar",
        "upper",
        "middle",
        "lower",
        "first",
        "village",
        "park",
        "learning",
        "centre",
        "center",
        "catholic",
        "methodist",
        "voluntary",
        "aided",
        "controlled",
        "county",
        "council",
    ]
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    "sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_UPN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][\s-]?(?:\d[\s-]?){11}[A-Za-z0-9](?![A-Za-z0-9])")
_DATES = (
    re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*(?:\d{4}|\d{2})(?!\d)"),
    re.compile(r"(?<!\d)\d{4}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{1,2}(?!\d)"),
    re.compile(rf"(?<!\d)\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{2,4}}(?!\d)", re.IGNORECASE),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}(?!\d)", re.IGNORECASE),
)
_POSTCODE = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}(?![A-Za-z0-9])")
_APOSTROPHES = "'’‘`ʼ"


@dataclass(frozen=True)
class Flag:
    kind: str
    text: str  # as typed
    field: str

    @property
    def term(self) -> str:
        """The normalised word a confirmation refers to."""
        return normalise(self.text)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def confirmable(self) -> bool:
        return self.kind not in MUST_EDIT


@dataclass
class Roster:
    """What identifies people at one school: names by kind, and the school's name."""

    pupil_names: set[str] = field(default_factory=set)
    staff_names: set[str] = field(default_factory=set)
    school_names: set[str] = field(default_factory=set)


def normalise(text: str) -> str:
    """Case-folded, accents removed, curly apostrophes straightened, spaces collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    for a in _APOSTROPHES:
        text = text.replace(a, "'")
    return re.sub(r"[\s\-‐–]+", " ", text).strip().casefold()


def _name_pattern(name: str) -> re.Pattern[str]:
    """A name as a whole word, in any case, whatever apostrophe or hyphen is typed."""
    parts = []
    for ch in normalise(name):
        if ch == "'":
            parts.append(f"[{_APOSTROPHES}]?")
        elif ch == " ":
            parts.append(r"[\s\-‐–]+")
        else:
            parts.append(re.escape(ch))
    return re.compile(r"(?<![\w])" + "".join(parts) + r"(?![\w])", re.IGNORECASE)


def _fold(text: str) -> str:
    """Accents removed, keeping every character's position (so matches map back to the text)."""
    out = []
    for c in text:
        base = "".join(x for x in unicodedata.normalize("NFKD", c) if not unicodedata.combining(x))
        out.append(base if len(base) == 1 else c)
    return "".join(out)


def roster_for(school: School) -> Roster:
    """The school's pupils (on roll or left) and the people with a role there now, plus
    the school's name and its distinctive words. Three queries."""

    roster = Roster()
    for forename, surname, preferred in Pupil.objects.filter(school=school).values_list(
        "legal_forename", "legal_surname", "preferred_forename"
    ):
        roster.pupil_names.update(n for n in (forename, surname, preferred) if n)
    for (full_name,) in (
        User.objects.filter(Q(memberships__school=school), memberships__ended_at__isnull=True)
        .distinct()
        .values_list("full_name")
    ):
        roster.staff_names.update(full_name.split())
        if full_name.strip():
            roster.staff_names.add(full_name)
    roster.school_names.add(school.name)
    roster.school_names.update(w for w in re.findall(r"[\w'’-]+", school.name) if normalise(w) not in _GENERIC)
    return roster


def _names(names: Iterable[str]) -> list[str]:
    # Longest first so "Mary Ann" is reported before "Mary"; single letters identify nobody.
    cleaned = {n.strip(" .,") for n in names}
    return sorted((n for n in cleaned if len(normalise(n).replace("'", "")) >= 2), key=lambda n: (-len(n), n))


def check(texts: Mapping[str, str], roster: Roster) -> list[Flag]:
    """Every flag in the fields' text, once per (kind, word, field), in field order."""
    flags: list[Flag] = []
    seen: set[tuple[str, str, str]] = set()

    def add(kind: str, found: str, name: str) -> None:
        key = (kind, normalise(found), name)
        if key not in seen:
            seen.add(key)
            flags.append(Flag(kind, found, name))

    patterns = [
        (kind, _name_pattern(n))
        for kind, names in (
            ("school_name", roster.school_names),
            ("pupil_name", roster.pupil_names),
            ("staff_name", roster.staff_names),
        )
        for n in _names(names)
    ]
    for name, text in texts.items():
        if not text:
            continue
        folded = _fold(text)
        for m in _UPN.finditer(text):
            add("upn", m.group(0), name)
        for pattern in _DATES:
            for m in pattern.finditer(text):
                add("date", m.group(0), name)
        for m in _POSTCODE.finditer(text):
            if not _UPN.fullmatch(m.group(0)):
                add("postcode", m.group(0), name)
        for kind, pattern in patterns:
            for m in pattern.finditer(folded):
                add(kind, text[m.start() : m.end()], name)
    return flags


def unresolved(flags: Iterable[Flag], confirmed: Iterable[str]) -> list[Flag]:
    """Flags still to resolve: every UPN, date and postcode, and names not confirmed."""
    ok = {normalise(c) for c in confirmed}
    return [f for f in flags if not f.confirmable or f.term not in ok]
