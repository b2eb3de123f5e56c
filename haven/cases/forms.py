"""Forms for the DSL's work on a case. Each owns its validation and messages; the
service enforces the rules again (the API uses the same services)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms

from haven.concerns.models import ChildRole
from haven.core import clock
from haven.core.forms import DateInput, model_choice_field
from haven.people.models import Pupil

from .models import Agency, ConsiderationAnswer, Route

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from haven.accounts.models import User
    from haven.people.models import Pupil

    from .models import Case

DATE = DateInput()


def _past_date(label: str, what: str, *, required: bool = True) -> forms.DateField:
    """A date that has happened, ``what`` naming it in each message ("the date of the referral")."""

    def not_future(value: Any) -> Any:
        if value and value > clock.localdate():
            raise forms.ValidationError(f"The date {what} cannot be in the future.")
        return value

    return forms.DateField(
        label=label, required=required, widget=DATE, validators=[not_future], error_messages=date_messages(what)
    )


if TYPE_CHECKING:
    _PupilChoiceField = forms.ModelChoiceField[Pupil]
else:
    _PupilChoiceField = forms.ModelChoiceField  # not generic at run time


class CasePupilChoiceField(_PupilChoiceField):
    def label_from_instance(self, obj: Pupil) -> str:
        return obj.display_name


# Required-field messages name the field, so they make sense beside it and in the summary.
CHILD = {"required": "Child: choose a child.", "invalid_choice": "Child: choose a child in this case."}


def date_messages(what: str) -> dict[str, str]:
    """A date field's messages: "Enter the date it was decided", "... as a real date"."""
    return {
        "required": f"Enter the date {what}.",
        "invalid": f"Enter the date {what} as a real date, for example {clock.localdate():%d %m %Y}.",
    }


VERSION_MISSING = (
    "This form did not say which version of the case it was filled in from (its version field), so Haven "
    "cannot tell whether someone else changed the case meanwhile. Reload the page and enter it again."
)


class _CaseForm(forms.Form):
    # The case's version the page was made from: a save from a stale page is refused (DESIGN §11).
    # Required where the service checks it (``versioned``), so no save can overwrite blind.
    versioned = False
    version = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        error_messages={"required": VERSION_MISSING, "invalid": VERSION_MISSING, "min_value": VERSION_MISSING},
    )

    def __init__(self, *args: Any, case: Case | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case = case
        self.fields["version"].required = self.versioned
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
    """One item of the DSL's checklist (policy §7); the item is in the page's address."""

    versioned = True
    answer = forms.ChoiceField(
        label="Answer",
        choices=ConsiderationAnswer.Answer.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Answer: choose Yes, No, Not yet known or Considered.",
            "invalid_choice": "Answer: choose Yes, No, Not yet known or Considered.",
        },
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(_CaseForm):
    versioned = True
    routes = forms.MultipleChoiceField(
        label="Routes (several may apply)",
        choices=Route.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Routes: choose at least one route.",
            "invalid_choice": "Routes: choose from the routes listed.",
        },
    )
    rationale = forms.CharField(
        label="Why",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Why: give the reason for this decision."},
    )
    withdraw = forms.BooleanField(label="This withdraws an earlier decision for these routes", required=False)
    statutory_override = forms.CharField(
        label="If you are not following the statutory starting point, explain why",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ParentsInformedForm(_CaseForm):
    pupil = CasePupilChoiceField(label="Child", queryset=None, empty_label="Choose a child", error_messages=CHILD)
    informed = forms.TypedChoiceField(
        label="Were parents or carers informed?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether parents or carers were informed: Yes or No."},
    )
    informed_on = _past_date("Date informed", "they were informed", required=False)
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
    agency = forms.ChoiceField(
        label="Referred to",
        choices=[("", "Choose"), *Agency.choices],
        error_messages={"required": "Referred to: choose who the referral went to."},
    )
    organisation_name = forms.CharField(label="Organisation (if external support)", required=False, max_length=200)
    pupil = CasePupilChoiceField(
        label="Child", queryset=None, required=False, empty_label="The case as a whole", error_messages=CHILD
    )
    referred_on = _past_date("Date of referral", "of the referral")
    agency_reference = forms.CharField(label="Their reference", required=False, max_length=100)
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class OutcomeForm(_CaseForm):
    """The outcome of one referral; the referral is in the page's address."""

    outcome = forms.CharField(
        label="Outcome",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Outcome: enter what the agency decided or did."},
    )
    outcome_on = _past_date("Date of outcome", "of the outcome")
    agency_reference = forms.CharField(label="Their reference", required=False, max_length=100)


class SupportForm(_CaseForm):
    pupil = CasePupilChoiceField(label="Child", queryset=None, empty_label="Choose a child", error_messages=CHILD)
    description = forms.CharField(
        label="Support in place",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Support in place: describe the support for this child."},
    )


class SanctionForm(_CaseForm):
    pupil = CasePupilChoiceField(label="Child", queryset=None, empty_label="Choose a child", error_messages=CHILD)
    description = forms.CharField(
        label="Sanction (behaviour policy)",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Sanction: describe the sanction decided under the behaviour policy."},
    )
    decided_on = _past_date("Date decided", "it was decided")


class TaskForm(_CaseForm):
    title = forms.CharField(
        label="What needs doing", max_length=200, error_messages={"required": "What needs doing: enter the task."}
    )
    assignee: forms.ModelChoiceField[User] = forms.ModelChoiceField(
        label="Who",
        queryset=None,
        empty_label="Choose a person",
        error_messages={
            "required": "Who: choose the person who will do it.",
            "invalid_choice": "Who: choose someone who can read this school's cases.",
        },
    )
    due_on = forms.DateField(label="Due by", widget=DATE, error_messages=date_messages("it is due"))

    def __init__(self, *args: Any, assignees: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "assignee").queryset = assignees


class CloseForm(_CaseForm):
    versioned = True
    text = forms.CharField(
        label="Why the case can be closed",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Why the case can be closed: give the reason (policy §11)."},
    )


class ReopenForm(_CaseForm):
    versioned = True
    text = forms.CharField(
        label="Why the case is reopened",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Why the case is reopened: give the reason."},
    )


class TaskDoneForm(_CaseForm):
    """Marking a task done asks nothing more: who and when are recorded."""


class ChildForm(_CaseForm):
    query = forms.CharField(
        label="Child's name or UPN",
        max_length=100,
        error_messages={"required": "Child's name or UPN: enter the child's name, or their UPN."},
    )
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Choose a role"), *ChildRole.choices],
        error_messages={"required": "Role: choose the child's role in the case."},
    )


class AccessForm(_CaseForm):
    versioned = True
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
