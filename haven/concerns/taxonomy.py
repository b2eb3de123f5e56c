"""The national abuse taxonomy (policy §3/§4, DESIGN §4), loaded by a data migration.

Sexual violence and sexual harassment start on 1 May 2021: the county review notes they
were "not a recording option until May 2021", so reports across that date say so.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from haven.concerns.models import Category as CategoryModel

ALWAYS = dt.date(2015, 1, 1)
SVH_FROM = dt.date(2021, 5, 1)

# (code, name, flags, valid_from, children)
TAXONOMY: list[tuple[str, str, set[str], dt.date, list[tuple[str, str, set[str]]]]] = [
    ("bullying", "Bullying", set(), ALWAYS, []),
    ("online_bullying", "Online bullying (cyberbullying)", set(), ALWAYS, []),
    (
        "prejudice",
        "Prejudice-based and discriminatory bullying",
        set(),
        ALWAYS,
        [
            ("racist", "Racist", set()),
            ("homophobic", "Homophobic", set()),
            ("biphobic", "Biphobic", set()),
            ("transphobic", "Transphobic", set()),
            ("disability", "Disability", set()),
            ("sexist", "Sexist", set()),
        ],
    ),
    (
        "sexual_violence",
        "Sexual violence",
        {"sexual"},
        SVH_FROM,
        [
            ("rape", "Rape", {"sexual", "police_starting_point"}),
            ("assault_by_penetration", "Assault by penetration", {"sexual", "police_starting_point"}),
            ("sexual_assault", "Sexual assault", {"sexual", "police_starting_point"}),
            ("causing_sexual_activity", "Causing someone to engage in sexual activity without consent", {"sexual"}),
        ],
    ),
    (
        "sexual_harassment",
        "Sexual harassment",
        {"sexual"},
        SVH_FROM,
        [
            ("sexual_comments", "Sexual comments", {"sexual"}),
            ("sexual_jokes", "Sexual jokes or taunting", {"sexual"}),
            ("sexual_physical", "Physical behaviour of a sexual nature", {"sexual"}),
            ("online_sexual_harassment", "Online sexual harassment", {"sexual"}),
            ("upskirting", "Upskirting", {"sexual"}),
        ],
    ),
    ("nudes", "Sharing nudes and semi-nudes", {"sexual", "nudes_images"}, ALWAYS, []),
    ("harmful_sexual_behaviour", "Harmful sexual behaviour", {"sexual"}, ALWAYS, []),
    ("relationship_abuse", "Teenage relationship abuse", set(), ALWAYS, []),
    ("physical", "Physical abuse", set(), ALWAYS, []),
    ("hazing", "Initiation / hazing", set(), ALWAYS, []),
    ("hate", "Hate incident or crime", set(), ALWAYS, []),
    (
        "cce",
        "Child criminal exploitation (including county lines and gangs)",
        {"criminal_exploitation"},
        ALWAYS,
        [],
    ),
    ("cse", "Child sexual exploitation", {"sexual"}, ALWAYS, []),
    ("radicalisation", "Radicalisation", set(), ALWAYS, []),
]

FLAGS = ("sexual", "police_starting_point", "nudes_images", "criminal_exploitation")


def load(Category: type[CategoryModel]) -> None:  # the migration's historical model, or the model
    position = 0
    for code, name, flags, valid_from, children in TAXONOMY:
        position += 10
        parent, _ = Category.objects.update_or_create(
            code=code,
            authority=None,
            valid_from=valid_from,
            defaults={"name": name, "position": position, **{f: f in flags for f in FLAGS}},
        )
        for child_code, child_name, child_flags in children:
            position += 1
            Category.objects.update_or_create(
                code=child_code,
                authority=None,
                valid_from=valid_from,
                defaults={
                    "name": child_name,
                    "parent": parent,
                    "position": position,
                    **{f: f in child_flags for f in FLAGS},
                },
            )
