"""Words in a pupil's report that suggest someone is in danger now.

Such a report is raised to urgent and every DSL and deputy is alerted at once, as for an
urgent concern (DESIGN §3 rule 2). The list errs towards alerting: a false alarm costs a
DSL a minute; a missed one can cost a child.
"""

from __future__ import annotations

import re

DANGER_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        "self-harm",
        r"self[\s-]?harm\w*|cut(?:ting|s)? (?:my|him|her|them)sel(?:f|ves)"
        r"|hurt(?:ing)? (?:my|him|her|them)sel(?:f|ves)",
    ),
    (
        "suicide",
        r"suicid\w*|kill (?:my|him|her|them)sel(?:f|ves)|end (?:my|his|her|their) life"
        r"|want to die|don'?t want to (?:live|be alive)",
    ),
    ("weapon", r"knife|knives|blade|\bgun|weapon\w*|machete"),
    ("tonight", r"tonight|right now|after school today|this evening"),
    (
        "being hurt now",
        r"(?:is|are|being) (?:hurt|hit|beaten|attacked|raped)\w* (?:now|right now)"
        r"|hurting (?:me|her|him|them) now",
    ),
    ("threat to kill", r"(?:going to|gonna|will) (?:kill|stab|shoot)"),
    ("sexual assault", r"\brap(?:e|ed|ing)\b"),
    ("run away", r"run(?:ning)? away"),
    (
        # Sexual coercion and sextortion (UKCIS advice, 2024): asked for pictures, a threat to
        # share them, money demanded. A child rarely says "sextortion"; they say what was asked.
        "sexual coercion",
        r"\bnudes?\b|\bnaked\b|sextort\w*"
        r"|(?:pics?|pictures?|photos?|images?|videos?|snaps?) of (?:you|yourself|your body|me|myself)\b"
        r"|(?:keeps?|kept|keep on) asking (?:me )?for (?:pics?|pictures?|photos?|images?|videos?|snaps?)"
        r"|(?:will|'ll|gonna|going to|threaten(?:s|ed|ing)? to) (?:share|post|leak|send|show|expose)"
        r" (?:them|it|the (?:pics?|pictures?|photos?|videos?)"
        r"|(?:my|the) \w+ (?:pics?|pictures?|photos?|videos?)|to everyone|everyone|online)"
        r"|(?:pay|give|send) (?:me |him |her |them )?(?:money|£ ?\d+|\d+ ?(?:pounds|quid))"
        r"|unless I pay|or I(?:'ll| will) (?:share|post|send)",
    ),
)
_COMPILED = [(label, re.compile(pattern, re.IGNORECASE)) for label, pattern in DANGER_PATTERNS]


def danger_words(*texts: str) -> list[str]:
    """The kinds of danger named in the texts, in the order of the list above."""
    joined = "\n".join(t for t in texts if t)
    return [label for label, pattern in _COMPILED if pattern.search(joined)]
