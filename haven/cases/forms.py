"""Forms for the DSL's work on a case. Each owns its validation and messages; the
service enforces the rules again (the API uses the same services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from haven.concerns.models import ChildRole
from haven.core import clock
from haven.core.forms import DateInput, model_choice_field
from haven.people.models import Pupil

from .models import Agency, CaseEvent, Consideration, ConsiderationAnswer, Route

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from haven.accounts.models import User
    from haven.people.models import Pupil

    from .models import Case

DATE = DateInput()


def _not_future(value: Any) -> Any:
    if value and value > clock.localdate():
        raise forms.ValidationError("This date cannot be in the future.")
    return value


if TYPE_CHECKING:
    _PupilChoiceField = forms.ModelChoiceField[Pupil]
else:
    _PupilChoiceField = forms.ModelChoiceField  # not generic at run time


class CasePupilChoiceField(_PupilChoiceField):
    def label_from_instance(self, obj: Pupil) -> str:
        return obj.display_name


class _CaseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        if case is not None:
            self.initial.setdefault("version", case.version)
            if "pupil" in self.fields:
                model_choice_field(self, "pupil").queryset = Pupil.objects.filter(case_links__case=case).order_by(
                    "legal_surname"
                )


class OpenCaseForm(forms.Form):
    title = forms.CharField(
        label="Case title", max_length=200, required=False, help_text="Leave blank to use the kinds of concern."
    )


class NoFurtherActionForm(forms.Form):
    rationale = forms.CharField(
        label="Why no further action is needed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Explain why no further action is needed: the decision must have a reason."},
    )
    # Asked only where the police starting point or the under-13 rule applies (the triage page says which).
    statutory_override = forms.CharField(
        label="Why the statutory starting point is not followed",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class AddToCaseForm(forms.Form):
    case: forms.ModelChoiceField[Case] = forms.ModelChoiceField(
        label="Add to case", queryset=None, empty_label="Choose an open case"
    )

    def __init__(self, *args: Any, cases: QuerySet[Case], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "case").queryset = cases


class ConsiderationForm(_CaseForm):
    item = forms.ChoiceField(choices=Consideration.choices, widget=forms.HiddenInput)
    answer = forms.ChoiceField(label="Answer", choices=ConsiderationAnswer.Answer.choices, widget=forms.RadioSelect)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(_CaseForm):
    routes = forms.MultipleChoiceField(
        label="Routes (several may apply)",
        choices=Route.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one route."},
    )
    rationale = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason for this decision."},
    )
    withdraw = forms.BooleanField(label="This withdraws an earlier decision for these routes", required=False)
    statutory_override = forms.CharField(
        label="If you are not following the statutory starting point, explain why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ParentsInformedForm(_CaseForm):
    pupil = CasePupilChoiceField(label="Child", queryset=None, empty_label="Choose a child")
    informed = forms.TypedChoiceField(
        label="Were parents or carers informed?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether parents or carers were informed."},
    )
    informed_on = forms.DateField(label="Date informed", required=False, widget=DATE, validators=[_not_future])
    rationale = forms.CharField(
        label="Notes, or why they were not informed", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("informed") is True and not data.get("informed_on"):
            self.add_error("informed_on", "Enter the date they were informed.")
        if data.get("informed") is False and not (data.get("rationale") or "").strip():
            self.add_error(
                "rationale", "Explain why they were not informed (for example, it would put the child at greater risk)."
            )
        return data


class ReferralForm(_CaseForm):
    agency = forms.ChoiceField(label="Referred to", choices=[("", "Choose"), *Agency.choices])
    organisation_name = forms.CharField(label="Organisation (if external support)", required=False, max_length=200)
    pupil = CasePupilChoiceField(label="Child", queryset=None, required=False, empty_label="The case as a whole")
    referred_on = forms.DateField(label="Date of referral", widget=DATE, validators=[_not_future])
    agency_reference = forms.CharField(label="Their reference", required=False, max_length=100)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(_CaseForm):
    referral = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.CharField(
        label="Outcome", widget=forms.Textarea(attrs={"rows": 2}), error_messages={"required": "Enter the outcome."}
    )
    outcome_on = forms.DateField(label="Date of outcome", widget=DATE, validators=[_not_future])
    agency_reference = forms.CharField(label="Their reference", required=False, max_length=100)


class SupportForm(_CaseForm):
    pupil = CasePupilChoiceField(label="Child", queryset=None, empty_label="Choose a child")
    description = forms.CharField(label="Support in place", widget=forms.Textarea(attrs={"rows": 2}))


class SanctionForm(_CaseForm):
    pupil = CasePupilChoiceField(label="Child", queryset=None, empty_label="Choose a child")
    description = forms.CharField(label="Sanction (behaviour policy)", widget=forms.Textarea(attrs={"rows": 2}))
    decided_on = forms.DateField(label="Date decided", widget=DATE, validators=[_not_future])


class TaskForm(_CaseForm):
    title = forms.CharField(label="What needs doing", max_length=200)
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Who", queryset=None, empty_label="Choose a person"
    )
    due_on = forms.DateField(label="Due by", widget=DATE)

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assignee").queryset = assignees


class EventForm(_CaseForm):
    kind = forms.ChoiceField(
        choices=[(k, v) for k, v in CaseEvent.Kind.choices if k in ("closed", "reopened", "wishes", "note")],
        widget=forms.HiddenInput,
    )
    text = forms.CharField(
        label="Text",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "This needs a reason or text."},
    )


class ChildForm(_CaseForm):
    query = forms.CharField(label="Child's name or UPN", max_length=100)
    role = forms.ChoiceField(label="Role", choices=[("", "Choose a role"), *ChildRole.choices])


class AccessForm(_CaseForm):
    restricted = forms.BooleanField(label="Restrict this case to the people named below", required=False)
    named: forms.ModelMultipleChoiceField[User] = forms.ModelMultipleChoiceField(
        label="People who may open it",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    shared_with_trust = forms.BooleanField(label="Share this case with the trust's safeguarding lead", required=False)

    def __init__(self, *args: Any, readers: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "named").queryset = readers
