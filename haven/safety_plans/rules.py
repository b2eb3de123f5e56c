"""The words and numbers of the trust's safety planning and risk assessment document
(policy Annex A; DESIGN §5): ratings, bands, the actions table, the considerations
checklist, the needs grid and the practical controls."""

from __future__ import annotations

import re
from enum import StrEnum

from django.core.exceptions import ValidationError

# A: hazard rating; B: likelihood. Only these values exist on the form (Annex A's key).
HAZARD = {1: "Minor effect", 2: "Moderate effect", 3: "Major effect"}
LIKELIHOOD = {2: "Unlikely", 4: "Possible", 6: "Probable"}


class Band(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"


# Annex A: "2 - 4 = LOW, 6 - 9 = MEDIUM, 12-18 = HIGH".
BANDS = ((2, 4, Band.LOW), (6, 9, Band.MEDIUM), (12, 18, Band.HIGH))


POSSIBLE_RISKS = frozenset(a * b for a in HAZARD for b in LIKELIHOOD)


def hazard_check(value: object) -> int:
    if type(value) is not int or value not in HAZARD:
        raise ValidationError(
            "The hazard rating (A) must be 1 (minor effect), 2 (moderate effect) or 3 (major effect).",
            code="hazard_rating",
        )
    return int(value)


def likelihood_check(value: object) -> int:
    if type(value) is not int or value not in LIKELIHOOD:
        raise ValidationError(
            "The likelihood (B) must be 2 (unlikely), 4 (possible) or 6 (probable).", code="likelihood"
        )
    return int(value)


def risk_rating(hazard: object, likelihood: object) -> int:
    """C = A x B, refusing any rating that is not on the form."""
    return hazard_check(hazard) * likelihood_check(likelihood)


def band_for(risk: int) -> Band:
    if risk not in POSSIBLE_RISKS:
        raise ValidationError(f"A risk rating of {risk} is not possible: it must be A x B from the form's key.")
    for low, high, band in BANDS:
        if low <= risk <= high:
            return band
    raise ValidationError(f"A risk rating of {risk} is not possible: it must be A x B from the form's key.")


class PlanAction(StrEnum):
    """Annex A, "Action taken by school": each Yes/No, date, notes."""

    PARENTS = "parents"
    POLICE = "police"
    MASH = "mash"
    EXTERNAL = "external"
    INTERNAL = "internal"
    CAMHS = "camhs"
    EARLY_HELP = "early_help"
    OTHER = "other"


ACTION_LABELS = {
    PlanAction.PARENTS: "Parents informed",
    PlanAction.POLICE: "Police informed",
    PlanAction.MASH: "Referral to MASH (children's social care)",
    PlanAction.EXTERNAL: "Referral to external support services",
    PlanAction.INTERNAL: "Referral to internal support services",
    PlanAction.CAMHS: "Referral to CAMHS",
    PlanAction.EARLY_HELP: "Referral to early help",
    PlanAction.OTHER: "Other",
}

# Annex A, "When creating a safety plan, DSLs should consider" (the reference to KCSIE and
# the DfE advice is shown as guidance, not asked as a question). Some ask for an account in
# words (OPEN_QUESTIONS), the rest for yes or no with an optional note. Annex A's "Does this
# incident constitute a crime? ... As such has this been referred to the police?" is two
# questions with two answers, so it is asked as two.
CONSIDERATIONS = {
    "incident": "What is the incident?",
    "who": "Who was involved?",
    "where": "Where did it happen?",
    "crime": (
        "Does this incident constitute a crime (assault, sexual assault, rape, sharing of indecent images of "
        "children, etc.)?"
    ),
    "referred_police": "Has it been referred to the police?",
    "limit_contact": "Is it necessary to limit contact between the children involved?",
    "threat": (
        "Is there an actual or perceived threat from the child alleged to have caused harm to the victim and/or others?"
    ),
    "physical_harm": (
        "Is either the victim or the child alleged to have caused harm at risk of physical harm because of "
        "this incident (for example, bullying or 'retribution' by peers)?"
    ),
    "share_classes": "Do they share any classes or lessons?",
    "share_breaks": "Do they share break times?",
    "share_peers": "Do they share peer or friendship groups?",
    "share_transport": "Do they share transport to or from school?",
    "meet_outside": (
        "Are they likely to meet each other (or anyone else involved in or with knowledge of the incident) "
        "outside of school?"
    ),
    "limit_how": "How can this contact be limited?",
    "social_media": "Is there a risk of harm from social media and gossip?",
}
# Answered in words: a text, never yes or no.
OPEN_QUESTIONS = frozenset({"incident", "who", "where", "limit_how"})
# The questions in groups, for the form and the printed plan.
CONSIDERATION_GROUPS = (
    ("The incident", ("incident", "who", "where", "crime", "referred_police")),
    (
        "Contact between the children",
        (
            "limit_contact",
            "threat",
            "physical_harm",
            "share_classes",
            "share_breaks",
            "share_peers",
            "share_transport",
            "meet_outside",
            "limit_how",
        ),
    ),
    ("Online", ("social_media",)),
)
YES_NO_ANSWERS = {"yes": "Yes", "no": "No", "unknown": "Not yet known"}
# Every answer a stored version may hold: versions written before the open questions were
# asked in words could answer any question "see notes".
CONSIDERATION_ANSWERS = {**YES_NO_ANSWERS, "see_notes": "See notes"}
# How versions written before the crime question was split asked it.
LEGACY_CRIME_QUESTION = (
    "Does this incident constitute a crime (assault, sexual assault, rape, sharing of indecent images of "
    "children, etc.)? As such, has it been referred to the police?"
)


def consideration_read(key: str, row: dict[str, object] | None) -> tuple[str, str]:
    """(answer, notes) of one stored consideration, in words, whatever its version's shape.

    An open question holds ``{"text"}``; a yes/no question ``{"answer", "notes"}``. Versions
    written before the open questions were asked in words hold ``{"answer", "notes"}`` for
    them too: their answer and notes are read together as the text, so nothing is lost."""
    row = row or {}
    answer = CONSIDERATION_ANSWERS.get(str(row.get("answer") or ""), "")
    notes = str(row.get("notes") or "")
    if key in OPEN_QUESTIONS:
        if "text" in row:
            return str(row.get("text") or ""), ""
        return ". ".join(filter(None, [answer, notes])), ""
    return answer, notes


# The needs grid: "Based on the available information who may be at risk?"
AT_RISK = {"children": "Children", "staff": "Staff", "young_person": "The young person", "others": "Others"}

# Practical controls (policy §10): structured choices, each with text beside it.
CONTROLS = {
    "separate_classes": "Separate classes or lessons",
    "supervised_breaks": "Supervised break and lunch times",
    "arrival_leaving": "Different arrival and leaving times",
    "transport": "Transport arrangements",
    "trusted_adult": "A named trusted adult",
    "safe_space": "A safe space to go to",
    "online": "Online and social-media measures",
    "staff_informed": "Information shared with named staff",
}

VIEW_QUESTIONS_CHILD = (
    ("child_disagree", "Is there anything in this plan that you disagree with?"),
    ("child_fair", "Do you think this plan is fair and reasonable?"),
    ("child_can_do", "What can you do to keep yourself and others safe?"),
)
VIEW_QUESTIONS_PARENTS = (
    ("parents_disagree", "Is there anything in this plan that you disagree with?"),
    ("parents_fair", "Do you think this plan is fair and reasonable?"),
    ("parents_can_do", "What can you do to support the situation?"),
)

# The child's own page ("[NAME]'s Safety Plan").
CHILD_PAGE = (
    ("worried_about", "What are we worried about?"),
    ("feel_safe", "What will help me feel safe?"),
    ("go_to", "Who can I go to?"),
    ("i_can_do", "What can I do?"),
)

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_SENTENCE_END = re.compile(r"[.!?]+|\n\s*\n|\n\s*[-*•]")


def _syllables(word: str) -> int:
    word = word.lower().removesuffix("'s")
    if len(word) <= 3:
        return 1
    word = re.sub(r"(?:[^laeiouy]es|[^laeiouy]ed|[^laeiouy]e)$", "", word)
    word = re.sub(r"^y", "", word)
    return max(1, len(re.findall(r"[aeiouy]{1,2}", word)))


def reading_age(text: str) -> int | None:
    """An estimate of the reading age a text needs, in years (Flesch-Kincaid grade + 5).

    None when there are too few words to judge. Short sentences and short words read
    youngest; a child's page should read at or below the child's own age."""
    words = _WORD.findall(text)
    if len(words) < 8:
        return None
    sentences = max(1, len([s for s in _SENTENCE_END.split(text) if _WORD.search(s)]))
    syllables = sum(_syllables(w) for w in words)
    grade = 0.39 * (len(words) / sentences) + 11.8 * (syllables / len(words)) - 15.59
    return max(5, round(grade + 5))
