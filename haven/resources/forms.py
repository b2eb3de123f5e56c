"""Forms for proposing resources and writing case studies: validation here, messages tied
to their fields, and everything typed kept when a form comes back with errors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Q

from haven.concerns.models import Category
from haven.core import clock
from haven.core.forms import choice_field, model_choice_field
from haven.organisations.models import School

from .models import PHASE_FIELDS, PHASE_GROUPS, CaseStudy, Kind, Resource
from .selectors import AUDIENCES


def _categories(authority_id: int | None) -> Any:
    today = clock.localdate()
    return (
        Category.objects.filter(Q(authority__isnull=True) | Q(authority_id=authority_id))
        .filter(valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .select_related("parent")
        .order_by("position", "name")
    )


if TYPE_CHECKING:
    _ResourceModelForm = forms.ModelForm[Resource]
    _CaseStudyModelForm = forms.ModelForm[CaseStudy]
else:
    _ResourceModelForm = _CaseStudyModelForm = forms.ModelForm  # not generic at run time


class ResourceForm(_ResourceModelForm):
    url = forms.URLField(
        label="Link",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a full link, like https://www.example.org/page"},
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Topics",
        help_text="The kinds of abuse it helps with.",
    )

    class Meta:
        model = Resource
        fields = [
            "title",
            "kind",
            "provider",
            "description",
            "url",
            "phone",
            "email",
            "for_staff",
            "for_pupils",
            "for_parents",
            *(name for name, _ in PHASE_FIELDS),
            "age_from",
            "age_to",
            "send_suitable",
            "ability_notes",
            "national",
            "topics",
        ]
        labels = {
            "national": "Useful anywhere in England (not only in our area)",
            "url": "Link",
            "description": "What it is and how it helps",
        }

    def __init__(self, *args: Any, authority_id: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "topics").queryset = _categories(authority_id)
        self.fields["national"].initial = False
        self.fields["age_from"].widget.attrs.update(min=0, max=25)
        self.fields["age_to"].widget.attrs.update(min=0, max=25)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not (data.get("url") or data.get("phone") or data.get("email")) and "url" not in self.errors:
            self.add_error("url", "Give a link, a phone number or an email address, so people can reach it.")
        if not any(data.get(name) for name in AUDIENCES.values()):
            self.add_error("for_staff", "Say who it is for: staff, pupils or parents.")
        if not any(data.get(name) for name, _ in PHASE_FIELDS):
            self.add_error("eyfs", "Tick at least one phase.")
        a, b = data.get("age_from"), data.get("age_to")
        if a is not None and b is not None and b < a:
            self.add_error("age_to", "The age range ends before it starts.")
        return data


class ResourceFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    kind = forms.ChoiceField(label="Kind", required=False, choices=[("", "Any kind"), *Kind.choices])
    audience = forms.ChoiceField(
        label="For",
        required=False,
        choices=[("", "Anyone"), ("staff", "Staff"), ("pupils", "Pupils"), ("parents", "Parents and carers")],
    )
    phase = forms.ChoiceField(
        label="Phase",
        required=False,
        choices=[("", "Any phase"), *((k, v[0]) for k, v in PHASE_GROUPS.items()), *PHASE_FIELDS],
    )
    topic = forms.ChoiceField(label="Topic", required=False)
    area = forms.ChoiceField(
        label="Area", required=False, choices=[("", "National and local"), ("national", "National"), ("local", "Local")]
    )
    send = forms.BooleanField(label="Suitable for pupils with SEND", required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "topic").choices = [
            ("", "Any topic"),
            *(
                (c.code, c.name)
                for c in Category.objects.filter(authority__isnull=True, parent__isnull=True).order_by("position")
            ),
        ]

    def filters(self) -> dict[str, str]:
        self.is_valid()  # an unknown value in one filter is dropped; the others still apply
        return {k: str(v) for k, v in self.cleaned_data.items() if v}


class CurateForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("approve", "Approve"),
            ("changes", "Ask for changes"),
            ("reject", "Reject"),
            ("reviewed", "Mark reviewed"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to do with this resource."},
    )
    note = forms.CharField(
        label="Note for the person who proposed it",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed when you ask for changes or reject it.",
    )


class CaseStudyForm(_CaseStudyModelForm):
    categories = forms.ModelMultipleChoiceField(
        queryset=Category.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Kinds of abuse",
    )

    class Meta:
        model = CaseStudy
        fields = [
            "title",
            "phase",
            "categories",
            "context",
            "what_happened",
            "school_response",
            "what_worked",
            "outcome",
            "differently",
            "share_wider",
        ]
        labels = {
            "context": "Context",
            "what_happened": "What happened",
            "school_response": "What the school did",
            "what_worked": "What worked",
            "outcome": "Outcome",
            "differently": "What we would do differently",
        }
        help_texts = {
            "title": "A short description, for example: Online sexual harassment in a Year 9 group chat.",
            "context": "The kind of school and the situation. No names of children, staff or the school.",
        }
        widgets = {f: forms.Textarea(attrs={"rows": 5}) for f in CaseStudy.TEXT_FIELDS[1:]}

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "categories").queryset = _categories(school.authority_id)
        # Needed to send it; a draft may be saved without them.
        drafting = self.is_bound and not self.data.get("send")
        for name in ("context", "what_happened", "school_response", "what_worked", "outcome"):
            field = self.fields[name]
            field.required = not drafting
            field.error_messages["required"] = f"Write {str(field.label).lower()} before sending it."
        if not self.instance.pk:
            self.fields["phase"].initial = school.phase


class CaseStudyFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100)
    topic = forms.ChoiceField(label="Topic", required=False)
    phase = forms.ChoiceField(label="Phase", required=False, choices=[("", "Any phase"), *School.Phase.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "topic").choices = [
            ("", "Any topic"),
            *(
                (c.code, c.name)
                for c in Category.objects.filter(authority__isnull=True, parent__isnull=True).order_by("position")
            ),
        ]

    def filters(self) -> dict[str, str]:
        self.is_valid()  # an unknown value in one filter is dropped; the others still apply
        return {k: str(v) for k, v in self.cleaned_data.items() if v}


class ReviewForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("publish", "Publish"), ("return", "Return with comments")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose to publish it or return it."},
    )
    comments = forms.CharField(
        label="Comments for the author",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Needed when you return it.",
    )
