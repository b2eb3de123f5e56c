"""Figures worked out for reports, never typed (DESIGN §3 rule 12)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def percent(part: int | None, whole: int | None) -> Decimal | None:
    """A percentage to one decimal place, rounding halves up (4.45 -> 4.5); None of nothing
    (no whole, or no part given)."""
    if not whole or part is None:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
