"""Forms for people pages."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat

from haven.core import clamd

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
