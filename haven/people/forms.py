"""Forms for people pages."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from haven.core import clamd

from .models import CONTACT_FIELDS, Contact, PupilLink

MAX_ROSTER_BYTES = 20 * 1024 * 1024  # a 50,000-pupil export is about 5 MB


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="Roster file",
        help_text=("A CSV file exported from your MIS, with one line for each pupil on roll. Up to 20 MB."),
        error_messages={
            "required": "Choose the CSV file exported from your MIS.",
            "empty": "The file you chose is empty. Export it from your MIS again.",
        },
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )
    allow_many_leavers = forms.BooleanField(
        label="I expect many pupils to leave",
        required=False,
        help_text=(
            "Tick this only if more than half the pupils now on roll really are leaving, for example when a "
            "school closes or merges. Without it, a file that would mark more than half as leavers is not imported."
        ),
    )

    def clean_file(self) -> UploadedFile[bytes]:
        upload: UploadedFile[bytes] = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_ROSTER_BYTES:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; the largest we accept is "
                f"{MAX_ROSTER_BYTES // (1024 * 1024)} MB. Export only the columns Haven needs.",
                code="too_big",
            )
        if not (upload.name or "").lower().endswith((".csv", ".txt")):
            raise forms.ValidationError(
                "The file must be a CSV file (its name ends .csv). In your MIS or spreadsheet, "
                "save or export it as “CSV UTF-8”.",
                code="not_csv",
            )
        try:
            clamd.scan_upload(upload)  # when a virus checker is configured
        except clamd.ScanRefused as exc:
            raise clamd.form_error(exc) from exc
        return upload


PHONE_CHARACTERS = set("0123456789 +()-")


class ContactForm(forms.ModelForm):  # type: ignore[type-arg]  # generic only in the stubs
    class Meta:
        model = Contact
        fields = list(CONTACT_FIELDS)
        labels = {
            "name": "Full name",
            "relationship": "Who they are to the child",
            "parental_responsibility": "They have parental responsibility",
            "lives_with_child": "The child lives with them",
            "phone": "Phone number",
            "email": "Email address",
            "priority": "Order to contact them in",
            "note": "Anything staff must know",
        }
        help_texts = {
            "priority": "1 is the first person to call.",
            "note": "For example: not to collect the child, or a court order is in place. Up to 500 characters.",
        }
        error_messages = {
            "name": {"required": "Enter the contact's full name."},
            "relationship": {"required": "Choose who they are to the child."},
            "email": {"invalid": "Enter an email address like name@example.org."},
            "priority": {"invalid": "Enter a whole number, 1 for the first to call."},
        }

    def clean_phone(self) -> str:
        phone = (self.cleaned_data.get("phone") or "").strip()
        digits = sum(ch.isdigit() for ch in phone)
        if phone and (set(phone) - PHONE_CHARACTERS or not 9 <= digits <= 15):
            raise forms.ValidationError("Enter a phone number of 9 to 15 digits, like 01632 960 123.")
        return phone

    def clean_priority(self) -> int:
        priority = self.cleaned_data.get("priority") or 1
        if not 1 <= priority <= 20:
            raise forms.ValidationError("Enter a number from 1 to 20.")
        return int(priority)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not self.errors and not data.get("phone") and not data.get("email"):
            self.add_error("phone", "Enter a phone number or an email address, so the school can reach them.")
        return data


class ContactEndForm(forms.Form):
    reason = forms.CharField(
        label="Why they are no longer a contact",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: moved away, or parental responsibility removed by the court.",
        error_messages={"required": "Say why this person is no longer a contact."},
    )


class LinkForm(forms.Form):
    other_upn = forms.CharField(
        label="The other child's UPN",
        max_length=13,
        required=False,
        help_text="The 13-character unique pupil number, from the pupil list or the MIS.",
    )
    other_id = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    kind = forms.ChoiceField(
        label="How they are linked",
        choices=PupilLink.Kind.choices,
        error_messages={"required": "Choose how the children are linked."},
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        data["other_upn"] = str(data.get("other_upn") or "").strip().upper()
        if not data["other_upn"] and not data.get("other_id") and "other_upn" not in self.errors:
            self.add_error("other_upn", "Enter the other child's UPN.")
        return data
