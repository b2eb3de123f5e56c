"""Widgets shared by every app's forms, and typed access to a form's fields."""

from __future__ import annotations

from typing import Any, cast

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


# ``form.fields`` holds plain ``Field``s for the type checker; these name the kind of field
# a form declared, so setting its choices or queryset is checked (no run-time effect).
def choice_field(form: forms.BaseForm, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def model_choice_field(form: forms.BaseForm, name: str) -> forms.ModelChoiceField[Any]:
    return cast("forms.ModelChoiceField[Any]", form.fields[name])
