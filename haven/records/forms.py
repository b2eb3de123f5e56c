"""Forms for sending a child's file, confirming its receipt and withdrawing it; the services
hold the rules."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django import forms

from haven.core import clock
from haven.core.forms import DateInput, choice_field

from .models import LEFT_DAYS_AHEAD, LEFT_DAYS_BACK

if TYPE_CHECKING:
    from haven.organisations.models import School

OUTSIDE = "outside"


class TransferForm(forms.Form):
    to_school = forms.ChoiceField(
        label="New school",
        help_text="Schools that use Haven, by name. Choose the last option if the new school does not use Haven.",
    )
    to_school_name = forms.CharField(
        label="Name of the new school, if it does not use Haven", max_length=200, required=False
    )
    to_contact = forms.CharField(
        label="Contact at the new school, if it does not use Haven",
        max_length=300,
        required=False,
        help_text="The designated safeguarding lead's name, and a secure email or phone number.",
    )
    left_on = forms.DateField(label="Date the child left", widget=DateInput())
    confirm = forms.BooleanField(label="I have checked this is the right child and the right school")

    def __init__(self, *args: Any, schools: list[School], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.schools = {str(s.pk): s for s in schools}
        choice_field(self, "to_school").choices = (
            [("", "Choose a school")]
            + [(str(s.pk), f"{s.name} (URN {s.urn})") for s in schools]
            + [(OUTSIDE, "The new school does not use Haven")]
        )

    def clean_left_on(self) -> dt.date:
        day: dt.date = self.cleaned_data["left_on"]
        if day > clock.localdate() + dt.timedelta(days=LEFT_DAYS_AHEAD):
            raise forms.ValidationError("The date the child leaves must be within the next three months.")
        if day < clock.localdate() - dt.timedelta(days=LEFT_DAYS_BACK):
            raise forms.ValidationError("The date the child left must be within the last year.")
        return day

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        choice = data.get("to_school")
        data["school"] = self.schools.get(choice or "")
        if choice == OUTSIDE:
            if not (data.get("to_school_name") or "").strip():
                self.add_error("to_school_name", "Type the name of the new school.")
            if not (data.get("to_contact") or "").strip():
                self.add_error("to_contact", "Give a contact at the new school, so the file goes to the right person.")
        return data


class ReceiptForm(forms.Form):
    """For a school outside Haven: the sender records who confirmed receipt, and when."""

    confirmed_by = forms.CharField(
        label="Who at the new school confirmed they received the file", max_length=200, help_text="Their name and role."
    )
    received_on = forms.DateField(label="Day they confirmed it", widget=DateInput())


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why are you withdrawing it?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: sent to the wrong school. The new school will no longer be able to open it.",
    )
