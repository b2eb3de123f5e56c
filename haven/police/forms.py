"""Forms for a case's police investigation. Each names its field in its messages (they make
sense beside the field and in the summary at the top); the services check the rules again."""

from __future__ import annotations

from typing import Any

from django import forms

from haven.cases.forms import CHILD, DATE, CasePupilChoiceField, _CaseForm, _past_date, date_messages
from haven.core import clock

from .models import ChargeOutcome


class InvestigationForm(_CaseForm):
    force = forms.CharField(
        label="Police force",
        max_length=100,
        error_messages={"required": "Police force: enter the force investigating, for example Midshire Police."},
    )
    officer_name = forms.CharField(
        label="Officer in the case",
        max_length=200,
        help_text="The school's point of contact with the police for updates (policy §12).",
        error_messages={"required": "Officer in the case: enter the officer's name."},
    )
    officer_rank = forms.CharField(label="Rank", max_length=60, required=False, help_text="For example DC or PC.")
    phone = forms.CharField(
        label="Phone",
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text="A phone number or an email address, or both.",
    )
    email = forms.EmailField(
        label="Email",
        max_length=200,
        required=False,
        error_messages={"invalid": "Email: enter an email address like name@police.uk."},
    )
    crime_reference = forms.CharField(
        label="Crime reference",
        max_length=60,
        error_messages={"required": "Crime reference: enter the crime reference the police gave."},
    )
    # The version the page started from: a save from a page older than the current details
    # is refused rather than quietly undoing someone else's change.
    based_on = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=0,
        max_value=2**31 - 1,
        error_messages={
            "required": "This form is out of date: open the page again to start from the current details.",
            "invalid": "This form is out of date: open the page again to start from the current details.",
        },
    )
    notes = forms.CharField(
        label="Notes, or what has changed", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone") or "").strip() and not data.get("email") and "email" not in self.errors:
            self.add_error("phone", "Phone: enter a phone number or an email address for the officer.")
        return data


def _until_field() -> forms.DateField:
    def not_past(value: Any) -> Any:
        if value and value < clock.localdate():
            raise forms.ValidationError(
                "In force until: the date has passed. Enter the date the condition ends, today or later."
            )
        return value

    return forms.DateField(
        label="In force until",
        widget=DATE,
        validators=[not_past],
        error_messages=date_messages("the condition ends"),
    )


class BailForm(_CaseForm):
    pupil = CasePupilChoiceField(
        label="The child it applies to", queryset=None, empty_label="Choose a child", error_messages=CHILD
    )
    condition = forms.CharField(
        label="The condition",
        help_text="In the police's words, for example: not to contact the child affected, directly or online.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "The condition: enter what the bail condition says."},
    )
    until = _until_field()


class BailVaryForm(_CaseForm):
    """The new condition that replaces one; the condition is in the page's address."""

    condition = forms.CharField(
        label="The condition now",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "The condition now: enter what the varied condition says."},
    )
    until = _until_field()
    reason = forms.CharField(
        label="Why it changed",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Why it changed: say what the police told you."},
    )


class BailEndForm(_CaseForm):
    reason = forms.CharField(
        label="Why it ended",
        help_text="For example: bail cancelled, the child was charged, or released under investigation.",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Why it ended: say what the police told you."},
    )


class ChargeForm(_CaseForm):
    outcome = forms.ChoiceField(
        label="Decision",
        choices=ChargeOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Decision: choose what the police decided.",
            "invalid_choice": "Decision: choose from the decisions listed.",
        },
    )
    pupil = CasePupilChoiceField(
        label="The child it is about",
        queryset=None,
        required=False,
        empty_label="The case as a whole",
        error_messages=CHILD,
    )
    decided_on = _past_date("Date of the decision", "of the decision")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CourtDateForm(_CaseForm):
    on = forms.DateField(label="Date of the hearing", widget=DATE, error_messages=date_messages("of the hearing"))
    court = forms.CharField(
        label="Court",
        max_length=200,
        error_messages={"required": "Court: enter which court, for example Midshire Youth Court."},
    )
    hearing = forms.CharField(
        label="What the hearing is",
        max_length=200,
        help_text="For example: first appearance, trial, sentencing.",
        error_messages={"required": "What the hearing is: enter the kind of hearing."},
    )
    pupil = CasePupilChoiceField(
        label="The child it is about",
        queryset=None,
        required=False,
        empty_label="The case as a whole",
        error_messages=CHILD,
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
