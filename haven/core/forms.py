"""Widgets shared by every app's forms."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A native date picker. Browsers only accept ISO dates in ``<input type=date>`` (an
    en-GB "23/11/2026" value is dropped), so the value is always rendered as 2026-11-23."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%H:%M")
