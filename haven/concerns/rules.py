"""Statutory rules about concerns, named as the policy names them, and the prompts a DSL's
route decisions must answer (DESIGN §3 rules 3-5): a concern's close with no further action
and a case's decisions both answer them, so they live with the concerns, below the cases."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Category

UKCIS_NUDES_ADVICE = (
    "Do not attach images or videos for sharing nudes and semi-nudes. Staff must not view, copy, print, "
    "share or forward such images (UKCIS advice, 'Sharing nudes and semi-nudes: advice for education "
    "settings'). Describe what you were told or saw in words instead, do not delete anything from the "
    "child's device, and tell a safeguarding lead straight away: they decide whether the police need to "
    "see the device. If an image was shared online, Childline's Report Remove tool can help the child "
    "get it taken down."
)

POLICE_STARTING_POINT = (
    "Rape, assault by penetration and sexual assault are crimes: the starting point is that they are "
    "reported to the police (policy §8, 'Sexual violence and sexual harassment between children in "
    "schools and colleges'). Record a police route, or explain why not."
)
UNDER_13 = (
    "A child under 13 can never consent to sexual activity (Sexual Offences Act 2003; policy §4). "
    "A sexual concern involving a child under 13 needs a referral to children's social care and a "
    "report to the police, or a recorded explanation of why not."
)
PARENTS = (
    "Parents or carers are informed unless that would put a child at greater risk (policy §10). "
    "Record for each child whether they were informed, or why not."
)


@dataclass(frozen=True)
class Prompt:
    rule: str
    text: str
    routes_needed: frozenset[str]


def statutory_prompts(*, categories: Iterable[Category], children_ages: Iterable[int]) -> list[Prompt]:
    """The prompts that apply to a case, from its concerns' categories and its children's ages."""
    categories = list(categories)
    prompts = []
    if any(c.police_starting_point for c in categories):
        prompts.append(Prompt("police_starting_point", POLICE_STARTING_POINT, frozenset({"police"})))
    if any(c.sexual for c in categories) and any(age < 13 for age in children_ages):
        prompts.append(Prompt("under_13", UNDER_13, frozenset({"police", "social_care"})))
    return prompts


def unmet_prompts(prompts: Iterable[Prompt], routes: set[str]) -> list[Prompt]:
    """Prompts whose routes are not all among the routes decided."""
    return [p for p in prompts if not p.routes_needed <= routes]


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    years = day.year - date_of_birth.year
    if (day.month, day.day) < (date_of_birth.month, date_of_birth.day):
        years -= 1
    return years
