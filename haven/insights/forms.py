from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.db.models import Q

from haven.concerns.models import Category
from haven.core import clamd, clock
from haven.core.forms import DateInput, TimeInput, choice_field, model_choice_field

from .models import CallerRole, Channel

if TYPE_CHECKING:
    from django.utils.datastructures import MultiValueDict

    from haven.organisations.models import Authority, School


if TYPE_CHECKING:
    _CategoryChoiceField = forms.ModelMultipleChoiceField[Category]
else:
    _CategoryChoiceField = forms.ModelMultipleChoiceField  # not generic at run time


class CategoryChoices(_CategoryChoiceField):
    def label_from_instance(self, obj: Category) -> str:
        return f"{obj.parent.name}: {obj.name}" if obj.parent_id and obj.parent else obj.name


class EnquiryForm(forms.Form):
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(queryset=None, empty_label="Choose a school")
    day = forms.DateField(label="Date", widget=DateInput)
    time = forms.TimeField(label="Time", widget=TimeInput)
    caller_role = forms.ChoiceField(label="Caller's role", choices=[("", "Choose"), *CallerRole.choices])
    channel = forms.ChoiceField(label="How they got in touch", choices=[("", "Choose"), *Channel.choices])
    categories = CategoryChoices(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one category."},
    )
    summary = forms.CharField(
        label="What the school asked",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Never name a child: say “a Year 9 girl”, not her name.",
    )
    advice = forms.CharField(label="Advice given", widget=forms.Textarea(attrs={"rows": 5}))
    risk_assessment_supported = forms.BooleanField(label="We supported a risk assessment", required=False)
    follow_up_on = forms.DateField(label="Follow up by", required=False, widget=DateInput)
    confirmed = forms.MultipleChoiceField(required=False, widget=forms.MultipleHiddenInput)

    def __init__(self, *args: Any, authority: Authority, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "school").queryset = authority.schools.order_by("name")
        today = clock.localdate()
        model_choice_field(self, "categories").queryset = (
            Category.objects.filter(Q(authority__isnull=True) | Q(authority=authority), valid_from__lte=today)
            .exclude(valid_to__lt=today)
            .select_related("parent")
            .order_by("pk")  # the taxonomy order: each family, then its members
        )
        # The officer confirms a flagged word is not a child's name by ticking it (added by the view).
        data = cast("MultiValueDict[str, str]", self.data)  # a form's data always is one
        choice_field(self, "confirmed").choices = [(c, c) for c in data.getlist("confirmed")] if data else []


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label="What the file holds",
        choices=[
            ("monthly", "Monthly counts from before Haven (month, total, sexual)"),
            ("enquiries", "Enquiries from an earlier log, one a line"),
        ],
        widget=forms.RadioSelect,
    )
    file = forms.FileField(label="CSV file", help_text="Saved from a spreadsheet as CSV. At most 5 MB.")

    def clean_file(self) -> Any:
        f = self.cleaned_data["file"]
        if f.size > 5 * 1024 * 1024:
            raise forms.ValidationError("The file is larger than 5 MB: split it and import each part.")
        try:
            clamd.scan_upload(f)  # when a virus checker is configured
        except clamd.ScanRefused as exc:
            raise clamd.form_error(exc) from exc
        return f
