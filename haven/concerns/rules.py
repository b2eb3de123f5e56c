"""Statutory rules about concerns, named as the policy names them."""

from __future__ import annotations

UKCIS_NUDES_ADVICE = (
    "Do not attach images or videos for sharing nudes and semi-nudes. Staff must not view, copy, print, "
    "share or forward such images (UKCIS advice, 'Sharing nudes and semi-nudes: advice for education "
    "settings'). Describe what you were told or saw in words instead, do not delete anything from the "
    "child's device, and tell a safeguarding lead straight away: they decide whether the police need to "
    "see the device. If an image was shared online, Childline's Report Remove tool can help the child "
    "get it taken down."
)
