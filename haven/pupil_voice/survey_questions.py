"""The standard culture survey: questions and answer scales in children's words.

County review: schools need evidence of culture change and of how safe children feel. Each
question has a fixed key, primary and secondary wording and a fixed answer scale. When a
survey is opened the whole set is copied onto it (:func:`snapshot`), so changing the words
here never changes what an earlier round asked; rounds are compared by question key.

"Positive" answers are the good outcome for each question (feeling safe, knowing how to
report, never having seen sexual comments); dashboards show their share.
"""

from __future__ import annotations

from typing import Any

# Scale key -> [(answer value, primary words, secondary words)], and the positive answers.
SCALES: dict[str, dict[str, Any]] = {
    "safe": {
        "answers": [
            ("very_safe", "Very safe", "Very safe"),
            ("mostly_safe", "Safe most of the time", "Mostly safe"),
            ("not_very_safe", "Not very safe", "Not very safe"),
            ("not_safe", "Not safe at all", "Not safe at all"),
            ("not_sure", "I'm not sure", "I'm not sure"),
        ],
        "positive": ["very_safe", "mostly_safe"],
    },
    "yes_maybe_no": {
        "answers": [
            ("yes", "Yes", "Yes"),
            ("maybe", "Maybe", "Maybe"),
            ("no", "No", "No"),
        ],
        "positive": ["yes"],
    },
    "know": {
        "answers": [
            ("yes", "Yes, I know", "Yes, I know"),
            ("not_sure", "I'm not sure", "I'm not sure"),
            ("no", "No, I don't know", "No, I don't know"),
        ],
        "positive": ["yes"],
    },
    "seen": {
        "answers": [
            ("never", "No, never", "No, never"),
            ("once_or_twice", "Once or twice", "Once or twice"),
            ("often", "Lots of times", "Lots of times"),
            ("not_sure", "I'm not sure", "I'm not sure"),
        ],
        "positive": ["never"],
    },
}

# (key, scale, primary wording, secondary wording), in the order pupils see them.
QUESTIONS: tuple[tuple[str, str, str, str], ...] = (
    ("safe_school", "safe", "How safe do you feel at school?", "How safe do you feel at school?"),
    (
        "safe_online",
        "safe",
        "How safe do you feel when you are online, on games or apps?",
        "How safe do you feel online: on your phone, in games and on apps?",
    ),
    (
        "tell_adult",
        "yes_maybe_no",
        "If something made you sad or worried, would you tell a grown-up at school?",
        "If something worried you, would you tell an adult at school?",
    ),
    (
        "know_how_to_report",
        "know",
        "Do you know how to tell someone at school if something is wrong?",
        "Do you know how to report something that worries you?",
    ),
    (
        "seen_sexual_comments",
        "seen",
        "This term, have you heard rude comments or jokes about people's bodies?",
        "This term, have you seen or heard sexual comments or jokes, at school or online?",
    ),
    (
        "know_harassment",
        "know",
        "Do you know which kinds of touching or words are not OK?",
        "Do you know what sexual harassment is?",
    ),
)

# Year groups as broad bands only: never a year, a class or anything narrower.
YEAR_BANDS: tuple[tuple[str, str, str], ...] = (
    # (value, words, which schools offer it)
    ("r_2", "Reception to Year 2", "primary"),
    ("y3_4", "Years 3 and 4", "primary"),
    ("y5_6", "Years 5 and 6", "primary"),
    ("y7_9", "Years 7 to 9", "secondary"),
    ("y10_11", "Years 10 and 11", "secondary"),
    ("y12_13", "Years 12 and 13", "secondary"),
)
YEAR_BAND_WORDS = {value: words for value, words, _ in YEAR_BANDS}
NOT_SAID = "Not said"

# Phases that use the primary wording (as the tell page, haven.pupil_voice.forms.phase_of),
# and those whose pupils span both sets of year bands.
ALL_BAND_PHASES = {"all_through", "special", "alternative"}


def year_bands_for(school_phase: str) -> list[tuple[str, str]]:
    """The bands a pupil of this kind of school may choose from."""
    if school_phase in ALL_BAND_PHASES:
        kinds = {"primary", "secondary"}
    elif school_phase in ("nursery", "primary"):
        kinds = {"primary"}
    else:
        kinds = {"secondary"}
    return [(value, words) for value, words, kind in YEAR_BANDS if kind in kinds]


def snapshot() -> list[dict[str, Any]]:
    """The standard set as stored on a new survey: everything needed to show and count it
    later without reading this module again."""
    out = []
    for key, scale_key, primary, secondary in QUESTIONS:
        scale = SCALES[scale_key]
        out.append(
            {
                "key": key,
                "primary": primary,
                "secondary": secondary,
                "answers": [{"value": v, "primary": p, "secondary": s} for v, p, s in scale["answers"]],
                "positive": list(scale["positive"]),
            }
        )
    return out
